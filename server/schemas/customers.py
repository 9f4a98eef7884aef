"""What the customer endpoints take and give: upserts, bulk upserts, imports, profiles.

Types and sizes are checked when the body is decoded (a wrong type is a 422 for the whole
call: a bug in the caller's code). Whether an email, phone number or time zone is real is
checked per customer, so in a bulk call one bad address never holds back the good ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from builder.validation import Issue
from nodes.kit.channel import default_channels

ExternalId = Annotated[str, msgspec.Meta(min_length=1, max_length=255, description=(
    "The customer's id in your systems (Wayline's key for them)."))]
Channel = Literal[tuple(default_channels().keys())]  # type: ignore[valid-type]
"""A channel key (`nodes/channels/`)."""
Instant = Annotated[str, msgspec.Meta(max_length=64, description=(
    "A time in ISO 8601 with its offset, e.g. 2026-12-06T10:00:00+09:00 or "
    "2026-12-06T01:00:00Z; a number, a date alone or a time without offset is refused."),
    extra_json_schema={"format": "date-time", "examples": ["2026-12-06T10:00:00+09:00"]})]
"""A time customers send. Text, not a datetime: the API decodes bodies leniently, and a lenient
datetime takes 0 (or "0") as 1970; `runtime.customers.input_bounds.parse_instant` reads it
instead."""
Source = Annotated[str, msgspec.Meta(min_length=1, max_length=100, description=(
    "How the consent was collected, e.g. 'signup form' or 'store 12'."))]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Attributes = Annotated[dict[str, Any], msgspec.Meta(description=(
    "Custom attributes, merged into the customer's: each key given is set, a key set to null "
    "is removed, keys not given stay. Names: a letter or _, then letters, digits or _. At most "
    "200 keys and 32 KiB as JSON; text up to 4,000 characters, nesting up to 5 levels."))]
PhoneRegion = Annotated[str, msgspec.Meta(min_length=2, max_length=2, description=(
    "Two-letter region a number without +country code is read in (default KR)."))]
UpsertStatus = Literal["created", "updated", "unchanged", "merged", "invalid"]
Email = Annotated[str, msgspec.Meta(max_length=320)]
Phone = Annotated[str, msgspec.Meta(max_length=64)]
Zone = Annotated[str, msgspec.Meta(max_length=64, description="An IANA time zone: Asia/Seoul.")]
Locale = Annotated[str, msgspec.Meta(max_length=35, description="A language tag: ko-KR.")]


class ConsentIn(msgspec.Struct, forbid_unknown_fields=True):
    """Consent on one channel: whether marketing is allowed, and when and how it was given."""

    granted: Annotated[bool, msgspec.Meta(description="True: opted in to marketing.")]
    at: Instant | None = None
    source: Source | None = None
    transactional: Annotated[bool | None, msgspec.Meta(description=(
        "False records that the customer refused even transactional messages."))] = None
    night: Annotated[bool | None, msgspec.Meta(description=(
        "True: also agreed to marketing at night (21:00-08:00 local time, 야간 수신 동의); "
        "without it, marketing on this channel waits until 08:00."))] = None


class TagsIn(msgspec.Struct, forbid_unknown_fields=True):
    """Tags to add and to remove (other tags stay)."""

    add: Annotated[list[Tag], msgspec.Meta(max_length=100)] = []
    remove: Annotated[list[Tag], msgspec.Meta(max_length=100)] = []


class CustomerIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to a customer. A field left out stays as it is; null clears it."""

    email: Email | None | UnsetType = UNSET
    phone: Phone | None | UnsetType = UNSET
    phone_region: PhoneRegion | None = None
    timezone: Zone | None | UnsetType = UNSET
    locale: Locale | None | UnsetType = UNSET
    attributes: Attributes = {}
    consent: Annotated[dict[Channel, bool | ConsentIn], msgspec.Meta(description=(
        "Per channel: true/false, or an object saying when and how it was given."))] = {}
    tags: TagsIn | None = None


class CustomerItem(CustomerIn, kw_only=True):
    """One customer of a bulk upsert."""

    external_id: ExternalId


class CustomerBulkIn(msgspec.Struct, forbid_unknown_fields=True):
    """Up to 1,000 customers to create or update; each is reported on its own."""

    items: Annotated[list[CustomerItem], msgspec.Meta(min_length=1, max_length=1000)]


