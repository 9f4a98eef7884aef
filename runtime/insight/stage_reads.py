"""What the lifecycle stage board reads: summary rows only (`stage_days`, `stage_moves`), each
read a plain function `(session, …) -> result` that bench/insight.py can time.

- `stage_sizes`: customers per stage at the last roll (the newest `stage_days` day).
- `stage_history`: customers per stage per local day, between two days.
- `stage_conversions`: per stage, the moves into it in a period, how many of those customers
  later got further (the next stage or beyond), and the median time that took.
- `time_in_stage`: per stage, of the moves into it in a period whose customer has left it
  since, how many and the median stay.
- `moving_journeys`: per (from, to) transition in a period, the journeys credited with the
  moves, most first.
Medians are exact: PostgreSQL's percentile_cont; on SQLite (small workspaces) the durations
are read and the median taken here.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from runtime.store.models import Journey
from runtime.store.stage_models import StageDay, StageMove

days = StageDay.__table__
moves = StageMove.__table__


@dataclass(frozen=True)
class StageFigure:
    """How many moves into a stage a figure counts, how many of them a duration was seen for,
    and the median of those durations in seconds (None: none was)."""

    moves: int
    timed: int
    median_seconds: float | None


@dataclass(frozen=True)
class JourneyMoves:
    """One journey credited with moves from one stage to another."""

    from_stage: str
    to_stage: str
    journey_id: int
    journey_name: str
    moves: int


def stage_sizes(session: Session) -> tuple[date | None, dict[str, int]]:
    """The day of the last roll's snapshot and customers per stage key then ("" for none)."""
    last = session.scalar(select(func.max(days.c.day)))
    if last is None:
        return None, {}
    rows = session.execute(select(days.c.stage, days.c.customers).where(days.c.day == last))
    return last, {stage: count for stage, count in rows}


def stage_history(session: Session, first: date, last: date) -> list[tuple[date, str, int]]:
    """(day, stage, customers) for each snapshot day from `first` to `last`, both included."""
    return [tuple(row) for row in session.execute(
        select(days.c.day, days.c.stage, days.c.customers)
        .where(days.c.day >= first, days.c.day <= last).order_by(days.c.day, days.c.stage))]


def stage_conversions(session: Session, since: datetime, until: datetime
                      ) -> dict[str, StageFigure]:
    """Stage key → the moves into it in [since, until), how many of those customers got
    further since, and the median time from the move to getting further."""
    return _figures(session, since, until, moves.c.advanced_at)


def time_in_stage(session: Session, since: datetime, until: datetime) -> dict[str, StageFigure]:
    """Stage key → the moves into it in [since, until), how many of those customers have left
    it since, and their median stay."""
    return _figures(session, since, until, moves.c.left_at)


def moving_journeys(session: Session, since: datetime, until: datetime, per_transition: int = 5
                    ) -> list[JourneyMoves]:
    """The journeys credited with moves in [since, until), the `per_transition` with most
    moves of each transition, most first."""
    counted = (select(moves.c.from_stage, moves.c.to_stage, moves.c.journey_id,
                      func.count().label("moves"))
               .where(moves.c.moved_at >= since, moves.c.moved_at < until,
                      moves.c.journey_id.is_not(None))
               .group_by(moves.c.from_stage, moves.c.to_stage, moves.c.journey_id).subquery())
    ranked = select(counted, func.row_number().over(
        partition_by=(counted.c.from_stage, counted.c.to_stage),
        order_by=(counted.c.moves.desc(), counted.c.journey_id)).label("rank")).subquery()
    rows = session.execute(
        select(ranked.c.from_stage, ranked.c.to_stage, ranked.c.journey_id, Journey.name,
               ranked.c.moves)
        .join(Journey, Journey.id == ranked.c.journey_id)
        .where(ranked.c.rank <= per_transition)
        .order_by(ranked.c.from_stage, ranked.c.to_stage, ranked.c.moves.desc(),
                  ranked.c.journey_id))
    return [JourneyMoves(*row) for row in rows]


def _figures(session: Session, since: datetime, until: datetime,
             ended: ColumnElement[Any]) -> dict[str, StageFigure]:
    """Per stage moved into in the period: moves, those with `ended` set, their median time."""
    in_period = (moves.c.moved_at >= since, moves.c.moved_at < until)
    seconds = _seconds(session, ended, moves.c.moved_at)
    if session.get_bind().dialect.name == "postgresql":  # one pass over the period's moves
        rows = session.execute(
            select(moves.c.to_stage, func.count(), func.count(ended),
                   func.percentile_cont(0.5).within_group(seconds).filter(ended.is_not(None)))
            .where(*in_period).group_by(moves.c.to_stage))
        return {stage: StageFigure(total, timed, float(median) if median is not None else None)
                for stage, total, timed, median in rows}
    totals = dict(session.execute(select(moves.c.to_stage, func.count())
                                  .where(*in_period).group_by(moves.c.to_stage)).all())
    spans: dict[str, list[float]] = {}
    for stage, span in session.execute(select(moves.c.to_stage, seconds)
                                       .where(*in_period, ended.is_not(None))):
        spans.setdefault(stage, []).append(float(span))
    return {stage: StageFigure(total, len(spans.get(stage, [])),
                               statistics.median(spans[stage]) if spans.get(stage) else None)
            for stage, total in totals.items()}


def _seconds(session: Session, later: ColumnElement[Any], earlier: ColumnElement[Any]
             ) -> ColumnElement[float]:
    """Seconds from `earlier` to `later`, in this session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86_400.0
