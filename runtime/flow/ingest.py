"""Events in: store the event, then everything it means for journeys, in the same transaction.

An event can start journeys (event entry), complete waits (a wait-for-event that matches goes
on through 'matched'), and end runs (exit criteria, or a goal that exits). The caller commits
and then dispatches the returned runs so they move at once, not at the next sweep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Row, bindparam, or_, select, update
from sqlalchemy.orm import Session

from nodes.kit.rules import Attr, properties_match
from runtime.flow.enrollment import enroll_event
from runtime.flow.run_status import TRANSITIONS, after, changeable
from runtime.store.models import Customer, Event, Run, RunStatus, UTCDateTime
from runtime.store.sql import insert_ignore
from runtime.store.versions import load_compiled


@dataclass
class IngestResult:
    """What one event did."""

    event_id: int | None
    duplicate: bool = False
    enrolled: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)
    exited: list[int] = field(default_factory=list)
    converted: list[int] = field(default_factory=list)
    """Runs whose journey goal this event met (each run converts once, at its first)."""

    @property
    def runs_to_dispatch(self) -> list[int]:
        """Runs that should move now."""
        return self.enrolled + self.resumed


_CUSTOMER_ID = select(Customer.id).where(Customer.external_id == bindparam("external_id"))


def customer_id_for(session: Session, external_id: str, now: datetime) -> int:
    """The id of the customer with this external id, creating an empty profile if new."""
    found = session.scalar(_CUSTOMER_ID, {"external_id": external_id})
    if found is not None:
        return found
    session.execute(insert_ignore(session, Customer).values(
        external_id=external_id, attributes={}, consent={}, created_at=now, updated_at=now))
    return session.scalar(_CUSTOMER_ID, {"external_id": external_id})


def ingest_event(session: Session, external_id: str, name: str,
                 properties: Mapping[str, Any], occurred_at: datetime, now: datetime,
                 dedup_key: str | None = None) -> IngestResult:
    """Record an event for a customer and apply it to their journeys (no commit).

    For a known customer and an event no journey listens to, that is four statements: the
    customer, the event, the runs it may touch (two bounded index ranges), the live journeys
    (pairs of ids; the rest is cached per process).
    """
    customer_id = customer_id_for(session, external_id, now)
    inserted = session.scalar(insert_ignore(session, Event).values(
        customer_id=customer_id, name=name, properties=dict(properties),
        occurred_at=occurred_at, received_at=now, dedup_key=dedup_key).returning(Event.id))
    if inserted is None:
        return IngestResult(event_id=None, duplicate=True)
    result = IngestResult(event_id=inserted)
    runs = _customer_runs(session, customer_id, occurred_at)
    plans = load_compiled(session, {run.journey_version_id for run in runs}) if runs else {}
    result.converted = _record_conversions(session, runs, plans, name, occurred_at)
    result.resumed = _resume_waits(session, runs, name, properties, occurred_at, now)
    result.exited = _exit_runs(session, runs, plans, name, occurred_at, now)
    result.enrolled = enroll_event(session, customer_id, name, properties, now)
    return result


def _customer_runs(session: Session, customer_id: int, occurred_at: datetime) -> list[Row]:
    """The customer's runs an event at `occurred_at` may wake, end or convert: the unfinished
    ones, and the ended ones whose goal window is still open then (not converted by then)."""
    found = {run.id: run for run in session.execute(_OPEN_RUNS, {"customer_id": customer_id})}
    for run in session.execute(_GOAL_RUNS, {"customer_id": customer_id,
                                            "occurred_at": occurred_at}):
        found.setdefault(run.id, run)
    return list(found.values())


_RUN_COLUMNS = (Run.id, Run.journey_version_id, Run.entered_at, Run.ended_at,
                Run.converted_at, Run.status, Run.version, Run.waiting_for, Run.wait)
_OPEN_RUNS = (select(*_RUN_COLUMNS)
              .where(Run.customer_id == bindparam("customer_id"), Run.ended_at.is_(None))
              .order_by(Run.id).with_for_update(of=Run))
"""Locked (PostgreSQL): a batch moving one of them holds it until it commits, so either the
batch reads this event (it loads histories after taking its runs) or this reads the step the
batch wrote — an event never slips between a run's entry and its wait."""
_GOAL_RUNS = select(*_RUN_COLUMNS).where(
    Run.customer_id == bindparam("customer_id"), Run.goal_until.is_not(None),
    Run.goal_until >= bindparam("occurred_at", type_=UTCDateTime()),
    or_(Run.converted_at.is_(None),
        Run.converted_at > bindparam("occurred_at", type_=UTCDateTime())))
