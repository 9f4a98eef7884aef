"""Coverage: the customers no journey and no message reached lately.

A customer is *touched* in the window [now − N days, now] when a message was sent to them in it
(`messages.sent_at` in the window: queued, held, suppressed or failed messages never went out,
so they don't count) or they were in a journey at any time in it (a run of theirs entered in
it, is still unfinished, or ended in it). Every other customer is *untouched*. N is 1 to 365.

The record can't answer that for a million customers in half a second, so the coverage roller
keeps `customer_touches`: each customer's latest touch (`last_touched_at`) and `touched_until`,
the same instant or IN_A_JOURNEY while a run of theirs is open. A customer is touched in the
window exactly when `touched_until` ≥ now − N days, one range of its index. Each roll reads only
the runs that entered or ended and the messages sent since the last roll (less LAG, for
transactions that committed late), by their indexes; a touch only ever moves a customer's
instants forward, so reading a piece twice changes nothing.

A segment can't say "untouched" in the rule language; instead the roller keeps the reserved tag
`untouched-<N>d` on exactly the untouched customers of each window a saved segment names
(`HasTag`), so a journey entering on that segment reaches them. The roller also writes, for the
standard windows, today's count and its breakdown by attribute, which the trend and the charts
read (`runtime.insight.coverage_reads`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import (
    String,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from runtime.store.coverage_models import (
    IN_A_JOURNEY,
    CoverageBreakdown,
    CoverageDay,
    CustomerTouch,
)
from runtime.store.models import (
    Customer,
    CustomerTag,
    Message,
    Run,
    Segment,
    WorkspaceSetting,
)

DAYS_MIN, DAYS_MAX, DAYS_DEFAULT = 1, 365, 30
"""The windows a marketer may ask about, in days, and the one shown first."""

STANDARD_WINDOWS = (7, 30, 90)
"""The windows the roller counts every day (the trend and the breakdown)."""

LAG = timedelta(minutes=5)
"""How far back each roll reads again: a transaction that stamped a run or a message before the
last roll but committed after it is still seen."""

TAG_PREFIX = "untouched-"
"""Reserved tags `untouched-<N>d`: the untouched customers of an N-day window."""

TEXT_ATTRIBUTES = ("country", "plan")
"""Attributes the untouched customers are counted by, value by value, until the workspace
chooses its own (`breakdown_attributes`)."""

ATTRIBUTES_KEY = "coverage_attributes"
"""The workspace setting naming the attributes the breakdown counts by (a list of names)."""

MAX_ATTRIBUTES = 5
"""The most attributes a workspace may break its untouched customers down by (each one is a
grouped read of every untouched customer, for three windows, every 15 minutes)."""

LAST_PURCHASE = "last_purchase_at"
"""The attribute holding when a customer last bought (an ISO date or date-time)."""

PURCHASE_BUCKETS = ((30, "<30d"), (90, "30-90d"))
"""Last purchase buckets, newest first: within 30 days, 30 to 90 days; then ">90d", "never"."""

TOP_VALUES = 12
"""The most values of one attribute the breakdown keeps; the rest are counted as OTHER."""

NONE, OTHER = "", "*"
"""A customer without the attribute; values beyond TOP_VALUES."""

_TAG = re.compile(rf"^{TAG_PREFIX}(\d+)d$")


def untouched_tag(days: int) -> str:
    """The reserved tag kept on the untouched customers of a window of `days`."""
    return f"{TAG_PREFIX}{days}d"


def tag_window(tag: str) -> int | None:
    """The window a reserved tag stands for, or None when it isn't one."""
    match = _TAG.match(tag)
    days = int(match[1]) if match else 0
    return days if DAYS_MIN <= days <= DAYS_MAX else None


def cutoff(now: datetime, days: int) -> datetime:
    """The window's first instant: touched means touched since then."""
    return now - timedelta(days=days)


# --- keeping the touches ----------------------------------------------------------------------


