"""What the event and journey-entry endpoints take and give."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from builder.validation import Issue
from nodes.kit.values import EventName
from server.schemas.customers import ExternalId, Instant

DedupKey = Annotated[str, msgspec.Meta(min_length=1, max_length=128, description=(
    "Your id for this event: the same key sent again is reported as a duplicate and not "
    "applied twice."))]
Properties = Annotated[dict[str, Any], msgspec.Meta(description=(
    "What happened, e.g. {\"sku\": \"A-1\", \"amount\": 12000}. At most 200 keys and 32 KiB "
    "as JSON; text up to 4,000 characters, nesting up to 5 levels."))]


class EventIn(msgspec.Struct, forbid_unknown_fields=True):
    """Something a customer did. An unknown external_id creates an empty profile."""

    external_id: ExternalId
    name: EventName
    properties: Properties = {}
    occurred_at: Annotated[Instant, msgspec.Meta(description=(
        "When it happened, in ISO 8601 with its offset: 2026-12-06T10:00:00+09:00 or …Z "
        "(default: now). From 2000 to a few minutes from now."))] | None = None
    dedup_key: DedupKey | None = None


class EventBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """Up to 1,000 events, applied in the order sent."""

    events: Annotated[list[EventIn], msgspec.Meta(min_length=1, max_length=1000)]


class EventResult(msgspec.Struct):
    """What one event did: the runs it started (enrolled), moved on from a wait (resumed) and
    ended (exited). A duplicate (dedup_key seen before) did nothing."""

    status: Literal["accepted", "duplicate", "invalid"]
    event_id: int | None = None
    duplicate: bool = False
    enrolled: list[int] = []
    resumed: list[int] = []
    exited: list[int] = []
    issues: list[Issue] = []


class EventBatchResult(msgspec.Struct):
    """Counts, and one result per event in the order sent."""

    accepted: int
    duplicates: int
    invalid: int
    results: list[EventResult]


class EntryIn(msgspec.Struct, forbid_unknown_fields=True):
    """A customer to put into an API-entry journey, with what they enter with."""

    external_id: ExternalId
    payload: Annotated[dict[str, Any], msgspec.Meta(description=(
        "Data the journey can use (templates see it as `payload`); the journey's entry may "
        "require some fields. The same bounds as event properties."))] = {}


class EntryResult(msgspec.Struct):
    """Whether the customer entered: the new run, or why they were not admitted."""

    admitted: bool
    run_id: int | None = None
    reason: str | None = None