"""Built once (every ingested event runs them), each a range of one partial index."""

WAKEABLE = frozenset(status for (status, event) in TRANSITIONS if event == "wake")


def _resume_waits(session: Session, runs: Sequence[Row], name: str,
                  properties: Mapping[str, Any], occurred_at: datetime,
                  now: datetime) -> list[int]:
    """Wake the runs waiting for this event (from its time on, its filters met).

    Claimed runs count too: a sweep may have claimed the wait for its timeout, but until the
    batch runs, the event is news it must see (the batch reads `resume` from the wait). The
    run continues at the event's time (journey time), or at its arrival if it came later.
    """
    resumed = []
    for run in runs:
        if run.waiting_for != name or run.status not in WAKEABLE or not run.wait:
            continue
        wait = run.wait
        since = datetime.fromisoformat(wait["since"])
        filters = msgspec.convert(wait.get("where", []), list[Attr])
        if occurred_at < since or not properties_match(filters, properties, now):
            continue
        changed = session.execute(update(Run).where(
            Run.id == run.id, Run.version == run.version).values(
            status=after(RunStatus.WAITING, "wake"), waiting_for=None,
            wake_at=min(occurred_at, now), version=run.version + 1,
            wait={**wait, "resume": wait["matched"], "why": f"did '{name}'"})).rowcount
        if changed:
            resumed.append(run.id)
    return resumed


def _record_conversions(session: Session, runs: Sequence[Row], plans: Mapping[int, Any],
                        name: str, occurred_at: datetime) -> list[int]:
    """Mark the customer's runs whose goal this event meets, in or after the journey.

    A goal counts within its window after entry, whether the run is still going or has ended;
    an event that arrives late but happened earlier than a recorded conversion moves it back.
    """
    met = [run.id for run in runs
           if (run.converted_at is None or run.converted_at > occurred_at)
           and _meets_goal(plans[run.journey_version_id].document.settings.goal, name,
                           occurred_at, run.entered_at)]
    if met:
        session.execute(update(Run).where(Run.id.in_(met), or_(
            Run.converted_at.is_(None), Run.converted_at > occurred_at))
            .values(converted_at=occurred_at))
    return met


def _meets_goal(goal, name: str, occurred_at: datetime, entered_at: datetime) -> bool:
    return goal is not None and goal.event == name and \
        entered_at <= occurred_at <= entered_at + goal.within.to_timedelta()


def _exit_runs(session: Session, runs: Sequence[Row], plans: Mapping[int, Any], name: str,
               occurred_at: datetime, now: datetime) -> list[int]:
    """End runs whose journey says to leave on this event (exit criteria, or a goal)."""
    exited = []
    for run in (run for run in runs if run.ended_at is None):
        reason = _exit_reason(plans[run.journey_version_id].document.settings, name,
                              occurred_at, run.entered_at)
        # No version check: whatever step the run has reached meanwhile, it must stop. If a
        # batch holds it now, this waits for that batch and applies unless it ended the run.
        if reason and session.execute(update(Run).where(
                Run.id == run.id, Run.ended_at.is_(None), changeable("exit")).values(
                status=RunStatus.EXITED, ended_at=now, exit_reason=reason, wake_at=None,
                waiting_for=None, version=Run.version + 1)).rowcount:
            exited.append(run.id)
    return exited


def _exit_reason(settings, name: str, occurred_at: datetime, entered_at: datetime) -> str | None:
    if occurred_at < entered_at:
        return None  # something done before entering is no reason to leave
    if settings.exit_when is not None and settings.exit_when.event == name:
        return f"exit criteria: did '{name}'"
    goal = settings.goal
    if goal is not None and goal.exit and _meets_goal(goal, name, occurred_at, entered_at):
        return f"converted: did '{name}'"
    return None
