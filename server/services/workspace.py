"""Workspace settings: the send policy (frequency caps, night-time) a marketer edits, and the
attributes an operator indexes for fast audiences (runtime.audience.indexed_attributes)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.validation import Issue
from runtime.audience import indexed_attributes
from runtime.audience.indexed_attributes import IndexedColumn, indexed_columns
from runtime.errors import InvalidInputError
from runtime.messaging import test_sends
from runtime.messaging.test_sends import TestRecipients
from runtime.messaging.workspace import (
    MessageWording,
    SendPolicy,
    load_send_policy,
    load_wording,
    policy_problems,
    save_send_policy,
    save_wording,
)
from runtime.run import guardrails
from runtime.run.guardrails import WorkspaceGuardrails
from runtime.store.audit import Actor, record
from runtime.store.models import IndexedAttribute
from server.context import Wayline
from server.schemas.workspace import IndexedAttributeIn, IndexedAttributeOut

log = logging.getLogger("wayline.server")


def get_send_policy(wl: Wayline) -> SendPolicy:
    """The send policy in force (the defaults until one is saved)."""
    with wl.reading() as session:
        return load_send_policy(session)


def update_send_policy(wl: Wayline, actor: Actor, policy: SendPolicy) -> SendPolicy:
    """Replace the send policy; 422 listing every rule that cannot work. Workers apply it from
    their next batch."""
    _replace(wl, actor, policy, policy_problems(policy), load_send_policy, save_send_policy,
             ("policy", "send_rules", "send_policy", "Send rules", "The send policy"))
    return get_send_policy(wl)


def get_wording(wl: Wayline) -> MessageWording:
    """How the workspace words the law's advertising label and opt-out line (null: the
    environment's)."""
    with wl.reading() as session:
        return load_wording(session)


def update_wording(wl: Wayline, actor: Actor, wording: MessageWording) -> MessageWording:
    """Replace the wording; every message rendered from now on (each batch reads it) uses it."""
    _replace(wl, actor, wording, [], load_wording, save_wording,
             ("wording", "wording", "message_wording", "Message wording", "The wording"))
    return get_wording(wl)


def get_test_recipients(wl: Wayline) -> TestRecipients:
    """Who gets the workspace's test sends: emails and phone numbers."""
    with wl.reading() as session:
        return test_sends.load(session)


def update_test_recipients(wl: Wayline, actor: Actor, value: TestRecipients) -> TestRecipients:
    """Replace the test recipients."""
    _replace(wl, actor, value, [], test_sends.load, test_sends.save,
             ("test_recipients", "test_recipients", "test_recipients", "Test recipients",
              "The test recipients"))
    return get_test_recipients(wl)


def get_guardrails(wl: Wayline) -> WorkspaceGuardrails:
    """The workspace's guardrails: on or off, the default limits, where alerts go."""
    with wl.reading() as session:
        return guardrails.load(session)


def update_guardrails(wl: Wayline, actor: Actor,
                      value: WorkspaceGuardrails) -> WorkspaceGuardrails:
    """Replace the guardrails; 422 listing every setting that cannot work. Delivery judges
    journeys by them from its next job."""
    _replace(wl, actor, value, guardrails.problems(value), guardrails.load, guardrails.save,
             ("guardrails", "guardrails", "guardrails", "Guardrails", "The guardrails"))
    return get_guardrails(wl)


def _replace(wl: Wayline, actor: Actor, value: Any, problems: list[tuple[str, str]],
             load: Callable[[Session], Any], save: Callable[[Session, Any, Any], None],
             names: tuple[str, str, str, str, str]) -> None:
    """Store a workspace setting (refused with every problem, 422) and audit the change.
    `names`: the issue code's and audit action's prefixes, the setting's key and title, and
    how a sentence names it."""
    code, action, key, title, said = names
    if problems:
        issues = [Issue(code=f"{code}.invalid", field=field, message=message)
                  for field, message in problems]
        raise InvalidInputError(f"{said} was not saved: " +
                                " ".join(message for _, message in problems), issues)
    with wl.writing() as session:
        before = msgspec.to_builtins(load(session))
        save(session, value, wl.now())
        after = msgspec.to_builtins(value)
        if after != before:
            record(session, actor, f"{action}.changed", object_kind="workspace",
                   object_id=key, object_name=title, at=wl.now(), before=before, after=after)


def list_indexed_attributes(wl: Wayline) -> list[IndexedAttributeOut]:
    """Every indexed attribute, with how many customers hold a value of its kind."""
    with wl.reading() as session:
        return _described(session, list(indexed_columns(session).values()))


def index_attribute(wl: Wayline, actor: Actor, name: str,
                    data: IndexedAttributeIn) -> IndexedAttributeOut:
    """Add the typed, indexed column for `name` (409 when already indexed or at the limit,
    422 for a name or kind that cannot be one). Holds the customers table while it builds."""
    with wl.writing() as session:
        fresh = name not in indexed_columns(session)
        column = indexed_attributes.index_attribute(session, name, data.kind)
        if fresh:
            record(session, actor, "indexed_attribute.added", object_kind="attribute",
                   object_id=name, object_name=name, at=wl.now(), after={"kind": data.kind})
    if fresh:  # indexing it again as the same kind changed nothing
        indexed_attributes.settle(wl.runtime.engine)
        log.info("indexed attribute %r as %s (%s)", name, data.kind, column.column)
    with wl.reading() as session:
        [described] = _described(session, [column])
    return described


def drop_indexed_attribute(wl: Wayline, actor: Actor, name: str) -> None:
    """Drop an attribute's typed column and index; its values stay in each customer's JSON."""
    with wl.writing() as session:
        indexed_attributes.drop_attribute_index(session, name)
        record(session, actor, "indexed_attribute.dropped", object_kind="attribute",
               object_id=name, object_name=name, at=wl.now())
    log.info("dropped the index of attribute %r", name)


def _described(session: Session, columns: list[IndexedColumn]) -> list[IndexedAttributeOut]:
    added = dict(session.execute(select(IndexedAttribute.name, IndexedAttribute.created_at)).all())
    return [IndexedAttributeOut(name=column.name, kind=column.kind, column=column.column,
                                customers=indexed_attributes.count_holders(session, column),
                                created_at=added[column.name]) for column in columns]
