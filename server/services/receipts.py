"""Delivery receipts in: each moves its message and becomes an event, in one transaction."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from runtime.customers.fields import FieldError
from runtime.customers.input_bounds import parse_instant
from runtime.errors import InvalidInputError
from runtime.messaging.receipts import Receipt, apply_receipt
from runtime.run.jobs import watch_guardrails
from runtime.store.models import MessageStatus
from server.context import Wayline
from server.schemas.receipts import ReceiptBatchIn, ReceiptBatchResult, ReceiptResult


def record_receipts(wl: Wayline, channel: str, data: ReceiptBatchIn) -> ReceiptBatchResult:
    """Apply the receipts in order; the runs they woke or started move at once. A time that
    can't be right refuses the batch (422 naming each), as a receipt has no "invalid" outcome."""
    now = wl.now()
    times = _times(data, now)
    results: list[ReceiptResult] = []
    moving: list[int] = []
    bounced: Counter[int] = Counter()
    with wl.writing() as session:
        for item, occurred_at in zip(data.receipts, times, strict=True):
            receipt = Receipt(item.message_id, MessageStatus(item.status), item.reason,
                              occurred_at)
            applied = apply_receipt(session, channel, receipt, now)
            if applied.ingested is not None:
                moving += applied.ingested.runs_to_dispatch
            if applied.journey_id is not None and receipt.status is MessageStatus.FAILED:
                bounced[applied.journey_id] += 1
            results.append(ReceiptResult(message_id=item.message_id,
                                         outcome=applied.outcome.value))
    wl.move_now(moving)
    watch_guardrails(wl.runtime, {journey: {"bounced": count}
                                  for journey, count in bounced.items()})
    return ReceiptBatchResult(applied=sum(result.outcome == "applied" for result in results),
                              results=results)


def _times(data: ReceiptBatchIn, now: datetime) -> list[datetime | None]:
    times: list[datetime | None] = []
    issues = []
    for index, item in enumerate(data.receipts):
        try:
            times.append(None if item.occurred_at is None else parse_instant(
                f"receipts[{index}].occurred_at", item.occurred_at, now))
        except FieldError as problem:
            issues.append({"code": "receipt.invalid", "field": problem.field,
                           "message": problem.message})
    if issues:
        raise InvalidInputError("Some receipts carry a time that can't be right; nothing was "
                                "applied: " + "; ".join(i["message"] for i in issues[:5]), issues)
    return times
