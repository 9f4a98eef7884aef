"""One batch of runs: claim-checked, advanced customer by customer, written in one transaction.

A batch job names runs and the claim token the sweeper gave them. Only runs still holding that
token are touched (a duplicate or stale job finds none and does nothing). Each customer is
advanced by the pure engine; then run state, step rows, message rows and profile changes are
written together and committed once. Message ids come back so delivery can be queued after
the commit — never before, or a worker could send a message whose step rolled back.

Step and message rows are new rows of runs this batch holds locked, so they are copied in
(`runtime.store.sql.copy_rows`). Should one exist already anyway, the copy fails, and the batch is
redone with insert-or-ignore, which skips it: the step log stays write-once either way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, Text, func, literal, select, update
from sqlalchemy.orm import Session

from nodes.kit.profile import Profile
from runtime.customers.profiles import load_profiles
from runtime.flow.effects import Effects
from runtime.flow.engine import Advance, RunState, advance
from runtime.messaging.adapters import Adapter
from runtime.messaging.messages import MessageRow, compose_messages
from runtime.run.sweeper import is_due_status
from runtime.store.models import Customer, CustomerTag, Journey, JourneyStatus, Run, Step
from runtime.store.sql import (
    ConflictError,
    among,
    copy_rows,
    group_by_value,
    insert_rows,
    update_grouped,
)
from runtime.store.versions import load_compiled

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    """What a batch did: runs advanced, skipped (stale or held), and messages to deliver."""

    advanced: int = 0
    skipped: int = 0
    steps: int = 0
    messages: list[int] = field(default_factory=list)


_RUN_COLUMNS = (Run.id, Run.journey_id, Run.journey_version_id, Run.customer_id, Run.status,
                Run.node_id, Run.wait, Run.step_count, Run.payload, Run.wake_at, Run.visit)


def advance_runs(session: Session, run_ids: Sequence[int], token: str, now: datetime, *,
                 recorders: Mapping[str, Adapter] | None = None,
                 leased_until: datetime | None = None) -> BatchResult:
    """Advance the runs still claimed by `token`, in one transaction; commit.

    Messages on a channel in `recorders` (adapters that only record) are written sent; the
    others queued, leased until `leased_until` if given (the caller then enqueues their delivery
    with that lease), else due at once.
    """
    try:
        return _advance_runs(session, run_ids, token, now, recorders, leased_until, copy=True)
    except ConflictError as conflict:
        session.rollback()
        log.warning("batch of %d runs redone with insert-or-ignore: %s", len(run_ids), conflict)
        return _advance_runs(session, run_ids, token, now, recorders, leased_until, copy=False)


def _advance_runs(session: Session, run_ids: Sequence[int], token: str, now: datetime,
                  recorders: Mapping[str, Adapter] | None, leased_until: datetime | None, *,
                  copy: bool) -> BatchResult:
    result = BatchResult()
    rows = _lock_claimed(session, run_ids, token)
    held = [row.id for row in rows if row.journey_status is not JourneyStatus.LIVE]
    if held:  # a paused journey's runs keep their place: only the claim goes
        session.execute(update(Run).where(among(session, Run.id, held))
                        .values(claimed_by=None, claimed_at=None))
    rows = [row for row in rows if row.journey_status is JourneyStatus.LIVE]
    result.skipped = len(run_ids) - len(rows)
    if not rows:
        session.commit()
        return result
    journeys = load_compiled(session, {row.journey_version_id for row in rows})
    names = set().union(*(plan.event_names for plan in journeys.values()))
    profiles = load_profiles(session, {row.customer_id for row in rows}, now, names)
    originals = dict(profiles)
    outcomes: list[tuple[Any, Advance]] = []
    effects = Effects(session, performing=True)  # what they write commits with the batch
    for row in rows:
        state = RunState(node_id=row.node_id, status=row.status, wait=row.wait,
                         step_count=row.step_count, seed=str(row.id), payload=row.payload or {},
                         run_id=row.id)
        outcome = advance(journeys[row.journey_version_id], state, profiles[row.customer_id], now,
                          paused=frozenset(row.paused_steps or ()), effects=effects,
                          at=journey_time(row.wake_at, now))
        profiles[row.customer_id] = outcome.profile
        outcomes.append((row, outcome))
    _write_runs(session, outcomes, now)
    _write_steps(session, outcomes, copy=copy)
    _finish_waits(session, [(row.id, row.visit, outcome.finished_wait)
                            for row, outcome in outcomes if outcome.finished_wait], now)
    _write_profiles(session, originals, profiles, now)
    sends = [MessageRow(row.id, row.journey_id, row.customer_id, intent, row.payload or {},
                        row.journey_version_id, row.visit)
             for row, outcome in outcomes for intent in outcome.sends]
    result.messages = compose_messages(session, sends, profiles, journeys, now,
                                       recorders=recorders, leased_until=leased_until,
                                       copy=copy)
    session.commit()
    result.advanced = len(rows)
    result.steps = sum(len(outcome.steps) for _, outcome in outcomes)
    return result


JOURNEY_TIME_LAG = timedelta(hours=1)
"""How far behind the present journey time may run. A run moves on from when it fell due (it
entered, its timer ended, its event happened) however late a worker gets there — up to this:
a run due longer ago (its journey was paused, workers were down for hours) goes on from now,
so its next waits are not cut short."""


def journey_time(due: datetime | None, now: datetime) -> datetime:
    """When a run due at `due` reached its step, for the engine (`advance`'s `at`)."""
    if due is None:
        return now
    return min(max(due, now - JOURNEY_TIME_LAG), now)


def _lock_claimed(session: Session, run_ids: Sequence[int], token: str) -> list[Any]:
    """The runs this job still holds (claimed with its token), locked until commit.

    A duplicate or stale job finds none: the first job cleared the claim, or a later sweep
    re-claimed the runs with another token.
    """
    query = (select(*_RUN_COLUMNS, Journey.status.label("journey_status"),
                    Journey.paused_steps)
             .join(Journey, Journey.id == Run.journey_id)
             .where(among(session, Run.id, run_ids), Run.claimed_by == token,
                    Run.ended_at.is_(None))
             .order_by(Run.id))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Run)
    return session.execute(query).all()


