"""Journey days: per journey, version, step and local day, the figures of `insight_days`.

What is counted is in `runtime.insight.measures`. A day is rebuilt whole — its rows deleted and
counted again from runs, messages and events — so rolling twice changes nothing. Which days:

- today and yesterday, every roll (messages change status, customers open and click);
- every day from the earliest new event or new run (by id, since the last roll) to today: a
  late event can convert, open or unsubscribe on an older day, and a conversion that an earlier
  event moves back leaves the later day it was counted on;
- once a local day, the last SETTLE_DAYS days, for delivery receipts that come late;
- everything, when the time zone changed.
Counts read only index ranges of one day: runs by entered_at and converted_at, messages by
created_at, events by (name, occurred_at); a conversion's revenue and last message are found by
the customer's and the run's own keys.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import and_, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session, aliased

from builder.document import Document, Goal
from runtime.insight import RollContext, Roller, days_between
from runtime.insight.measures import (
    ATTRIBUTED,
    CLICKED,
    CONVERTED,
    ENTERED,
    OPENED,
    UNSUBSCRIBED,
    message_measure,
    to_convert_bucket,
)
from runtime.messaging.tracking import CLICKED as CLICK_EVENT
from runtime.messaging.tracking import OPENED as OPEN_EVENT
from runtime.messaging.unsubscribe import UNSUBSCRIBED_EVENT
from runtime.store.insight_models import InsightDay
from runtime.store.models import Event, JourneyVersion, Message, Run

KEY = "journey_days"

SETTLE_DAYS = 14
"""Days rebuilt once a day: delivery receipts and opens that come later than this are not
counted on their message's day (they are rare; a full rebuild counts them)."""

MAX_DAYS = 400
"""At most this many days rebuilt in one roll (an import of old events reaches back only so far;
the rest follows on later rolls as the earliest day moves forward)."""

Key = tuple[int, int, str, str, str]  # journey, version, node, measure, dimension


def roll(session: Session, context: RollContext) -> dict[str, Any]:
    """Rebuild the days that may have changed since the last roll; the new watermarks."""
    state = dict(context.state)
    today = context.today()
    days = set(days_between(today - timedelta(days=1), today))
    zone_changed = state.get("zone") != context.zone.key
    first = _first_changed_day(session, context, state)
    if zone_changed:
        first = _first_day_of_all(session, context)
    if first is not None:
        days.update(days_between(max(first, today - timedelta(days=MAX_DAYS)), today))
    if state.get("settled") != today.isoformat():
        days.update(days_between(today - timedelta(days=SETTLE_DAYS), today))
        state["settled"] = today.isoformat()
    for day in sorted(days):
        rebuild_day(session, context, day)
    state["zone"] = context.zone.key
    return state


def rebuild_day(session: Session, context: RollContext, day: date) -> int:
    """Count one local day again, replacing its rows; how many rows it has now."""
    start, end = context.bounds(day)
    figures: Counter[Key] = Counter()
    amounts: defaultdict[Key, float] = defaultdict(float)
    _entries(session, start, end, figures)
    _messages(session, start, end, figures)
    _engagement(session, start, end, figures)
    _unsubscribes(session, start, end, figures)
    _conversions(session, start, end, figures, amounts)
    session.execute(delete(InsightDay).where(InsightDay.day == day))
    rows = [{"journey_id": key[0], "version_id": key[1], "node_id": key[2], "measure": key[3],
             "dimension": key[4], "day": day, "count": count, "amount": amounts.get(key, 0.0)}
            for key, count in figures.items()]
    if rows:
        session.execute(insert(InsightDay), rows)
    return len(rows)


def _first_changed_day(session: Session, context: RollContext,
                       state: dict[str, Any]) -> date | None:
    """The earliest day a new event or run (since the watermarks) falls on; moves them on."""
    earliest: list[datetime] = []
    for name, table, when in (("events", Event, Event.occurred_at),
                              ("runs", Run, Run.entered_at)):
        mark = int(state.get(name, 0))
        first, last = session.execute(select(func.min(when), func.max(table.id))
                                      .where(table.id > mark)).one()
        if last is not None:
            state[name] = int(last)
        if first is not None:
            earliest.append(first)
    return context.day_of(min(earliest)) if earliest else None


def _first_day_of_all(session: Session, context: RollContext) -> date | None:
    first = session.scalar(select(func.min(Run.entered_at)))
    return context.day_of(first) if first is not None else None


def _entries(session: Session, start: datetime, end: datetime, figures: Counter[Key]) -> None:
    rows = session.execute(
        select(Run.journey_id, Run.journey_version_id, func.count())
        .where(Run.entered_at >= start, Run.entered_at < end)
        .group_by(Run.journey_id, Run.journey_version_id))
    for journey_id, version_id, count in rows:
        figures[(journey_id, version_id, "", ENTERED, "")] += count


def _messages(session: Session, start: datetime, end: datetime, figures: Counter[Key]) -> None:
    rows = session.execute(
        select(Message.journey_id, Run.journey_version_id, Message.node_id, Message.status,
               Message.channel, func.count())
        .join(Run, Run.id == Message.run_id)
        .where(Message.created_at >= start, Message.created_at < end)
        .group_by(Message.journey_id, Run.journey_version_id, Message.node_id, Message.status,
                  Message.channel))
    for journey_id, version_id, node_id, status, channel, count in rows:
        measure = message_measure(getattr(status, "value", status))
        figures[(journey_id, version_id, node_id, measure, channel)] += count


