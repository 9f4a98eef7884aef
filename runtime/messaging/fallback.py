"""KakaoTalk → SMS fallback: when an AlimTalk cannot be delivered, a text message goes instead.

A send step on KakaoTalk with its fallback on (`nodes/action_send.py`) stores, beside the
AlimTalk content, the text to send instead (`content["fallback"]`, rendered by
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

from runtime.messaging.policy import consent_problem
from runtime.store.models import Customer, Message, MessageStatus

FALLBACK_CHANNEL = "sms"
"""The channel a failed KakaoTalk message falls back to (SMS or LMS by length)."""

FALLBACK_VISIT = 1_000_000
"""Added to the original's visit: the fallback row shares its run and step (so the step's
counts include it) while (run, node, visit) stays unique."""


@dataclass(frozen=True)
class Failed:
    """A KakaoTalk message delivery gave up on, with why."""

    message_id: int
    content: Mapping[str, Any]
    reason: str


def wants_fallback(channel: str, content: Mapping[str, Any]) -> bool:
    """True for a KakaoTalk message whose step asked for a text message should it fail."""
    return channel == "kakao" and isinstance(content.get("fallback"), Mapping)


def queue_fallbacks(session: Session, failed: Sequence[Failed], now: datetime) -> list[int]:
    """Write the fallback text messages of these failed KakaoTalk messages (no commit); the
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
    content = {**failed.content["fallback"], "fallback_of": original.id,
               "kakao_failure": failed.reason}
    problem = consent_problem(consent, FALLBACK_CHANNEL, original.purpose)
    status = MessageStatus.SUPPRESSED if problem else MessageStatus.QUEUED
    return Message(run_id=original.run_id, node_id=original.node_id,
                   visit=original.visit + FALLBACK_VISIT, journey_id=original.journey_id,
                   customer_id=original.customer_id, channel=FALLBACK_CHANNEL,
                   purpose=original.purpose, template_id=original.template_id, status=status,
                   reason=problem, content=content, attempts=0,
                   next_attempt_at=None if problem else now, created_at=now, updated_at=now)
