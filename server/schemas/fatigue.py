"""What the fatigue endpoints give: messages per customer per week, the caps' weekly intent
and who is over it, and unsubscribes by weekly frequency (`runtime.insight.fatigue`)."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from runtime.insight.fatigue import (
    Bucket,
    FrequencyBucket,
    OverCustomer,
    TrendWeek,
    WeeklyIntent,
)

__all__ = ["Bucket", "FatigueReport", "FrequencyBucket", "OverCaps", "OverCustomer",
           "TrendWeek", "WeeklyIntent"]


class OverCaps(msgspec.Struct, kw_only=True):
    """Customers over some cap's weekly intent in a week: how many, and a page of them."""

    week: date
    count: int
    customers: list[OverCustomer]
    next_after: int | None
    """Pass as `after` for the next page; None on the last."""


class FatigueReport(msgspec.Struct, kw_only=True):
    """Message fatigue in one local week (Monday to Sunday, the workspace's zone), with the
    trend of the weeks up to it."""

    week: date
    """The week's Monday."""
    zone: str
    caps: list[WeeklyIntent]
    """Each capped channel and the most marketing messages a week its cap intends (limit × 7 /
    days, rounded down, at least 1); no caps: nobody is over."""
    messaged: int
    """Customers sent at least one message in the week."""
    distribution: list[Bucket]
    """Customers by messages sent in the week, "1" … "10+", any and marketing."""
    over: OverCaps
    trend: list[TrendWeek]
    """The `weeks` weeks up to `week`: the share of messaged customers over the caps' intent."""
    unsubscribes: list[FrequencyBucket]
    """Over the same weeks: customer-weeks per message bucket, and the share followed by an
    unsubscribe that week or the next."""
    rolled_at: datetime | None
    """When the summary was last rebuilt (None: not yet)."""
