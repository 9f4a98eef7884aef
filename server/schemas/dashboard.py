"""What the journey dashboard endpoint gives: headline totals against the period before, and
each chart's data as a dataset (column names, then rows) that the page draws and exports."""

from __future__ import annotations

from datetime import date, datetime

import msgspec


class Dataset(msgspec.Struct):
    """One chart's data: its column names (the first is the category: a day, a channel, a
    step), what each column is called in the caller's language, and the rows."""

    name: str
    """The chart's key, also its CSV file's name (entries, conversions, revenue, messages,
    funnel, to_convert)."""
    dimensions: list[str]
    labels: dict[str, str]
    rows: list[list[str | float]]
    """Each row: the category (a day, channel, step or bucket), then a number per column."""


class Totals(msgspec.Struct):
    """A period's headline figures."""

    entered: int
    converted: int
    rate: float | None
    """converted / entered; None when nobody entered."""
    revenue: float
    """The goal events' value, summed over the conversions."""
    sent: int
    """Messages that left for the customer (sent, or delivered since)."""


class JourneyDashboard(msgspec.Struct):
    """A journey's figures over a range of local days, from the insight summary."""

    journey_id: int
    name: str
    published: bool
    """False for a journey never published: it has no figures yet."""
    version: int | None
    """The published version shown; None: every version together."""
    versions: list[int]
    """The journey's published version numbers, newest first."""
    first: date
    last: date
    """The range shown: local days in `timezone`, both included."""
    previous_first: date
    previous_last: date
    """The period of equal length just before, which the headline compares with."""
    timezone: str
    totals: Totals
    previous: Totals
    updated_at: datetime | None
    """When the summary was last brought up to date (None: never yet)."""
    charts: list[Dataset]
