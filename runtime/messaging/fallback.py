"""Fallbacks: when a message cannot be delivered, one on another channel goes instead.

A channel declares its fallback (`ChannelSpec.fallback`: KakaoTalk falls back to SMS/LMS). A
send step on such a channel with its fallback on (`nodes/action_send.py`) stores, beside the
content, the message to send instead (`content["fallback"]`, rendered by
`runtime.messaging.content` with the same customer data). When delivery gives up on the AlimTalk —
a permanent failure at once (not a KakaoTalk user, channel blocked, template rejected), or a
transient one still failing when the retries run out — it calls `queue_fallbacks`, in the
same transaction that records the failure.

The fallback is a message row of its own, so the ledger and the customer timeline show both
attempts: the failed KakaoTalk row, and an SMS row on the same run and step whose content names
it (`fallback_of`). The SMS row gets its own id (the text provider's idempotency key), is
queued due at once (the delivery job that gave up queues its delivery; a sweep would find it
anyway), SMS or LMS by its bytes, and needs the customer's SMS consent for its purpose: without
it, it is written suppressed with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nodes.kit.channel import Fallback, default_channels
from runtime.messaging.policy import consent_problem
from runtime.store.models import Customer, Message, MessageStatus

FALLBACK_VISIT = 1_000_000
"""Added to the original's visit: the fallback row shares its run and step (so the step's
counts include it) while (run, node, visit) stays unique."""


@dataclass(frozen=True)
class Failed:
    """A message delivery gave up on, whose channel has a fallback, with why."""

    message_id: int
    content: Mapping[str, Any]
    reason: str


def wants_fallback(channel: str, content: Mapping[str, Any]) -> bool:
    """True for a message whose channel has a fallback and whose step asked for it."""
    return _fallback_of(channel) is not None and isinstance(content.get("fallback"), Mapping)


def _fallback_of(channel: str) -> Fallback | None:
    spec = default_channels().get(channel)
    return spec.fallback if spec is not None else None


def queue_fallbacks(session: Session, failed: Sequence[Failed], now: datetime) -> list[int]:
    """Write the fallback messages of these failed messages (no commit); the
    ids of the ones queued (suppressed ones are written but not returned)."""
    if not failed:
        return []
    by_id = {item.message_id: item for item in failed}
    originals = session.execute(
        select(Message, Customer.consent).join(Customer, Customer.id == Message.customer_id)
        .where(Message.id.in_(by_id))).all()
    queued = []
    for original, consent in originals:
        row = _fallback_row(original, by_id[original.id], consent or {}, now)
        session.add(row)
        session.flush()
        if row.status is MessageStatus.QUEUED:
            queued.append(row.id)
    return queued


def _fallback_row(original: Message, failed: Failed, consent: Mapping[str, Any],
                  now: datetime) -> Message:
    fallback = _fallback_of(original.channel)
    assert fallback is not None  # only messages that wants_fallback are queued here
    content = {**failed.content["fallback"], "fallback_of": original.id,
               fallback.failure_key: failed.reason}
    problem = consent_problem(consent, fallback.channel, original.purpose)
    status = MessageStatus.SUPPRESSED if problem else MessageStatus.QUEUED
    return Message(run_id=original.run_id, node_id=original.node_id,
                   visit=original.visit + FALLBACK_VISIT, journey_id=original.journey_id,
                   customer_id=original.customer_id, channel=fallback.channel,
                   purpose=original.purpose, template_id=original.template_id, status=status,
                   reason=problem, content=content, attempts=0,
                   next_attempt_at=None if problem else now, created_at=now, updated_at=now)