class UpsertResult(msgspec.Struct):
    """What happened to one customer. `merged`: the same external_id came earlier in the call
    and this item was applied on top of it."""

    external_id: str
    status: UpsertStatus
    customer_id: int | None = None
    issues: list[Issue] = []


class BulkResult(msgspec.Struct):
    """Counts, and one result per item in the order sent."""

    created: int
    updated: int
    unchanged: int
    merged: int
    invalid: int
    items: list[UpsertResult]


class ConsentOut(msgspec.Struct):
    """Consent on one channel as recorded (null: never asked)."""

    granted: bool | None
    at: str | None = None
    source: str | None = None
    transactional: bool | None = None
    night: bool | None = None


class ConsentChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    """A marketing consent change on one channel, made by hand (audited)."""

    granted: bool


class CustomerProfile(msgspec.Struct):
    """A customer's profile: fields, custom attributes, consent per channel and tags."""

    id: int
    external_id: str
    email: str | None
    phone: str | None
    timezone: str | None
    locale: str | None
    attributes: dict[str, Any]
    consent: dict[str, ConsentOut]
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    name: str | None = None
    """From the name attributes (name, full_name, or last_name and first_name)."""
    last_seen_at: datetime | None = None
    """When the customer's latest event happened (None: no event yet)."""


class EventOut(msgspec.Struct):
    """An event the customer did."""

    id: int
    name: str
    properties: dict[str, Any]
    occurred_at: datetime
    received_at: datetime
    dedup_key: str | None


class CustomerJourney(msgspec.Struct):
    """One pass of the customer through a journey: where they are (or how it ended)."""

    run_id: int
    journey_id: int
    journey_name: str
    journey_status: str
    version: int
    status: Literal["active", "waiting", "done", "exited"]
    node_id: str
    node_label: str
    entered_at: datetime
    wake_at: datetime | None
    waiting_for: str | None
    ended_at: datetime | None
    exit_reason: str | None


class CustomerDetail(msgspec.Struct):
    """A customer with their latest events (50, newest first) and journeys (newest first)."""

    customer: CustomerProfile
    events: list[EventOut]
    journeys: list[CustomerJourney]


class CustomerSummary(msgspec.Struct):
    """A customer as a list or a picker shows them."""

    id: int
    external_id: str
    email: str | None
    phone: str | None
    created_at: datetime
    updated_at: datetime
    name: str | None = None
    """From the name attributes (name, full_name, or last_name and first_name)."""


class CustomerPage(msgspec.Struct):
    """A page of customers in id order; pass `next_after` as `after` for the next page."""

    items: list[CustomerSummary]
    next_after: int | None


class ImportFailure(msgspec.Struct):
    """A row that was not loaded."""

    line: int
    reason: str
    external_id: str | None
    fields: list[str]


class ImportReport(msgspec.Struct):
    """What an import did. rows = created + updated + unchanged + merged + failed; `merged`
    rows repeat an external_id of an earlier row and were applied on top of it."""

    rows: int
    created: int
    updated: int
    unchanged: int
    merged: int
    failed: int
    failures: list[ImportFailure]
    failures_not_listed: int
    columns: Annotated[dict[str, str], msgspec.Meta(description=(
        "What each header became: a profile field, consent.<channel>, consent_night.<channel> "
        "(night-time consent) or attributes.<name>."))]
    seconds: float
    rows_per_second: float


class OptOutProblem(msgspec.Struct):
    """A row of an opt-out CSV that was not loaded, and why."""

    line: int
    problem: str


class OptOutReport(msgspec.Struct):
    """What an opt-out CSV import did: rows loaded, numbers new to the opt-out list,
    customers whose advertising it refused, and the bad rows (at most 100 listed)."""

    loaded: int
    numbers: int
    customers: int
    failed: int
    problems: list[OptOutProblem]


class ConsentCell(msgspec.Struct):
    """One purpose on one channel: 'granted', 'refused' or 'unknown'."""

    channel: str
    purpose: str
    state: str


class ConsentHistoryItem(msgspec.Struct):
    """One recorded change of consent (the history is never changed, only added to)."""

    id: int
    channel: str
    purpose: str
    before: str
    after: str
    at: str
    source: str
    actor: str
    note: str


class ConsentHistoryPage(msgspec.Struct):
    """A customer's consent now (channels × purposes) and a page of its history, newest
    first; `next` is the cursor of the following page (null on the last)."""

    matrix: list[ConsentCell]
    items: list[ConsentHistoryItem]
    total: int
    next: int | None = None
