"""Events in: store the event, then everything it means for journeys, in the same transaction.

An event can start journeys (event entry), complete waits (a wait-for-event that matches goes
on through 'matched'), and end runs (exit criteria, or a goal that exits). The caller commits
and then dispatches the returned runs so they move at once, not at the next sweep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Row, and_, or_, select, update
from sqlalchemy.orm import Session

from nodes.kit.rules import Attr, properties_match
from runtime.flow.enrollment import enroll_events
from runtime.flow.run_status import after, applies_to, changeable
from runtime.store.models import Customer, Event, Run, RunStatus
from runtime.store.sql import among, insert_rows
from runtime.store.versions import LiveIndex, live_index, load_compiled


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


@dataclass(frozen=True)
class NewEvent:
    """One event to record, as an integrator sent it (checked already)."""

    external_id: str
    name: str
    properties: Mapping[str, Any]
    occurred_at: datetime
    dedup_key: str | None = None


def customer_id_for(session: Session, external_id: str, now: datetime) -> int:
    """The id of the customer with this external id, creating an empty profile if new."""
    return customer_ids_for(session, [external_id], now)[external_id]


def customer_ids_for(session: Session, external_ids: Iterable[str],
                     now: datetime) -> dict[str, int]:
    """Customer ids by external id, creating empty profiles for the new ones (one statement
    when all are known, three when some are new)."""
    wanted = sorted(set(external_ids))
    lookup = select(Customer.external_id, Customer.id)
    found = dict(session.execute(lookup.where(Customer.external_id.in_(wanted))).all())
    missing = [external_id for external_id in wanted if external_id not in found]
    if missing:
        insert_rows(session, Customer.__table__, [
            {"external_id": external_id, "attributes": {}, "consent": {}, "created_at": now,
             "updated_at": now} for external_id in missing])
        found.update(session.execute(lookup.where(Customer.external_id.in_(missing))).all())
    return found


def ingest_event(session: Session, external_id: str, name: str,
                 properties: Mapping[str, Any], occurred_at: datetime, now: datetime,
                 dedup_key: str | None = None) -> IngestResult:
    """Record an event for a customer and apply it to their journeys (no commit)."""
    return ingest_events(session, [NewEvent(external_id, name, properties, occurred_at,
                                            dedup_key)], now)[0]


def ingest_events(session: Session, events: Sequence[NewEvent],
                  now: datetime) -> list[IngestResult]:
    """Record events and apply them to journeys, each customer's in the order given; what each
    did (no commit).

    Set-based: the events go in waves — the first event of each customer, then the second… —
    and each wave is a handful of statements however many customers it holds: the events in
    one INSERT, the runs they may touch in one locked read, one enrollment per
    journey listening to their names. A customer's later event sees what the earlier did.
    """
    results = [IngestResult(event_id=None) for _ in events]
    if not events:
        return results
    customers = customer_ids_for(session, (event.external_id for event in events), now)
    waves: list[list[tuple[int, NewEvent, int]]] = []
    seen: dict[str, int] = {}
    for index, event in enumerate(events):
        number = seen.get(event.external_id, 0)
        seen[event.external_id] = number + 1
        if number == len(waves):
            waves.append([])
        waves[number].append((index, event, customers[event.external_id]))
    live = live_index(session)
    for wave in waves:
        _ingest_wave(session, wave, results, live, now)
    return results


def _ingest_wave(session: Session, wave: list[tuple[int, NewEvent, int]],
                 results: list[IngestResult], live: LiveIndex, now: datetime) -> None:
    """Events of distinct customers: recorded, then applied to their runs and to entries."""
    stored = insert_rows(session, Event.__table__, [
        {"customer_id": customer_id, "name": event.name, "properties": dict(event.properties),
         "occurred_at": event.occurred_at, "received_at": now, "dedup_key": event.dedup_key}
        for _, event, customer_id in wave], returning=(Event.id, Event.customer_id))
    event_ids = {customer_id: event_id for event_id, customer_id in stored}
    fresh = []
    for index, event, customer_id in wave:
        if customer_id in event_ids:  # else its dedup_key was seen before: a duplicate
            results[index].event_id = event_ids[customer_id]
            fresh.append((index, event, customer_id))
        else:
            results[index].duplicate = True
    if not fresh:
        return
    runs = _customer_runs(session, {customer_id for _, _, customer_id in fresh},
                          min(event.occurred_at for _, event, _ in fresh))
    plans = load_compiled(session, {run.journey_version_id for found in runs.values()
                                    for run in found})
    for index, event, customer_id in fresh:
        theirs = runs.get(customer_id)
        if theirs:
            result = results[index]
            result.converted = _record_conversions(session, theirs, plans, event.name,
                                                   event.occurred_at)
            result.resumed = _resume_waits(session, theirs, event.name, event.properties,
                                           event.occurred_at, now)
            result.exited = _exit_runs(session, theirs, plans, event.name, event.occurred_at,
                                       now)
    entered = enroll_events(session, live, [
        (customer_id, event.name, event.properties) for _, event, customer_id in fresh], now)
    for index, _, customer_id in fresh:
        results[index].enrolled = entered.get(customer_id, [])


def _customer_runs(session: Session, customer_ids: set[int],
                   occurred_at: datetime) -> dict[int, list[Row]]:
    """The customers' runs events from `occurred_at` on may wake, end or convert: the
    unfinished ones and the ended ones whose goal window is still open then (one statement,
    two ranges of partial indexes).

    They are locked (PostgreSQL): a batch moving one holds it until it commits, so either the
    batch reads the event — it loads histories after taking its runs — or this reads the step
    the batch wrote. An event never slips between a run's entry and its wait.
    """
    query = (select(*_RUN_COLUMNS)
             .where(among(session, Run.customer_id, sorted(customer_ids)),
                    or_(Run.ended_at.is_(None),
                        and_(Run.goal_until.is_not(None), Run.goal_until >= occurred_at,
                             or_(Run.converted_at.is_(None), Run.converted_at > occurred_at))))
             .order_by(Run.id).with_for_update(of=Run))
    found: dict[int, list[Row]] = {}
    for run in session.execute(query):
        found.setdefault(run.customer_id, []).append(run)
    return found


_RUN_COLUMNS = (Run.id, Run.customer_id, Run.journey_version_id, Run.entered_at, Run.ended_at,
                Run.converted_at, Run.status, Run.version, Run.waiting_for, Run.wait)

WAKEABLE = applies_to("wake")


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