def touch(session: Session, since: datetime | None) -> None:
    """Bring `customer_touches` up to date with the runs and messages stamped since `since`
    (everything when None)."""
    pieces = [select(Run.customer_id, Run.entered_at.label("at")),
              select(Run.customer_id, Run.ended_at.label("at")).where(Run.ended_at.is_not(None)),
              select(Message.customer_id, Message.sent_at.label("at"))
              .where(Message.sent_at.is_not(None))]
    if since is not None:
        pieces = [pieces[0].where(Run.entered_at >= since), pieces[1].where(Run.ended_at >= since),
                  pieces[2].where(Message.sent_at >= since)]
    stamps = union_all(*pieces).subquery()
    latest = (select(stamps.c.customer_id, func.max(stamps.c.at).label("at"))
              .group_by(stamps.c.customer_id).subquery())
    open_run = exists().where(Run.customer_id == latest.c.customer_id, Run.ended_at.is_(None))
    rows = select(latest.c.customer_id, latest.c.at,
                  case((open_run, literal(IN_A_JOURNEY, CustomerTouch.touched_until.type)),
                       else_=latest.c.at)).where(true())
    dialect = session.get_bind().dialect.name
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CustomerTouch)
    statement = upsert.from_select(["customer_id", "last_touched_at", "touched_until"], rows)
    later = case((statement.excluded.last_touched_at > CustomerTouch.last_touched_at,
                  statement.excluded.last_touched_at), else_=CustomerTouch.last_touched_at)
    session.execute(statement.on_conflict_do_update(
        index_elements=["customer_id"],
        set_={"last_touched_at": later,
              "touched_until": case((statement.excluded.touched_until == IN_A_JOURNEY,
                                     IN_A_JOURNEY), else_=later)}))
    # A run gone without ending (its journey deleted) leaves no ended_at to read: mend those.
    session.execute(update(CustomerTouch)
                    .where(CustomerTouch.touched_until == IN_A_JOURNEY,
                           ~exists().where(Run.customer_id == CustomerTouch.customer_id,
                                           Run.ended_at.is_(None)))
                    .values(touched_until=CustomerTouch.last_touched_at)
                    .execution_options(synchronize_session=False))


# --- the reserved tags ------------------------------------------------------------------------


def tagged_windows(session: Session) -> set[int]:
    """The windows whose reserved tag a saved segment names (those the roller keeps)."""
    windows = set()
    for rule in session.scalars(select(Segment.rule)):
        for tag in _tags_in(rule):
            days = tag_window(tag)
            if days is not None:
                windows.add(days)
    return windows


def _tags_in(rule: object) -> Iterable[str]:
    if isinstance(rule, dict):
        if rule.get("type") == "tag" and isinstance(rule.get("tag"), str):
            yield rule["tag"]
        for value in rule.values():
            yield from _tags_in(value)
    elif isinstance(rule, list):
        for value in rule:
            yield from _tags_in(value)


def sync_tag(session: Session, days: int, now: datetime) -> None:
    """Make the reserved tag of a window sit on exactly its untouched customers: take it off
    the newly touched, put it on the newly untouched."""
    tag, since = untouched_tag(days), cutoff(now, days)
    touched = select(CustomerTouch.customer_id).where(CustomerTouch.touched_until >= since)
    session.execute(delete(CustomerTag).where(CustomerTag.tag == tag,
                                              CustomerTag.customer_id.in_(touched))
                    .execution_options(synchronize_session=False))
    newly = select(Customer.id, literal(tag, String(64))).where(
        ~exists().where(CustomerTouch.customer_id == Customer.id,
                        CustomerTouch.touched_until >= since),
        ~exists().where(CustomerTag.customer_id == Customer.id, CustomerTag.tag == tag))
    session.execute(insert(CustomerTag).from_select(["customer_id", "tag"], newly))


