"""Delivery receipts in: each moves its message and becomes an event, in one transaction."""

from __future__ import annotations

from runtime.models import MessageStatus
from runtime.receipts import Receipt, apply_receipt
from server.context import Wayline
from server.schemas.receipts import ReceiptBatchIn, ReceiptBatchResult, ReceiptResult


def record_receipts(wl: Wayline, channel: str, data: ReceiptBatchIn) -> ReceiptBatchResult:
    """Apply the receipts in order; the runs they woke or started move at once."""
    now = wl.now()
    results: list[ReceiptResult] = []
    moving: list[int] = []
    with wl.writing() as session:
        for item in data.receipts:
            receipt = Receipt(item.message_id, MessageStatus(item.status), item.reason,
                              item.occurred_at)
            applied = apply_receipt(session, channel, receipt, now)
            if applied.ingested is not None:
                moving += applied.ingested.runs_to_dispatch
            results.append(ReceiptResult(message_id=item.message_id,
                                         outcome=applied.outcome.value))
    wl.move_now(moving)
    return ReceiptBatchResult(applied=sum(result.outcome == "applied" for result in results),
                              results=results)
