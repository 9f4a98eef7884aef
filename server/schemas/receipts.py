"""What the delivery-receipt endpoint takes and gives."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

import msgspec

from nodes.kit.channel import default_channels
from server.schemas.customers import Instant

ReceiptChannel = StrEnum("ReceiptChannel", [
    (spec.key.upper(), spec.key) for spec in default_channels() if spec.receipts],
    module=__name__)
ReceiptChannel.__doc__ = "The channels whose providers report delivery."


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    """One provider report on one message."""

    message_id: Annotated[int, msgspec.Meta(ge=1, le=2**62, description=(
        "The message's id: the idempotency key Wayline sent the provider with it."))]
    status: Annotated[Literal["delivered", "failed"], msgspec.Meta(description=(
        "Whether the message reached the customer."))]
    reason: Annotated[str, msgspec.Meta(max_length=1000, description=(
        "Why it failed, in the provider's words."))] | None = None
    occurred_at: Annotated[Instant, msgspec.Meta(description=(
        "When the provider saw it happen, in ISO 8601 with its offset (default: now)."))
    ] | None = None


class ReceiptBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """Up to 1,000 receipts, applied in the order sent."""

    receipts: Annotated[list[ReceiptIn], msgspec.Meta(min_length=1, max_length=1000)]


class ReceiptResult(msgspec.Struct):
    """What one receipt did: `applied` (the message moved and an event was recorded),
    `duplicate`, `unknown` (no such message on this channel), `not_sent` (Wayline has not
    recorded it as sent yet: send this receipt again later) or `ignored` (it was suppressed or
    had failed already)."""

    message_id: int
    outcome: Literal["applied", "duplicate", "unknown", "not_sent", "ignored"]


class ReceiptBatchResult(msgspec.Struct):
    """Counts by outcome, and one result per receipt in the order sent."""

    applied: int
    results: list[ReceiptResult]