def _engagement(session: Session, start: datetime, end: datetime,
                figures: Counter[Key]) -> None:
    """First opens, and each message's first click, that day. Tracking records one open per
    message (a click opens too) and one click per link; a message's later clicks, that day or
    after, are not counted again."""
    earlier = aliased(Event)
    message_id = Event.properties["message_id"].as_integer()
    first_click = ~exists(select(literal(1)).where(
        earlier.customer_id == Event.customer_id, earlier.name == CLICK_EVENT,
        earlier.properties["message_id"].as_integer() == message_id,
        (earlier.occurred_at < Event.occurred_at) | and_(
            earlier.occurred_at == Event.occurred_at, earlier.id < Event.id)))
    for name, measure, condition in ((OPEN_EVENT, OPENED, None),
                                     (CLICK_EVENT, CLICKED, first_click)):
        query = (select(Message.journey_id, Run.journey_version_id, Message.node_id,
                        Message.channel, func.count())
                 .select_from(Event)
                 .join(Message, Message.id == message_id)
                 .join(Run, Run.id == Message.run_id)
                 .where(Event.name == name, Event.occurred_at >= start, Event.occurred_at < end)
                 .group_by(Message.journey_id, Run.journey_version_id, Message.node_id,
                           Message.channel))
        if condition is not None:
            query = query.where(condition)
        for journey_id, version_id, node_id, channel, count in session.execute(query):
            figures[(journey_id, version_id, node_id, measure, channel)] += count


def _unsubscribes(session: Session, start: datetime, end: datetime,
                  figures: Counter[Key]) -> None:
    """Each unsubscribe that day, credited to the step whose message on that channel was sent
    to the customer last before it (the one its link most likely came from)."""
    channel = Event.properties["channel"].as_string()
    last = (select(Message.id)
            .where(Message.customer_id == Event.customer_id, Message.channel == channel,
                   Message.sent_at.is_not(None), Message.sent_at <= Event.occurred_at)
            .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1)
            .correlate(Event).scalar_subquery())
    credited = (select(last.label("message_id")).select_from(Event)
                .where(Event.name == UNSUBSCRIBED_EVENT, Event.occurred_at >= start,
                       Event.occurred_at < end).subquery())
    rows = session.execute(
        select(Message.journey_id, Run.journey_version_id, Message.node_id, Message.channel,
               func.count())
        .select_from(credited)
        .join(Message, Message.id == credited.c.message_id)
        .join(Run, Run.id == Message.run_id)
        .group_by(Message.journey_id, Run.journey_version_id, Message.node_id, Message.channel))
    for journey_id, version_id, node_id, channel_name, count in rows:
        figures[(journey_id, version_id, node_id, UNSUBSCRIBED, channel_name)] += count


def _conversions(session: Session, start: datetime, end: datetime, figures: Counter[Key],
                 amounts: defaultdict[Key, float]) -> None:
    """Conversions that day: by time to convert, with their revenue, and credited to the last
    send step whose message went out before the conversion."""
    last_node = (select(Message.node_id)
                 .where(Message.run_id == Run.id, Message.sent_at.is_not(None),
                        Message.sent_at <= Run.converted_at)
                 .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1)
                 .correlate(Run).scalar_subquery())
    rows = session.execute(
        select(Run.journey_id, Run.journey_version_id, Run.customer_id, Run.entered_at,
               Run.converted_at, last_node)
        .where(Run.converted_at >= start, Run.converted_at < end)).all()
    if not rows:
        return
    goals = _goals(session, {row.journey_version_id for row in rows})
    values = _goal_values(session, goals.values(), start, end)
    for journey_id, version_id, customer_id, entered_at, converted_at, node_id in rows:
        goal = goals.get(version_id)
        revenue = values.get((goal.event, goal.value, customer_id, converted_at), 0.0) \
            if goal is not None and goal.value else 0.0
        bucket = to_convert_bucket((converted_at - entered_at).total_seconds())
        for key in ((journey_id, version_id, "", CONVERTED, bucket),
                    (journey_id, version_id, node_id or "", ATTRIBUTED, "")):
            figures[key] += 1
            amounts[key] += revenue


def _goals(session: Session, version_ids: Iterable[int]) -> dict[int, Goal]:
    found: dict[int, Goal] = {}
    for version_id, raw in session.execute(
            select(JourneyVersion.id, JourneyVersion.document)
            .where(JourneyVersion.id.in_(list(version_ids)))):
        goal = msgspec.convert(raw, Document).settings.goal
        if goal is not None:
            found[version_id] = goal
    return found


def _goal_values(session: Session, goals: Iterable[Goal], start: datetime,
                 end: datetime) -> dict[tuple[str, str, int, datetime], float]:
    """(goal event, value property, customer, when) → the number in that property, for the
    goal events of the day (a conversion happens when its event does)."""
    properties: defaultdict[str, set[str]] = defaultdict(set)
    for goal in goals:
        if goal.value:
            properties[goal.event].add(goal.value)
    found: dict[tuple[str, str, int, datetime], float] = {}
    for name, names in properties.items():
        for customer_id, occurred_at, props in session.execute(
                select(Event.customer_id, Event.occurred_at, Event.properties)
                .where(Event.name == name, Event.occurred_at >= start,
                       Event.occurred_at < end)):
            for prop in names:
                amount = _number((props or {}).get(prop))
                if amount is not None:
                    found[(name, prop, customer_id, occurred_at)] = amount
    return found


def _number(value: Any) -> float | None:
    """A revenue figure from a property: a number, or text that reads as one ("12,900")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None


ROLLER = Roller(key=KEY, every=timedelta(minutes=1), roll=roll)
