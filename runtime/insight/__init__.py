"""Insight: summaries of the record that charts read in milliseconds, kept fresh by rollers.

Runs, steps, messages and events stay the record; a chart over a year of ten million messages
cannot read them in half a second, so each summary table is rebuilt, a piece at a time, from
them. A roller is one file in `runtime.insight.rollers` declaring `ROLLER`: its key, how often
it rolls, and `roll(session, context) -> state`, which rebuilds what changed since the state it
left last time (its watermarks) and returns the new state. Rolling is idempotent — a piece is
deleted and rebuilt whole, never incremented — so a roller that runs twice, or dies half way,
leaves the same figures as one that ran once.

The sweeper queues `rollup_job` (`runtime.run.jobs`) at most every ROLLUP_EVERY; it rolls each
roller whose own interval has passed, each in its own transaction. Days are local days in the
installation's time zone (WAYLINE_TIMEZONE), as a Korean marketer counts them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from nodes.kit.discovery import Keyed, declarations
from runtime.store.insight_models import InsightState

log = logging.getLogger("wayline.insight")

ROLLUP_EVERY = timedelta(seconds=30)
"""How often the sweeper looks for a roller that is due (each has its own interval too)."""


class RollerError(Exception):
    """A roller module that declares no ROLLER, or a duplicate key."""


@dataclass(frozen=True)
class RollContext:
    """What a roller rolls with: the time now, the local zone, and the state it left last."""

    now: datetime
    zone: ZoneInfo
    state: dict[str, Any] = field(default_factory=dict)
    rolled_at: datetime | None = None

    def today(self) -> date:
        """The local day it is now."""
        return self.now.astimezone(self.zone).date()

    def day_of(self, instant: datetime) -> date:
        """The local day an instant falls on."""
        return instant.astimezone(self.zone).date()

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        """The UTC instants a local day starts and ends at (end excluded)."""
        return day_bounds(day, self.zone)


@dataclass(frozen=True)
class Roller:
    """One summary kept fresh: its key, how often it rolls, and how."""

    key: str
    every: timedelta
    roll: Callable[[Session, RollContext], dict[str, Any]]


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends at (end excluded; 23 or 25 hours long on a
    day the clocks change)."""
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def days_between(first: date, last: date) -> Iterator[date]:
    """Each day from `first` to `last`, both included."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@cache
def registered_rollers() -> Keyed[Roller]:
    """Every roller in `runtime.insight.rollers`, by key."""
    found: Keyed[Roller] = Keyed()
    for roller, origin, _module in declarations("runtime.insight.rollers", "ROLLER", Roller,
                                                RollerError, "an insight roller module"):
        if roller.key in found:
            raise RollerError(f"{origin}: roller key '{roller.key}' is already declared by "
                              f"{found.origin(roller.key)}")
        found._specs[roller.key] = roller
        found._files[roller.key] = origin
    return found


def roll_up(sessions: Callable[[], Any], now: datetime, zone: ZoneInfo,
            keys: list[str] | None = None, force: bool = False) -> dict[str, bool]:
    """Roll every roller that is due (or those of `keys`; all of them with `force`), each in
    its own transaction; which rolled."""
    done: dict[str, bool] = {}
    for roller in registered_rollers():
        if keys is not None and roller.key not in keys:
            continue
        with sessions() as session:
            row = session.get(InsightState, roller.key, with_for_update=True)
            if row is None:
                row = InsightState(key=roller.key, state={})
                session.add(row)
            if not force and row.rolled_at is not None and now - row.rolled_at < roller.every:
                done[roller.key] = False
                continue
            context = RollContext(now=now, zone=zone, state=dict(row.state or {}),
                                  rolled_at=row.rolled_at)
            row.state = roller.roll(session, context)
            row.rolled_at = now
            session.commit()
            done[roller.key] = True
    return done


def rolled_at(session: Session, key: str) -> datetime | None:
    """When a roller last rolled: how fresh its summary is (None: never)."""
    row = session.get(InsightState, key)
    return row.rolled_at if row is not None else None
