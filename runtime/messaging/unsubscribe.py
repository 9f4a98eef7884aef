"""Unsubscribe links: signed, per customer and channel, and what following one does.

A marketing email carries a link (in List-Unsubscribe, and as `{{ unsubscribe_url }}` for the
body) naming the customer and the channel, signed (HMAC-SHA256) with the workspace's secret key
(`runtime.messaging.tracking.secret_for`), so no one can unsubscribe someone else by editing the
number. Following it turns that channel's marketing consent off (with its consent history row)
and records an `unsubscribed` event,
through the same path as any other event, so journeys can react to it (exit criteria, waits).
Transactional consent is untouched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.customers.consent_history import Source, entries_for, record_changes
from runtime.customers.fields import ConsentChange, apply_consent
from runtime.flow.ingest import IngestResult, ingest_event
from runtime.store.models import Customer, Message

SIGNATURE_LENGTH = 22
"""Characters of the URL-safe base64 HMAC kept in a link (132 bits)."""

UNSUBSCRIBED_EVENT = "unsubscribed"
"""The event recorded when a customer unsubscribes (properties: channel, via)."""

PATH = "/unsubscribe/"
"""Where Wayline serves unsubscribe links (server/api/unsubscribe.py)."""


class BadLinkError(ValueError):
    """The link was not made by this workspace (edited, truncated, or another key)."""


@dataclass(frozen=True)
class Unsubscribed:
    """What following a link did: the customer, the channel, and whether anything changed."""

    external_id: str
    channel: str
    changed: bool
    runs_to_dispatch: list[int]


def _signature(key: str, customer_id: int, channel: str) -> str:
    digest = hmac.new(key.encode(), f"unsubscribe:{customer_id}:{channel}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_LENGTH]


def make_token(key: str, customer_id: int, channel: str) -> str:
    """The signed token naming one customer's marketing on one channel."""
    return f"{customer_id}.{channel}.{_signature(key, customer_id, channel)}"


def unsubscribe_url(base_url: str, key: str, customer_id: int, channel: str) -> str:
    """The full link for a message (base_url is Wayline's public address)."""
    return base_url.rstrip("/") + PATH + make_token(key, customer_id, channel)


def read_token(key: str, token: str) -> tuple[int, str]:
    """(customer id, channel) from a token this workspace signed; BadLinkError otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        raise BadLinkError("this unsubscribe link is incomplete")
    customer_id, channel, signature = int(parts[0]), parts[1], parts[2]
    if not hmac.compare_digest(signature, _signature(key, customer_id, channel)):
        raise BadLinkError("this unsubscribe link is not valid")
    return customer_id, channel


def customer_for(session: Session, customer_id: int) -> Customer | None:
    """The customer a token names (None if they were deleted since)."""
    return session.get(Customer, customer_id)


def unsubscribe(session: Session, customer: Customer, channel: str, via: str,
                now: datetime) -> Unsubscribed:
    """Turn marketing consent off on `channel` and record the event (no commit)."""
    consent = dict(customer.consent or {})
    before = consent.get(channel)
    if _marketing_allowed(before) is False:
        return Unsubscribed(customer.external_id, channel, False, [])
    consent[channel] = apply_consent(before, ConsentChange(granted=False), now,
                                     f"unsubscribe link ({via})")
    record_changes(session, entries_for(customer.id, customer.consent, consent,
                                        Source.UNSUBSCRIBE, note=f"link in a message ({via})"),
                   now)
    customer.consent = consent
    customer.updated_at = now
    session.flush()
    result: IngestResult = ingest_event(session, customer.external_id, UNSUBSCRIBED_EVENT,
                                        {"channel": channel, "via": via}, now, now)
    return Unsubscribed(customer.external_id, channel, True, result.runs_to_dispatch)


def last_journey(session: Session, customer_id: int, channel: str) -> int | None:
    """The journey whose message on `channel` reached the customer last: the one an
    unsubscribe counts against (`runtime.run.guardrails`)."""
    return session.scalar(select(Message.journey_id)
                          .where(Message.customer_id == customer_id, Message.channel == channel,
                                 Message.sent_at.is_not(None))
                          .order_by(Message.created_at.desc()).limit(1))


def _marketing_allowed(given: Any) -> bool | None:
    if isinstance(given, Mapping):
        given = given.get("marketing")
    return given if isinstance(given, bool) else None


def consent_of(session: Session, customer_id: int) -> dict[str, Any]:
    """A customer's consent as stored (for tests and the confirmation page)."""
    return session.scalar(select(Customer.consent).where(Customer.id == customer_id)) or {}
