"""The `fatigue` roller: messages per customer per local week (`runtime.store.fatigue_models`).

A message counts in the week it was sent (`sent_at`, local Monday to Sunday in the installation's
zone) once it is sent or delivered, on any channel; suppressed, failed and still waiting ones
do not. A customer's week is marked unsubscribed when an `unsubscribed` event of theirs occurred
that week or the next.

Each roll rebuilds, whole, the open weeks (this one and the last: a message made late in a week
may be sent early the next, a receipt or an unsubscribe may still come) and any week touched
since the watermarks: the weeks messages made since then were sent in, and the weeks of
unsubscribes received since then and the week before each. The first roll rebuilds every week
since the oldest message.

Messages are found through their `created_at` index: a week is built from messages made from
the Monday before it on (`LATE_SEND`); one sent more than a week after it was made is not
counted (a deferral that long is a cap or a pause gone wrong, not a week's fatigue).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from runtime.insight import RollContext, Roller
from runtime.insight.fatigue import (
    SCOPE_ALL,
    SCOPE_MARKETING,
    monday,
    profile_of,
    week_bounds,
)
from runtime.messaging.unsubscribe import UNSUBSCRIBED_EVENT
from runtime.store.fatigue_models import (
    CustomerWeek,
    CustomerWeekChannel,
    FatigueProfile,
    FatigueWeek,
)
from runtime.store.models import Event, Message, MessageStatus

EVERY = timedelta(minutes=5)
"""How often the fatigue summary is rebuilt."""

LATE_SEND = timedelta(days=7)
"""How long before a week starts a message counted in it may have been made."""

SLACK = timedelta(minutes=10)
"""How far back of a watermark to read again: rows committed late by a long transaction."""

PROFILE_BATCH = 20_000
"""Channel rows read at a time while counting a week's profiles."""

SENT = (MessageStatus.SENT, MessageStatus.DELIVERED)
"""The statuses of a message that reached (or left for) the customer."""


def roll(session: Session, context: RollContext) -> dict[str, Any]:
    """Rebuild the open weeks and those touched since the watermarks; the new watermarks."""
    this_week = monday(context.today())
    weeks = {this_week, this_week - timedelta(days=7)}
    made_since = _since(context.state.get("messages"))
    received_since = _since(context.state.get("events"))
    weeks |= _weeks_of_messages(session, context, made_since)
    weeks |= _weeks_of_unsubscribes(session, context, received_since)
    for week in sorted(w for w in weeks if w <= this_week):
        rebuild_week(session, week, context)
    mark = context.now.isoformat()
    return {"messages": mark, "events": mark}


def _since(mark: str | None) -> datetime | None:
    return None if mark is None else datetime.fromisoformat(mark) - SLACK


def _weeks_of_messages(session: Session, context: RollContext,
                       since: datetime | None) -> set[date]:
    """The weeks messages made since `since` were sent in (every week since the oldest
    message, on the first roll)."""
    if since is None:
        first = session.scalar(select(func.min(Message.created_at)))
        return set() if first is None else _weeks_between(monday(context.day_of(first)),
                                                           monday(context.today()))
    first, last = session.execute(
        select(func.min(Message.sent_at), func.max(Message.sent_at))
        .where(Message.created_at >= since, Message.sent_at.is_not(None))).one()
    if first is None:
        return set()
    return _weeks_between(monday(context.day_of(first)), monday(context.day_of(last)))


def _weeks_of_unsubscribes(session: Session, context: RollContext,
                           since: datetime | None) -> set[date]:
    """The weeks an unsubscribe received since `since` marks: its own and the one before."""
    if since is None:
        return set()
    weeks = set()
    for occurred_at in session.scalars(select(Event.occurred_at).where(
            Event.name == UNSUBSCRIBED_EVENT, Event.received_at >= since)):
        week = monday(context.day_of(occurred_at))
        weeks |= {week, week - timedelta(days=7)}
    return weeks


def _weeks_between(first: date, last: date) -> set[date]:
    return {first + timedelta(days=7 * n) for n in range((last - first).days // 7 + 1)}


def rebuild_week(session: Session, week: date, context: RollContext) -> None:
    """Delete one week's rows and build them again from messages and events."""
    start, end = week_bounds(week, context.zone)
    next_end = week_bounds(week + timedelta(days=7), context.zone)[1]
    for table in (CustomerWeek, CustomerWeekChannel, FatigueWeek, FatigueProfile):
        session.execute(delete(table).where(table.week == week))
    sent = and_(Message.created_at >= start - LATE_SEND, Message.created_at < end,
                Message.sent_at >= start, Message.sent_at < end, Message.status.in_(SENT))
    marketing = Message.purpose == "marketing"
    unsubscribed = exists().where(Event.customer_id == Message.customer_id,
                                  Event.name == UNSUBSCRIBED_EVENT,
                                  Event.occurred_at >= start, Event.occurred_at < next_end)
    session.execute(insert(CustomerWeek).from_select(
        ["week", "customer_id", "messages", "marketing", "unsubscribed"],
        select(literal(week, CustomerWeek.week.type), Message.customer_id, func.count(),
               func.coalesce(func.sum(case((marketing, 1), else_=0)), 0),
               unsubscribed.correlate_except(Event))
        .where(sent).group_by(Message.customer_id)))
    session.execute(insert(CustomerWeekChannel).from_select(
        ["week", "customer_id", "channel", "marketing"],
        select(literal(week, CustomerWeekChannel.week.type), Message.customer_id,
               Message.channel, func.count())
        .where(sent, marketing).group_by(Message.customer_id, Message.channel)))
    for scope, column in ((SCOPE_ALL, CustomerWeek.messages),
                          (SCOPE_MARKETING, CustomerWeek.marketing)):
        session.execute(insert(FatigueWeek).from_select(
            ["week", "scope", "messages", "customers", "unsubscribed"],
            select(literal(week, FatigueWeek.week.type), literal(scope), column, func.count(),
                   func.sum(case((CustomerWeek.unsubscribed, 1), else_=0)))
            .where(CustomerWeek.week == week, column > 0).group_by(column)))
    _rebuild_profiles(session, week)


def _rebuild_profiles(session: Session, week: date) -> None:
    """The week's customers counted by their marketing per channel (`FatigueProfile`), from the
    channel rows just written: profiles are built here, portably, rather than by a string
    aggregate whose order SQLite doesn't promise."""
    profiles: Counter[str] = Counter()
    customer, counts = None, {}
    for customer_id, channel, marketing in session.execute(
            select(CustomerWeekChannel.customer_id, CustomerWeekChannel.channel,
                   CustomerWeekChannel.marketing)
            .where(CustomerWeekChannel.week == week)
            .order_by(CustomerWeekChannel.customer_id)).yield_per(PROFILE_BATCH):
        if customer_id != customer and counts:
            profiles[profile_of(counts)] += 1
            counts = {}
        customer, counts[channel] = customer_id, marketing
    if counts:
        profiles[profile_of(counts)] += 1
    if profiles:
        session.execute(insert(FatigueProfile), [
            {"week": week, "profile": profile, "customers": customers}
            for profile, customers in profiles.items()])


ROLLER = Roller("fatigue", EVERY, roll)
