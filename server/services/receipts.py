"""Delivery receipts in: each moves its message and becomes an event, in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from runtime.customers.fields import FieldError
from runtime.customers.input_bounds import parse_instant
from runtime.errors import InvalidInputError, NotFoundError
from runtime.messaging.gateways import ChannelReceipt, gateways, provider_of
from runtime.messaging.receipts import Receipt, apply_receipt
from runtime.run.jobs import watch_guardrails
from runtime.store.models import MessageStatus
from server.context import Wayline
from server.schemas.receipts import ReceiptBatchIn, ReceiptBatchResult, ReceiptResult


def record_receipts(wl: Wayline, channel: str, data: ReceiptBatchIn) -> ReceiptBatchResult:
    """Apply the receipts in order; the runs they woke or started move at once. A time that
    can't be right refuses the batch (422 naming each), as a receipt has no "invalid" outcome."""
    times = _times(data, wl.now())
    return apply_reports(wl, [
        ChannelReceipt(channel, Receipt(item.message_id, MessageStatus(item.status), item.reason,
                                        occurred_at))
        for item, occurred_at in zip(data.receipts, times, strict=True)])


def apply_reports(wl: Wayline, reports: Sequence[ChannelReceipt]) -> ReceiptBatchResult:
    """Apply receipts (each on its own channel) in one transaction, in order; then move the
    runs they woke and count failures against the journeys' bounce guardrails."""
    now = wl.now()
    results: list[ReceiptResult] = []
    moving: list[int] = []
    bounced: Counter[int] = Counter()
    with wl.writing() as session:
        for report in reports:
            receipt = report.receipt
            applied = apply_receipt(session, report.channel, receipt, now)
            if applied.ingested is not None:
                moving += applied.ingested.runs_to_dispatch
            if applied.journey_id is not None and receipt.status is MessageStatus.FAILED:
                bounced[applied.journey_id] += 1
            results.append(ReceiptResult(message_id=receipt.message_id,
                                         outcome=applied.outcome.value))
    wl.move_now(moving)
    watch_guardrails(wl.runtime, {journey: {"bounced": count}
                                  for journey, count in bounced.items()})
    return ReceiptBatchResult(applied=sum(result.outcome == "applied" for result in results),
                              results=results)


def provider_reports(wl: Wayline, gateway: str, body: bytes,
                     headers: Mapping[str, str]) -> ReceiptBatchResult:
    """A provider gateway's delivery-report webhook, applied: NotFoundError for a gateway not
    in use here or without reports, InvalidInputError for a body it cannot read."""
    reader = _reporting_gateway(wl, gateway)
    try:
        reports = reader.reports(body, headers)
    except ValueError as error:
        raise InvalidInputError(f"The {gateway} report could not be read: {error}", [
            {"code": "report.invalid", "field": "body", "message": str(error)}]) from None
    return apply_reports(wl, reports)


def _reporting_gateway(wl: Wayline, key: str) -> Any:
    """The gateway object in use under `key` that reads reports."""
    spec = gateways().get(key)
    if spec is not None:
        for channel in sorted(spec.channels):
            adapter = wl.runtime.adapters.get(channel)
            if provider_of(wl.settings.extra, channel) == key and \
                    callable(getattr(adapter, "reports", None)):
                return adapter
    raise NotFoundError("provider taking delivery reports", key)


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
