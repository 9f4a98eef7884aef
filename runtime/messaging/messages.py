"""The outbox side of a send step: one message row per send, written with the step.

Content is rendered here, while the customer is loaded, so delivery only sends: from the
templates as the run's journey version pinned them (`runtime.messaging.pinned`). A message that
cannot be sent is still written — suppressed (consent) or failed (no template, render error) —
with its reason, so the ledger explains every send step.

A channel whose adapter only records (`Adapter.records_only`, the outbox adapter) is "sent" by
writing the row: such messages are handed to their adapter here and written as sent, in the
same transaction as the step, so they never need a delivery job. Every other message is written
queued and leased to the delivery job the caller enqueues after the commit (`Lease`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.compiled import CompiledJourney
from nodes.kit.profile import Profile
from runtime.flow.effects import SendIntent
from runtime.messaging.adapters import Adapter
from runtime.messaging.content import send_content
from runtime.messaging.gate import candidates_for, hold_back, ledger_values
from runtime.messaging.pinned import TemplateCopy, pinned_templates
from runtime.messaging.policy import Decision, consent_problem
from runtime.messaging.rendering import RenderError
from runtime.messaging.workspace import load_wording
from runtime.store.models import Message, MessageStatus, Template
from runtime.store.sql import copy_rows, insert_rows, new_ids


@dataclass(frozen=True)
class MessageRow:
    """A send decided in a batch: which run, journey and customer, and what was asked."""

    run_id: int
    journey_id: int
    customer_id: int
    intent: SendIntent
    payload: Mapping[str, Any] = field(default_factory=dict)
    journey_version_id: int | None = None
    visit: int = 1
    """The run's pass through its steps (`Run.visit`): one message per run, step and visit."""


COLUMNS = ("id", "run_id", "node_id", "visit", "journey_id", "customer_id", "channel",
           "purpose", "template_id", "status", "reason", "content", "provider_id", "attempts",
           "next_attempt_at", "created_at", "sent_at", "updated_at")
"""The message columns a batch writes, in the order of the tuples `_message` builds."""


def compose_messages(session: Session, rows: Sequence[MessageRow],
                     profiles: Mapping[int, Profile], journeys: Mapping[int, CompiledJourney],
                     now: datetime, *, recorders: Mapping[str, Adapter] | None = None,
                     leased_until: datetime | None = None, copy: bool = True) -> list[int]:
    """Write the message rows (once per run and node); ids of the ones queued for delivery.

    `recorders` are the adapters of channels that only record (their messages are written
    sent); queued messages are written leased until `leased_until` when it is given (else due
    now). With `copy`, rows are copied in and a duplicate raises `runtime.store.sql.ConflictError`;
    without, duplicates are skipped.
    """
    if not rows:
        return []
    load_wording(session)  # the label and line as the workspace words them now
    templates = _templates(session, rows)
    ids = new_ids(session, Message.__table__, len(rows))
    held = hold_back(session, candidates_for(ids, rows, profiles, journeys), now)
    values = [_message(message_id, row, profiles[row.customer_id], templates(row), now,
                       recorders or {}, leased_until, held.get(message_id))
              for message_id, row in zip(ids, rows, strict=True)]
    if copy:
        copy_rows(session, Message.__table__, COLUMNS, values)
        written = set(ids)
    else:
        written = {message_id for (message_id,) in insert_rows(
            session, Message.__table__, [dict(zip(COLUMNS, value, strict=True))
                                         for value in values], returning=(Message.id,))}
    return [value[0] for value in values
            if value[9] is MessageStatus.QUEUED and value[0] in written]


SendTemplate = Template | TemplateCopy
"""What a send renders: the template as its version pinned it, or as it is now."""


def _templates(session: Session,
               rows: Sequence[MessageRow]) -> Callable[[MessageRow], SendTemplate | None]:
    """Each row's template: as its journey version pinned it (`runtime.messaging.pinned`), else
    (a version from before pinning, or a template it didn't pin) as it is now. Two queries."""
    pinned = pinned_templates(session, {row.journey_version_id for row in rows
                                        if row.journey_version_id is not None})
    wanted = {row.intent.send.template for row in rows
              if row.intent.send.template not in pinned.get(row.journey_version_id, {})}
    current = {template.id: template for template in session.scalars(
        select(Template).where(Template.id.in_(wanted)))} if wanted else {}

    def template(row: MessageRow) -> SendTemplate | None:
        key = row.intent.send.template
        return pinned.get(row.journey_version_id, {}).get(key) or current.get(key)
    return template


def _message(message_id: int, row: MessageRow, profile: Profile,
             template: SendTemplate | None, now: datetime,
             recorders: Mapping[str, Adapter], leased_until: datetime | None,
             hold: Decision | None = None) -> tuple:
    send = row.intent.send
    status, reason, content = _decide(send, profile, template, row.payload)
    provider_id = sent_at = None
    attempts = 0
    next_attempt_at = leased_until or now
    if hold is not None and status is MessageStatus.QUEUED:  # the send policy holds it back
        status, reason, next_attempt_at = ledger_values(hold).values()
    recorder = recorders.get(send.channel)
    if status is MessageStatus.QUEUED and recorder is not None:
        # Recording is all this adapter does: it cannot fail for a reason worth a retry.
        provider_id = recorder.send(message_id, send.channel, content)
        status, sent_at, attempts = MessageStatus.SENT, now, 1
    if status not in (MessageStatus.QUEUED, MessageStatus.DEFERRED):
        next_attempt_at = None
    return (message_id, row.run_id, row.intent.node_id, row.visit, row.journey_id, row.customer_id,
            send.channel, send.purpose, send.template if template is not None else None,
            status, reason, content, provider_id, attempts, next_attempt_at, now, sent_at, now)


def _decide(send, profile: Profile, template: SendTemplate | None,
            payload: Mapping[str, Any]) -> tuple[MessageStatus, str | None, dict[str, Any]]:
    if template is None:
        return MessageStatus.FAILED, f"template #{send.template} no longer exists", {}
    if template.channel != send.channel:
        return (MessageStatus.FAILED, f"template '{template.name}' is for {template.channel}, "
                f"not {send.channel}", {})
    problem = consent_problem(profile.consent, send.channel, send.purpose)
    if problem:
        return MessageStatus.SUPPRESSED, problem, {}
    try:
        return MessageStatus.QUEUED, None, send_content(template, profile, payload,
                                                        purpose=send.purpose,
                                                        options=send.options)
    except RenderError as error:
        return MessageStatus.FAILED, str(error), {}
