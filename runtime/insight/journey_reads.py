"""The journey dashboard's reads: one journey's figures over a range of local days, summed from
`insight_days` alone (never runs, messages or events), so each stays fast on a big record.

Each read is a plain function `(session, journey_id, first, last, version_id)`: the days
`first`..`last` (both included), and one published version's figures or, with None, every
version's together. bench/insight.py times them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from runtime.insight.measures import (
    CLICKED,
    CONVERTED,
    ENTERED,
    MESSAGE,
    OPENED,
    UNSUBSCRIBED,
    message_measure,
)
from runtime.store.insight_models import InsightDay
from runtime.store.models import MessageStatus

LEFT = (MessageStatus.SENT, MessageStatus.DELIVERED)
"""The statuses of a message that left for the customer: what "messages sent" counts."""

SENT = tuple(message_measure(status) for status in LEFT)
"""The measures of messages that left."""


@dataclass(frozen=True)
class DayFigures:
    """One day of a journey: who entered, who converted, and the revenue they brought."""

    entered: int = 0
    converted: int = 0
    revenue: float = 0.0


@dataclass(frozen=True)
class DayEngagement:
    """One day of a journey's messages: how many left (made that day, sent or delivered now),
    and the first opens, first clicks and unsubscribes that came that day."""

    sent: int = 0
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0


@dataclass(frozen=True)
class PeriodTotals:
    """A whole period of a journey, for the headline."""

    entered: int
    converted: int
    revenue: float
    sent: int


@dataclass(frozen=True)
class StepMessages:
    """Messages a step made on one channel that are now in one status."""

    node_id: str
    channel: str
    status: str
    count: int


def _in_range(journey_id: int, first: date, last: date,
              version_id: int | None) -> ColumnElement[bool]:
    where = and_(InsightDay.journey_id == journey_id, InsightDay.day >= first,
                 InsightDay.day <= last)
    return where if version_id is None else and_(where, InsightDay.version_id == version_id)


def read_days(session: Session, journey_id: int, first: date, last: date,
              version_id: int | None = None) -> dict[date, DayFigures]:
    """Entries, conversions and revenue per day (days with none are absent)."""
    rows = session.execute(
        select(InsightDay.day, InsightDay.measure, func.sum(InsightDay.count),
               func.sum(InsightDay.amount))
        .where(_in_range(journey_id, first, last, version_id), InsightDay.node_id == "",
               InsightDay.measure.in_([ENTERED, CONVERTED]))
        .group_by(InsightDay.day, InsightDay.measure)).all()
    found: dict[date, dict[str, float]] = {}
    for day, measure, count, amount in rows:
        figures = found.setdefault(day, {})
        figures[measure] = int(count or 0)
        if measure == CONVERTED:
            figures["revenue"] = float(amount or 0)
    return {day: DayFigures(entered=int(figures.get(ENTERED, 0)),
                            converted=int(figures.get(CONVERTED, 0)),
                            revenue=figures.get("revenue", 0.0))
            for day, figures in found.items()}


def read_engagement(session: Session, journey_id: int, first: date, last: date,
                    version_id: int | None = None) -> dict[date, DayEngagement]:
    """Messages sent, first opens, first clicks and unsubscribes per day (days with none are
    absent)."""
    rows = session.execute(
        select(InsightDay.day, InsightDay.measure, func.sum(InsightDay.count))
        .where(_in_range(journey_id, first, last, version_id),
               InsightDay.measure.in_([*SENT, OPENED, CLICKED, UNSUBSCRIBED]))
        .group_by(InsightDay.day, InsightDay.measure)).all()
    found: dict[date, dict[str, int]] = {}
    for day, measure, count in rows:
        key = "sent" if measure in SENT else measure
        figures = found.setdefault(day, {})
        figures[key] = figures.get(key, 0) + int(count or 0)
    return {day: DayEngagement(**figures) for day, figures in found.items()}


def read_channel_days(session: Session, journey_id: int, first: date, last: date,
                      version_id: int | None = None) -> dict[date, dict[str, int]]:
    """Messages sent per day and channel (made that day, sent or delivered now)."""
    rows = session.execute(
        select(InsightDay.day, InsightDay.dimension, func.sum(InsightDay.count))
        .where(_in_range(journey_id, first, last, version_id),
               InsightDay.measure.in_(SENT))
        .group_by(InsightDay.day, InsightDay.dimension)).all()
    found: dict[date, dict[str, int]] = {}
    for day, channel, count in rows:
        found.setdefault(day, {})[channel] = int(count or 0)
    return found


def read_totals(session: Session, journey_id: int, first: date, last: date,
                version_id: int | None = None) -> PeriodTotals:
    """Entered, converted, revenue and messages sent over the whole period."""
    rows = session.execute(
        select(InsightDay.measure, func.sum(InsightDay.count), func.sum(InsightDay.amount))
        .where(_in_range(journey_id, first, last, version_id),
               InsightDay.measure.in_([ENTERED, CONVERTED, *SENT]))
        .group_by(InsightDay.measure)).all()
    counts = {measure: int(count or 0) for measure, count, _amount in rows}
    revenue = next((float(amount or 0) for measure, _count, amount in rows
                    if measure == CONVERTED), 0.0)
    return PeriodTotals(entered=counts.get(ENTERED, 0), converted=counts.get(CONVERTED, 0),
                        revenue=revenue, sent=sum(counts.get(measure, 0) for measure in SENT))


def read_to_convert(session: Session, journey_id: int, first: date, last: date,
                    version_id: int | None = None) -> dict[str, int]:
    """Conversions by how long after entering they came (a TO_CONVERT key → how many)."""
    rows = session.execute(
        select(InsightDay.dimension, func.sum(InsightDay.count))
        .where(_in_range(journey_id, first, last, version_id), InsightDay.node_id == "",
               InsightDay.measure == CONVERTED)
        .group_by(InsightDay.dimension)).all()
    return {dimension: int(count or 0) for dimension, count in rows}


def read_messages(session: Session, journey_id: int, first: date, last: date,
                  version_id: int | None = None) -> list[StepMessages]:
    """Messages made in the period, per step, channel and the status they are in now."""
    rows = session.execute(
        select(InsightDay.node_id, InsightDay.dimension, InsightDay.measure,
               func.sum(InsightDay.count))
        .where(_in_range(journey_id, first, last, version_id),
               InsightDay.measure.like(MESSAGE + "%"))
        .group_by(InsightDay.node_id, InsightDay.dimension, InsightDay.measure)).all()
    return [StepMessages(node_id=node_id, channel=channel,
                         status=measure.removeprefix(MESSAGE), count=int(count or 0))
            for node_id, channel, measure, count in rows]
