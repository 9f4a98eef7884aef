"""What the coverage page and API read: each a plain function over a session, reading summary
rows or index ranges only (never runs or messages), so each answers in milliseconds at a million
customers. `runtime.insight.coverage` says what touched means; its roller keeps what these read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from runtime.insight import rolled_at
from runtime.insight.coverage import STANDARD_WINDOWS, count_untouched, cutoff
from runtime.store.coverage_models import (
    CoverageBreakdown,
    CoverageDay,
    CustomerTouch,
)
from runtime.store.models import Customer

TREND_DAYS = 90
"""How many local days the trend goes back."""


@dataclass(frozen=True)
class Headline:
    """How many customers are untouched now, out of how many; the last earlier day's count."""

    days: int
    customers: int
    untouched: int
    previous_day: date | None
    previous_untouched: int | None
    rolled_at: datetime | None


@dataclass(frozen=True)
class TrendDay:
    """One local day of the trend."""

    day: date
    customers: int
    untouched: int


@dataclass(frozen=True)
class Untouched:
    """One untouched customer, as the list shows them (contacts not yet masked)."""

    id: int
    external_id: str
    email: str | None
    phone: str | None
    attributes: dict[str, Any]
    last_touched_at: datetime | None


def headline(session: Session, days: int, now: datetime, zone: ZoneInfo) -> Headline:
    """The untouched count now (two index-only counts) and, for a standard window, the count of
    the last day before today (one primary-key range of coverage_days)."""
    customers, untouched = count_untouched(session, days, now)
    previous = session.execute(
        select(CoverageDay.day, CoverageDay.untouched)
        .where(CoverageDay.window_days == days, CoverageDay.day < now.astimezone(zone).date())
        .order_by(CoverageDay.day.desc()).limit(1)).first()
    return Headline(days=days, customers=customers, untouched=untouched,
                    previous_day=previous[0] if previous else None,
                    previous_untouched=previous[1] if previous else None,
                    rolled_at=rolled_at(session, "coverage"))


def trend(session: Session, days: int, now: datetime, zone: ZoneInfo) -> list[TrendDay]:
    """The untouched count of each of the last TREND_DAYS local days the roller counted, today's
    live; standard windows only (others have today alone)."""
    today = now.astimezone(zone).date()
    rows = session.execute(
        select(CoverageDay.day, CoverageDay.customers, CoverageDay.untouched)
        .where(CoverageDay.window_days == days,
               CoverageDay.day > today - timedelta(days=TREND_DAYS), CoverageDay.day < today)
        .order_by(CoverageDay.day)).all() if days in STANDARD_WINDOWS else []
    customers, untouched = count_untouched(session, days, now)
    return [*(TrendDay(*row) for row in rows), TrendDay(today, customers, untouched)]


def breakdown(session: Session, days: int) -> tuple[date | None, dict[str, dict[str, int]]]:
    """The latest breakdown of a standard window by attribute: (its day, attribute → value →
    untouched); (None, {}) for other windows or before the first roll. Two primary-key ranges."""
    day = session.scalar(select(CoverageBreakdown.day)
                         .where(CoverageBreakdown.window_days == days)
                         .order_by(CoverageBreakdown.day.desc()).limit(1))
    if day is None:
        return None, {}
    counted: dict[str, dict[str, int]] = {}
    for attribute, value, untouched in session.execute(
            select(CoverageBreakdown.attribute, CoverageBreakdown.value,
                   CoverageBreakdown.untouched)
            .where(CoverageBreakdown.day == day, CoverageBreakdown.window_days == days)
            .order_by(CoverageBreakdown.attribute, CoverageBreakdown.untouched.desc(),
                      CoverageBreakdown.value)):
        counted.setdefault(attribute, {})[value] = untouched
    return day, counted


def untouched_page(session: Session, days: int, now: datetime, after: int | None = None,
                   limit: int = 50) -> list[Untouched]:
    """A page of untouched customers by id, after the customer id `after`: walks the customers'
    primary key from `after`, probing customer_touches' primary key for each."""
    start = -1 if after is None else after
    # The bound on both sides lets PostgreSQL start a merge join at `after` in both keys.
    query = (select(Customer.id, Customer.external_id, Customer.email, Customer.phone,
                    Customer.attributes, CustomerTouch.last_touched_at)
             .outerjoin(CustomerTouch, and_(CustomerTouch.customer_id == Customer.id,
                                            CustomerTouch.customer_id > start))
             .where(Customer.id > start,
                    CustomerTouch.touched_until.is_(None)
                    | (CustomerTouch.touched_until < cutoff(now, days)))
             .order_by(Customer.id).limit(limit))
    return [Untouched(*row) for row in session.execute(query)]

