"""What the coverage endpoints give: the customers no journey and no message reached lately
(`runtime.insight.coverage` defines touched), and the segment that keeps them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

Days = Annotated[int, msgspec.Meta(ge=1, le=365, description=(
    "The window in days: untouched means no message sent and no journey in the last N days."))]


class CoverageDay(msgspec.Struct):
    """One local day of the trend: all customers, and those untouched in the window."""

    day: date
    customers: int
    untouched: int


class CoverageValue(msgspec.Struct):
    """Untouched customers with one value of an attribute ("" without it, "*" every other)."""

    value: str
    untouched: int


class CoverageAttribute(msgspec.Struct):
    """The untouched customers counted by one attribute's values, most first."""

    attribute: str
    values: list[CoverageValue]


class CoverageSegment(msgspec.Struct):
    """The segment that holds the untouched customers of a window, kept up to date (its rule is
    the reserved tag `untouched-<N>d`, which Wayline keeps on exactly them every minute)."""

    id: int
    name: str
    tag: str
    created: bool
    """True when this request made it; False when it already existed."""


class CoverageSummary(msgspec.Struct):
    """Who no journey and no message reached in the last `days` days: how many now, the last
    earlier day's count, the trend by local day and the breakdown by attribute.

    The trend and the breakdown are kept for the 7, 30 and 90 day windows; another window has
    today's count only. `rolled_at` says how fresh the figures are (they follow the record within
    about a minute)."""

    days: int
    customers: int
    untouched: int
    share: float
    """Untouched customers over all customers (0 when there are none)."""
    previous_day: date | None
    previous_untouched: int | None
    rolled_at: datetime | None
    trend: list[CoverageDay]
    breakdown_day: date | None
    breakdown: list[CoverageAttribute]
    segment: CoverageSegment | None
    """The saved segment of this window, if there is one."""
    attributes: list[str] = []
    """The attributes the workspace breaks untouched customers down by, value by value, in
    the order the breakdown lists them (`PUT /api/coverage/attributes`); last purchase is
    always counted too, last."""
    max_attributes: int = 0
    """The most attributes a workspace may choose."""


class CoverageAttributesIn(msgspec.Struct, forbid_unknown_fields=True):
    """The customer attributes to break untouched customers down by (at most
    `max_attributes`, in the order the charts show them; an empty list counts by last
    purchase only)."""

    attributes: list[str]


class UntouchedCustomer(msgspec.Struct):
    """One untouched customer: contacts masked unless the caller may read them."""

    id: int
    external_id: str
    email: str | None
    phone: str | None
    attributes: dict[str, Any]
    last_touched_at: datetime | None
    """When a journey or a message last reached them (None: never)."""


class UntouchedPage(msgspec.Struct):
    """A page of untouched customers by id; pass `next_after` as `after` for the next one."""

    days: int
    items: list[UntouchedCustomer]
    next_after: int | None


class CoverageSegmentIn(msgspec.Struct, forbid_unknown_fields=True):
    """Save the untouched customers of a window as a segment (the existing one is returned when
    the window already has one)."""

    days: Days = 30
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    """The segment's name (default: "Untouched for N days")."""
    description: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