def drop_tags(session: Session, windows: Iterable[int]) -> None:
    """Take off the reserved tags of these windows (no segment names them any more)."""
    tags = [untouched_tag(days) for days in windows]
    if tags:
        session.execute(delete(CustomerTag).where(CustomerTag.tag.in_(tags))
                        .execution_options(synchronize_session=False))


# --- the daily snapshot -----------------------------------------------------------------------


def count_untouched(session: Session, days: int, now: datetime) -> tuple[int, int]:
    """(all customers, untouched in the window): two index-only counts."""
    customers = session.scalar(select(func.count()).select_from(Customer)) or 0
    touched = session.scalar(select(func.count()).select_from(CustomerTouch)
                             .where(CustomerTouch.touched_until >= cutoff(now, days))) or 0
    return customers, max(customers - touched, 0)


def snapshot(session: Session, day: date, now: datetime,
             breakdown: tuple[str, ...] | None) -> None:
    """Write the day's counts for the standard windows (and their breakdowns by these
    attributes, if asked)."""
    session.execute(delete(CoverageDay).where(CoverageDay.day == day))
    for days in STANDARD_WINDOWS:
        customers, untouched = count_untouched(session, days, now)
        session.add(CoverageDay(day=day, window_days=days, customers=customers,
                                untouched=untouched, counted_at=now))
    if breakdown:
        session.execute(delete(CoverageBreakdown).where(CoverageBreakdown.day == day))
        for days in STANDARD_WINDOWS:
            for attribute, counts in breakdown_now(session, days, now, breakdown).items():
                session.add_all(CoverageBreakdown(day=day, window_days=days, attribute=attribute,
                                                  value=value, untouched=untouched)
                                for value, untouched in counts.items())
    session.flush()


def breakdown_attributes(session: Session) -> tuple[str, ...]:
    """The attributes the workspace breaks its untouched customers down by, value by value
    (last purchase is always counted too, in buckets)."""
    row = session.get(WorkspaceSetting, ATTRIBUTES_KEY)
    chosen = row.value if row is not None and isinstance(row.value, list) else None
    return tuple(str(name) for name in chosen[:MAX_ATTRIBUTES]) if chosen is not None \
        else TEXT_ATTRIBUTES


def breakdown_now(session: Session, days: int, now: datetime,
                  attributes: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """The untouched customers of a window counted by each attribute's value (at most
    TOP_VALUES values each, the rest as OTHER); last purchase in buckets."""
    counted: dict[str, dict[str, int]] = {}
    for attribute in attributes:
        value = func.coalesce(Customer.attributes[attribute].as_string(), NONE)
        rows = session.execute(_untouched(select(value, func.count()), now, days)
                               .group_by(value).order_by(func.count().desc(), value)).all()
        kept = {str(name)[:64]: count for name, count in rows[:TOP_VALUES]}
        rest = sum(count for _name, count in rows[TOP_VALUES:])
        counted[attribute] = {**kept, OTHER: rest} if rest else kept
    bucket = purchase_bucket(now)
    rows = session.execute(_untouched(select(bucket, func.count()), now, days).group_by(bucket))
    counted[LAST_PURCHASE] = {name: count for name, count in rows}
    return counted


def purchase_bucket(now: datetime) -> ColumnElement[str]:
    """A customer's last purchase bucket by the date text of LAST_PURCHASE (ISO text sorts as
    time does, a date-time after its date)."""
    bought = Customer.attributes[LAST_PURCHASE].as_string()
    whens = [(bought >= (now - timedelta(days=days)).date().isoformat(), label)
             for days, label in PURCHASE_BUCKETS]
    return case((bought.is_(None), "never"), *whens, else_=">90d")


def _untouched(query, now: datetime, days: int):
    return (query.select_from(Customer)
            .outerjoin(CustomerTouch, and_(CustomerTouch.customer_id == Customer.id,
                                           CustomerTouch.touched_until >= cutoff(now, days)))
            .where(CustomerTouch.customer_id.is_(None)))