def _write_runs(session: Session, outcomes: list[tuple[Any, Advance]], now: datetime) -> None:
    """Each run's new state, clearing the claim and bumping the row version."""
    runs = Run.__table__
    update_grouped(session, runs, [(row.id, _run_values(outcome, now))
                                   for row, outcome in outcomes],
                   also={"version": runs.c.version + 1})


STEP_COLUMNS = ("run_id", "node_id", "visit", "port", "outcome", "detail", "entered_at",
                "left_at")
"""The step columns, in the order of the tuples `_write_steps` builds."""


def _write_steps(session: Session, outcomes: list[tuple[Any, Advance]], *, copy: bool) -> None:
    """The step log rows of every step taken (copied in, or inserted skipping duplicates)."""
    rows = [(row.id, step.node_id, row.visit, step.port, step.outcome, step.detail,
             step.entered_at, step.left_at) for row, outcome in outcomes
            for step in outcome.steps]
    if copy:
        copy_rows(session, Step.__table__, STEP_COLUMNS, rows)
    else:
        insert_rows(session, Step.__table__, [dict(zip(STEP_COLUMNS, values, strict=True))
                                              for values in rows])


def _finish_waits(session: Session, finished: list[tuple[int, int, Any]],
                  now: datetime) -> None:
    """Complete the step rows of waits that ended: the port taken, why, and when."""
    table = Step.__table__
    groups = group_by_value([(run_id, (step.node_id, visit, step.port, step.detail))
                             for run_id, visit, step in finished])
    for (node_id, visit, port, detail), run_ids in groups.items():
        session.execute(table.update().where(
            table.c.run_id.in_(run_ids), table.c.node_id == node_id, table.c.visit == visit)
            .values(port=port, detail=detail, outcome="passed", left_at=now))


def _run_values(outcome: Advance, now: datetime) -> dict[str, Any]:
    return {"node_id": outcome.node_id, "status": outcome.status,
            "wake_at": outcome.wake_at, "waiting_for": outcome.waiting_for, "wait": outcome.wait,
            "step_count": outcome.step_count, "claimed_by": None, "claimed_at": None,
            "ended_at": outcome.ended_at if outcome.ended else None,
            "exit_reason": outcome.exit_reason}


def _write_profiles(session: Session, originals: dict[int, Profile],
                    profiles: dict[int, Profile], now: datetime) -> None:
    """Write only what changed, key by key, so a concurrent change to other keys survives."""
    changed = [(originals[key], profiles[key]) for key in profiles
               if profiles[key] is not originals[key]]
    patches = group_by_value([
        (after.id, json.dumps(_patch(before.attributes, after.attributes), sort_keys=True))
        for before, after in changed if before.attributes != after.attributes])
    table = Customer.__table__
    for patch, customer_ids in patches.items():
        session.execute(table.update().where(among(session, table.c.id, customer_ids))
                        .values(attributes=_merged(session, json.loads(patch)), updated_at=now))
    insert_rows(session, CustomerTag.__table__, [
        {"customer_id": after.id, "tag": tag}
        for before, after in changed for tag in after.tags - before.tags])
    for customer_id, tag in ((after.id, tag) for before, after in changed
                             for tag in before.tags - after.tags):
        session.execute(CustomerTag.__table__.delete().where(
            CustomerTag.customer_id == customer_id, CustomerTag.tag == tag))


def _patch(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON merge patch (RFC 7396) from `before` to `after`: null removes a key."""
    patch = {key: value for key, value in after.items() if before.get(key, ...) != value}
    patch.update({key: None for key in before if key not in after})
    return patch


def _merged(session: Session, patch: dict[str, Any]):
    """SQL for customers.attributes with a merge patch applied, on this database."""
    attributes = Customer.__table__.c.attributes
    if session.get_bind().dialect.name == "postgresql":
        kept = attributes.op("||")(literal({k: v for k, v in patch.items() if v is not None},
                                           attributes.type))
        removed = [key for key, value in patch.items() if value is None]
        return kept.op("-")(literal(removed, ARRAY(Text))) if removed else kept
    return func.json_patch(attributes, literal(patch, attributes.type))


def due_count(session: Session, now: datetime) -> int:
    """How many runs are due now (for metrics and tests)."""
    return session.scalar(select(func.count()).select_from(Run).where(
        is_due_status(), Run.wake_at <= now)) or 0


def ids(values: Iterable[int]) -> list[int]:
    """A sorted list of unique ids (stable lock order)."""
    return sorted(set(values))
