"""Delivery receipts: a provider's word that a message reached the customer, or did not.

SMS, KakaoTalk and push providers report delivery later, by calling Wayline back. Each receipt
names the message by its id — the idempotency key Wayline sent with it — and says `delivered`
or `failed` (with the provider's reason). It moves the message row (sent → delivered, sent or
delivered → failed) and becomes an event (`message_delivered`, `message_failed`) that waits,
conditions and goals can use, like any other. A receipt repeated by the provider changes
nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runtime.flow.ingest import IngestResult, ingest_event
from runtime.store.models import Customer, Message, MessageStatus

EVENTS = {MessageStatus.DELIVERED: "message_delivered", MessageStatus.FAILED: "message_failed"}
"""The event each receipt becomes."""

MOVES = {MessageStatus.DELIVERED: (MessageStatus.SENT,),
         MessageStatus.FAILED: (MessageStatus.SENT, MessageStatus.DELIVERED)}
"""The statuses a message may be in for a receipt to move it."""

FINAL = frozenset({MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED,
                   MessageStatus.SUPPRESSED})
"""Statuses of messages that are no longer waiting to be sent."""

REASON_LENGTH = 500
"""Characters of a provider's failure reason kept on the message."""


class Outcome(StrEnum):
    """What one receipt did."""

    APPLIED = "applied"          # the message moved, and the event was recorded
    DUPLICATE = "duplicate"      # the message already has this status
    UNKNOWN = "unknown"          # no message of this channel has that id
    NOT_SENT = "not_sent"        # the message is not recorded as sent yet: send it again later
    IGNORED = "ignored"          # the message was suppressed or failed before: nothing to move


@dataclass(frozen=True)
class Receipt:
    """One receipt as a provider reported it."""

    message_id: int
    status: MessageStatus  # DELIVERED or FAILED
    reason: str | None = None
    occurred_at: datetime | None = None


@dataclass
class Applied:
    """What a receipt did, and the runs it woke or started (to move now)."""

    outcome: Outcome
    ingested: IngestResult | None = None
    journey_id: int | None = None
    """The message's journey, when the receipt moved it (for `runtime.run.guardrails`)."""


def apply_receipt(session: Session, channel: str, receipt: Receipt, now: datetime) -> Applied:
    """Move the message as the receipt says and record its event (no commit)."""
    row = session.execute(
        select(Message.id, Message.status, Message.journey_id, Message.node_id,
               Customer.external_id)
        .join(Customer, Customer.id == Message.customer_id)
        .where(Message.id == receipt.message_id, Message.channel == channel)).one_or_none()
    if row is None:
        return Applied(Outcome.UNKNOWN)
    status = MessageStatus(row.status)
    if status is receipt.status:
        return Applied(Outcome.DUPLICATE)
    if status not in FINAL:  # queued, or held back to be sent later
        return Applied(Outcome.NOT_SENT)
    if status not in MOVES[receipt.status]:
        return Applied(Outcome.IGNORED)
    reason = _reason(channel, receipt)
    moved = session.execute(update(Message).where(
        Message.id == row.id, Message.status == status).values(
        status=receipt.status, reason=reason, updated_at=now)).rowcount
    if not moved:  # another receipt for it got there first
        return Applied(Outcome.DUPLICATE)
    properties = {"message_id": row.id, "journey_id": row.journey_id, "node_id": row.node_id,
                  "channel": channel}
    if reason:
        properties["reason"] = reason
    at = min(receipt.occurred_at or now, now)
    ingested = ingest_event(session, row.external_id, EVENTS[receipt.status], properties, at,
                            now, dedup_key=f"wayline:{receipt.status.value}:{row.id}")
    return Applied(Outcome.APPLIED, ingested, row.journey_id)


def _reason(channel: str, receipt: Receipt) -> str | None:
    if receipt.status is not MessageStatus.FAILED:
        return None
    said = " ".join((receipt.reason or "no reason given").split())
    return f"the {channel} provider reported it undelivered: {said}"[:REASON_LENGTH]
