"""Changing a customer's marketing consent on one channel by hand (a marketer on the customer
page), with the audit row — who, before, after — and the consent history rows written in the
same transaction.

The channels are the registry's (`nodes.kit.channel.default_channels`): those whose messages
a customer can refuse (`consent_noun`), so a new channel gets its switch without a change here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from builder.validation import Issue
from nodes.kit.channel import default_channels
from runtime.customers.consent_history import Source, entries_for, record_changes
from runtime.customers.fields import ConsentChange, apply_consent
from runtime.errors import InvalidInputError, NotFoundError
from runtime.store.audit import Actor, record
from runtime.store.models import Customer
from server.context import Wayline
from server.schemas.customers import ConsentOut
from server.services.customers import consent_out


def consent_channels() -> list[dict[str, str]]:
    """The channels consent is kept for, in menu order: [{key, label}]."""
    return [{"key": spec.key, "label": spec.label} for spec in default_channels()
            if spec.consent_noun]


PURPOSE_CHANGES = {"advertising": lambda granted: ConsentChange(granted=granted),
                   "information": lambda granted: ConsentChange(transactional=granted),
                   "night": lambda granted: ConsentChange(night=granted)}
"""How a yes or no for each purpose changes a channel's consent."""


def set_consent(wl: Wayline, actor: Actor, external_id: str, channel: str,
                granted: bool, purpose: str = "advertising") -> ConsentOut:
    """Grant or withdraw the customer's consent on `channel` for `purpose` (advertising,
    information or night-time advertising), audited and added to the consent history."""
    if purpose not in PURPOSE_CHANGES:
        message = (f"There is no consent purpose {purpose!r}; use one of: "
                   f"{', '.join(PURPOSE_CHANGES)}.")
        raise InvalidInputError(message, [Issue(code="customer.invalid", field="purpose",
                                                message=message)])
    if channel not in {entry["key"] for entry in consent_channels()}:
        known = ", ".join(entry["key"] for entry in consent_channels())
        message = f"There is no consent to change for channel {channel!r}; use one of: {known}."
        raise InvalidInputError(message, [Issue(code="customer.invalid", field="channel",
                                                message=message)])
    now = wl.now()
    with wl.writing() as session:
        customer = session.scalars(select(Customer).where(
            Customer.external_id == external_id).with_for_update()).one_or_none()
        if customer is None:
            raise NotFoundError("customer", external_id)
        consent = dict(customer.consent or {})
        before: Any = consent.get(channel)
        after = apply_consent(before, PURPOSE_CHANGES[purpose](bool(granted)), now,
                              f"changed by {actor.name}")
        if after != before:
            customer.consent = {**consent, channel: after}
            customer.updated_at = now
            record_changes(session, entries_for(customer.id, consent, customer.consent,
                                                Source.MARKETER, actor.name), now)
            record(session, actor, "customer.consent_changed", object_kind="customer",
                   object_id=customer.external_id, object_name=customer.external_id,
                   summary=f"{channel} {_said(purpose)} consent "
                           f"{'granted' if granted else 'withdrawn'}",
                   before={channel: before}, after={channel: after}, at=now)
    return consent_out(after)


def _said(purpose: str) -> str:
    return {"advertising": "marketing", "information": "transactional",
            "night": "night-time marketing"}[purpose]
