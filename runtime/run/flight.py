"""Customers in flight, moved to a new version step by step as the publisher maps them.

Publishing a version may carry a map: for each step of the live version, move its customers to
a step of the new version, let them leave the journey, or let them stay on the old version
(what a step the map leaves out does, and what publishing did before maps). The publish writes
a `FlightMove` with the map; a worker carries it out (`carry_out`) in batches. Each batch is
one transaction: it picks up to a batch of the runs still on the old version at that step, then
updates those whose step and version are still the same when their row lock is had, so a run
moves exactly once or not at all, and its count is written in the same transaction. A run a
worker moved on meanwhile is taken by a later round (where it is then, if that step is mapped).
A killed worker's move is taken again by a sweep once its lease runs out, and goes on where it
stopped.

A customer waiting at a step moved to a step of the same kind keeps the wait it is in (the same
remaining time, the same awaited event) unless the map says restart; any other move makes the
customer arrive at the target step now, as if the journey had led them there.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from builder.compiled import CompiledJourney
from builder.validation import Issue
from runtime.customers.profiles import load_profiles
from runtime.flow.engine import RunState, advance
from runtime.flow.run_status import changeable
from runtime.messaging import brakes
from runtime.settings import FLIGHT_BATCH
from runtime.store.audit import SYSTEM, record
from runtime.store.models import (
    HELD_ONLY,
    FlightMove,
    Journey,
    JourneyVersion,
    Message,
    MessageStatus,
    Run,
    RunStatus,
    Step,
    UTCDateTime,
)
from runtime.store.sql import among
from runtime.store.versions import load_compiled

Action = Literal["move", "stay", "leave"]


class StepMove(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What happens to the customers at one step of the live version."""

    action: Action = "move"
    to: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    """The step of the new version they move to (with "move")."""
    restart_wait: bool = False
    """Waiting customers start the target step afresh instead of keeping their remaining time."""


STAY = StepMove(action="stay")

BATCH = FLIGHT_BATCH

LANES = 2
"""Threads moving runs side by side on PostgreSQL (each batch's UPDATE keeps one core busy)."""

LEASE = timedelta(seconds=30)
"""How long a worker holds a move between batches before a sweep may take it over."""

SAMPLE = 200
"""Customers per step the preview walks through the new version to count messages at once."""

WALKS = 2_000
"""Customers a preview walks in all: a map of many steps walks fewer of each (one at least)."""

LEFT_REASON = "left when version {number} was published"

DEADLOCK = "40P01"
"""PostgreSQL's code for a transaction chosen as a deadlock's victim."""


def default_moves(old: CompiledJourney, new: CompiledJourney) -> dict[str, StepMove]:
    """A step still there with the same kind maps to itself (customers who have just entered
    go to the new entry); any other stays on the old version until the publisher chooses."""
    moves = {node_id: StepMove(to=node_id, restart_wait=_changed(old, new, node_id))
             if _same_kind(old, node_id, new, node_id) else STAY for node_id in old.specs}
    if _same_kind(old, old.entry_id, new, new.entry_id):
        moves[old.entry_id] = StepMove(to=new.entry_id)
    return moves


def _changed(old: CompiledJourney, new: CompiledJourney, node_id: str) -> bool:
    """Whether a step kept its id and kind but not its settings: its waits start afresh by
    default (a wait kept would keep the old length, or the old event)."""
    return old.configs[node_id] != new.configs[node_id]


def completed(old: CompiledJourney, new: CompiledJourney,
              moves: Mapping[str, StepMove] | None) -> dict[str, StepMove]:
    """The map with every step of the old version in it: the given choices over the defaults.
    No map at all means everyone stays, as publishing always did."""
    if moves is None:
        return dict.fromkeys(old.specs, STAY)
    return {**default_moves(old, new), **moves}


def check_moves(old: CompiledJourney, new: CompiledJourney, number: int,
                moves: Mapping[str, StepMove]) -> list[Issue]:
    """Every problem with a map, each naming the step and the field."""
    issues = []
    for node_id, choice in moves.items():
        where = f"moves.{node_id}"
        if node_id not in old.specs:
            issues.append(Issue("flight.unknown_step", f"Version {number} has no step "
                                f"'{node_id}' to move customers from.", node_id, where))
            continue
        if choice.action != "move":
            continue
        if not choice.to:
            issues.append(Issue("flight.no_target", f"Choose the step of the new version the "
                                f"customers at '{old.label(node_id)}' move to.", node_id,
                                f"{where}.to"))
        elif choice.to not in new.specs:
            issues.append(Issue("flight.unknown_target", f"The new version has no step "
                                f"'{choice.to}'.", node_id, f"{where}.to"))
        elif choice.to == new.entry_id and node_id != old.entry_id:
            issues.append(Issue("flight.to_entry", "Customers in flight can't be moved back to "
                                "the entry: they are in the journey already.", node_id,
                                f"{where}.to"))
    return issues


def _same_kind(old: CompiledJourney, node_id: str, new: CompiledJourney, to: str) -> bool:
    """Whether a step of the new version is of the kind (and the kind's version) of an old one:
    then a wait saved by one is a wait the other knows."""
    if to not in new.specs:
        return False
    before, after = old.specs[node_id], new.specs[to]
    return (before.key, before.version) == (after.key, after.version)


def keeps_wait(old: CompiledJourney, node_id: str, new: CompiledJourney,
               choice: StepMove) -> bool:
    """Whether customers waiting at `node_id` keep their wait when moved by `choice`."""
    return (choice.action == "move" and not choice.restart_wait and choice.to is not None
            and _same_kind(old, node_id, new, choice.to))


def stored_moves(move: FlightMove) -> dict[str, StepMove]:
    """A recorded move's map, as `StepMove`s."""
    return {node_id: msgspec.convert(choice, StepMove) for node_id, choice in move.moves.items()}


def in_flight(session: Session, version_id: int) -> dict[str, Counter[str]]:
    """Customers still in a version, per step and status ("active", "waiting")."""
    counts: dict[str, Counter[str]] = {}
    for node_id, status, count in session.execute(
            select(Run.node_id, Run.status, func.count())
            .where(Run.journey_version_id == version_id, Run.ended_at.is_(None))
            .group_by(Run.node_id, Run.status)):
        counts.setdefault(node_id, Counter())[RunStatus(status).value] += count
    return counts


@dataclass
class Preview:
    """What a map would do to the customers in flight now."""

    steps: dict[str, int] = field(default_factory=dict)
    """Customers at each step of the old version."""
    waiting: dict[str, int] = field(default_factory=dict)
    """Of those, the ones waiting (a timer, an event, or held before a paused step)."""
    targets: dict[str, int] = field(default_factory=dict)
    """Customers each step of the new version would receive."""
    staying: int = 0
    leaving: int = 0
    restarting: int = 0
    """Customers who would arrive at their target now (a different step, or a restarted wait)."""
    messages: int = 0
    """Messages the arrivals would send at once (walked for a sample of each step, scaled)."""
    sampled: bool = False


def preview(session: Session, old: CompiledJourney, old_version_id: int, new: CompiledJourney,
            moves: Mapping[str, StepMove], now: datetime, walk: bool = True) -> Preview:
    """Counts per step, per target, leaving and staying, and the messages that would follow at
    once for customers who arrive at a step now (the new version walked as a worker would,
    with no side effects, for up to `SAMPLE` customers of each step, `WALKS` in all; not at all
    without `walk`: publishing counts only, while it holds the journey)."""
    result = Preview()
    counts = in_flight(session, old_version_id)
    moving = sum(moves.get(node_id, STAY).action == "move" for node_id in counts)
    sample = max(1, min(SAMPLE, WALKS // max(moving, 1)))
    for node_id, statuses in sorted(counts.items()):
        customers = sum(statuses.values())
        result.steps[node_id] = customers
        result.waiting[node_id] = statuses["waiting"]
        choice = moves.get(node_id, STAY)
        if choice.action == "stay" or node_id not in old.specs:
            result.staying += customers
        elif choice.action == "leave":
            result.leaving += customers
        elif choice.to is not None:
            result.targets[choice.to] = result.targets.get(choice.to, 0) + customers
            kept = keeps_wait(old, node_id, new, choice)
            # Customers who keep their wait send nothing now; the others arrive at the target.
            arriving = statuses["active"] if kept else customers
            result.restarting += arriving
            if arriving and walk:
                sent, walked = _messages_at_once(session, old_version_id, node_id, choice.to,
                                                 new, arriving, now, kept, sample)
                result.messages += sent
                result.sampled = result.sampled or walked < arriving
    return result


def _messages_at_once(session: Session, version_id: int, node_id: str, to: str,
                      new: CompiledJourney, arriving: int, now: datetime,
                      only_active: bool, sample: int) -> tuple[int, int]:
    """Messages `arriving` customers at `to` would send before their first wait, walked for
    `sample` of them and scaled; (messages, customers walked)."""
    query = (select(Run.id, Run.customer_id, Run.payload, Run.step_count)
             .where(Run.journey_version_id == version_id, Run.node_id == node_id,
                    Run.ended_at.is_(None)).order_by(Run.id).limit(sample))
    if only_active:
        query = query.where(Run.status == RunStatus.ACTIVE)
    rows = session.execute(query).all()
    if not rows:
        return 0, 0
    profiles = load_profiles(session, {row.customer_id for row in rows}, now, new.event_names)
    sends = 0
    for row in rows:
        state = RunState(node_id=to, status=RunStatus.ACTIVE, wait=None,
                         step_count=row.step_count, seed=str(row.id), payload=row.payload or {},
                         run_id=row.id)
        sends += len(advance(new, state, profiles[row.customer_id], now).sends)
    return round(sends * arriving / len(rows)), len(rows)


def start(session: Session, journey_id: int, from_version_id: int, to_version_id: int,
          moves: Mapping[str, StepMove], expected: Preview, by: str,
          now: datetime) -> FlightMove | None:
    """Record a move to be carried out (None when the map moves no one)."""
    acting = {node_id: msgspec.to_builtins(choice) for node_id, choice in moves.items()
              if choice.action != "stay"}
    if not acting or not any(expected.steps.get(node_id) for node_id in acting):
        return None
    move = FlightMove(journey_id=journey_id, from_version_id=from_version_id,
                      to_version_id=to_version_id, moves=acting,
                      expected={"steps": expected.steps, "targets": expected.targets,
                                "leaving": expected.leaving, "staying": expected.staying},
                      done={}, created_by=by[:254], created_at=now)
    session.add(move)
    session.flush()
    return move


def take_unfinished(session: Session, now: datetime, lease: timedelta = LEASE) -> list[int]:
    """Lease every unfinished move no worker holds (new, or its worker died); their ids."""
    taken = session.execute(
        update(FlightMove)
        .where(FlightMove.finished_at.is_(None),
               or_(FlightMove.lease_until.is_(None), FlightMove.lease_until < now))
        .values(lease_until=now + lease).returning(FlightMove.id))
    return [move_id for (move_id,) in taken]


@dataclass
class Carried:
    """What one `carry_out` did."""

    moved: int = 0
    left: int = 0
    durations: list[float] = field(default_factory=list)
    """Each batch's time, in seconds: how long it held its runs from workers."""
    finished: bool = False

    def add(self, other: Carried) -> None:
        """Count in what another lane did."""
        self.moved += other.moved
        self.left += other.left
        self.durations += other.durations

    @property
    def batches(self) -> int:
        return len(self.durations)

    @property
    def longest(self) -> float:
        return max(self.durations, default=0.0)


def carry_out(sessions: sessionmaker[Session], move_id: int, now: Callable[[], datetime], *,
              batch: int = BATCH, lease: timedelta = LEASE, rounds: int = 20,
              pause: float = 0.1, woken: Callable[[list[int]], None] | None = None,
              lanes: int = LANES) -> Carried:
    """Move the customers of a `FlightMove` in batches until none is left at a mapped step of
    the old version; mark it finished. On PostgreSQL `lanes` threads move disjoint runs (by id)
    side by side. A run a worker moved on meanwhile is looked for again in the next round (at
    most `rounds`, `pause` seconds apart); after the last, customers still at a mapped step
    stay on the old version. `woken` is given the runs due at once after each batch.
    """
    carried = Carried()
    with sessions() as session:
        move = session.get(FlightMove, move_id, with_for_update=True)
        if move is None or move.finished_at is not None:
            return carried
        move.lease_until = now() + lease  # from when the work starts, not when it was queued
        plan = _Plan.of(session, move)
        session.commit()
        if session.get_bind().dialect.name != "postgresql":
            lanes = 1  # one writer at a time
    remaining = 0
    for _round in range(rounds):
        def lane(index: int) -> Carried:
            return _round_of(sessions, plan, move_id, now, batch, lease, woken, index, lanes)
        if lanes == 1:
            done = [lane(0)]
        else:
            with ThreadPoolExecutor(lanes) as pool:
                done = list(pool.map(lane, range(lanes)))
        for part in done:
            carried.add(part)
        with sessions() as session:
            remaining = plan.remaining(session)
        if not remaining:
            break
        if not any(part.moved or part.left for part in done):
            time.sleep(pause)  # held by workers now: look again shortly
    with sessions() as session:
        _finish(session, move_id, plan, remaining, now())
        session.commit()
    carried.finished = True
    return carried


def _round_of(sessions: sessionmaker[Session], plan: _Plan, move_id: int,
              now: Callable[[], datetime], batch: int, lease: timedelta,
              woken: Callable[[list[int]], None] | None, lane: int, lanes: int) -> Carried:
    """One pass over the map's steps, batch after batch, for the runs of one lane."""
    carried = Carried()
    for node_id, choice in plan.moves.items():
        while True:
            started = time.perf_counter()
            count, due = _batch_with_retry(sessions, plan, move_id, node_id, choice, now, batch,
                                           lease, lane, lanes)
            if count:  # a step no one is at costs a look, not a batch
                carried.durations.append(time.perf_counter() - started)
            carried.moved += count if choice.action == "move" else 0
            carried.left += count if choice.action == "leave" else 0
            if due and woken is not None:
                woken(due)
            if count < batch:
                break
    return carried


def _finish(session: Session, move_id: int, plan: _Plan, remaining: int, now: datetime) -> None:
    """Mark the move done, with an audit row of what it did (counts from the batches)."""
    move = session.get(FlightMove, move_id, with_for_update=True)
    if move.finished_at is not None:
        return  # another worker took the move over meanwhile and finished it
    move.finished_at, move.lease_until = now, None
    moved = sum(step.get("moved", 0) for step in move.done.values())
    left = sum(step.get("left", 0) for step in move.done.values())
    summary = (f"moved {moved:,} customers in flight to version {plan.number}"
               + (f", {left:,} left the journey" if left else "")
               + (f"; {remaining:,} held by workers stayed on the old version" if remaining
                  else "") + (f" (published by {move.created_by})" if move.created_by else ""))
    journey = session.get(Journey, move.journey_id)
    record(session, SYSTEM, "journey.customers_moved", object_kind="journey",
           object_id=move.journey_id, object_name=journey.name if journey else "",
           summary=summary, after={"version": plan.number, "moved": moved, "left": left,
                                   "stayed": remaining, "steps": move.done}, at=now)


DEADLOCK_RETRIES = 3
"""Times a batch the database chose as a deadlock's victim is tried again."""


def _batch_with_retry(sessions: sessionmaker[Session], plan: _Plan, move_id: int, node_id: str,
                      choice: StepMove, now: Callable[[], datetime], batch: int,
                      lease: timedelta, lane: int, lanes: int) -> tuple[int, list[int]]:
    """One batch and its counts in one transaction. Rows are locked in id order, as a worker's
    batch locks them, but should the database still pick this batch as a deadlock's victim it
    rolls back whole and is tried again."""
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with sessions() as session:
                count, due = plan.batch(session, node_id, choice, now(), batch, lane, lanes)
                _count_done(session, move_id, node_id, choice.action, count, now() + lease)
                session.commit()
                return count, due
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != DEADLOCK or attempt == DEADLOCK_RETRIES:
                raise
    raise AssertionError("unreachable")


def _count_done(session: Session, move_id: int, node_id: str, action: str, count: int,
                lease_until: datetime) -> None:
    move = session.get(FlightMove, move_id, with_for_update=True)
    move.lease_until = lease_until
    if not count:
        return
    done = dict(move.done or {})
    step = dict(done.get(node_id) or {})
    key = "moved" if action == "move" else "left"
    step[key] = step.get(key, 0) + count
    done[node_id] = step
    move.done = done


@dataclass(frozen=True)
class _Plan:
    """A move's map, with what each step's customers keep."""

    from_version_id: int
    to_version_id: int
    number: int
    moves: dict[str, StepMove]
    keep: frozenset[str]

    @classmethod
    def of(cls, session: Session, move: FlightMove) -> _Plan:
        plans = load_compiled(session, {move.from_version_id, move.to_version_id})
        old, new = plans[move.from_version_id], plans[move.to_version_id]
        moves = stored_moves(move)
        number = session.scalar(select(JourneyVersion.number)
                                .where(JourneyVersion.id == move.to_version_id))
        return cls(move.from_version_id, move.to_version_id, number, moves,
                   frozenset(node_id for node_id, choice in moves.items()
                             if node_id in old.specs and keeps_wait(old, node_id, new, choice)))

    def batch(self, session: Session, node_id: str, choice: StepMove, now: datetime,
              limit: int, lane: int = 0, lanes: int = 1) -> tuple[int, list[int]]:
        """Move (or end) up to `limit` runs at one step; (how many, the ids of those due at
        once). The caller commits."""
        chosen = (select(Run.id).where(Run.journey_version_id == self.from_version_id,
                                       Run.node_id == node_id, Run.ended_at.is_(None))
                  .limit(limit))
        if lanes > 1:
            chosen = chosen.where(Run.id % lanes == lane)
        # Chosen first, then updated by id with the same conditions: the UPDATE takes each
        # row's lock in id order (PostgreSQL walks `id = ANY(…)` in order), as a worker's
        # batch does, so the two wait for each other at most a batch and never deadlock; a
        # run a worker moved meanwhile fails the re-checked conditions and stays where it is.
        # (Locking the choice with SKIP LOCKED instead wrote every row twice, and as a
        # subquery of the UPDATE PostgreSQL may run a locking LIMIT again per row it joins.)
        run_ids = sorted(session.scalars(chosen))
        if not run_ids:
            return 0, []
        base = update(Run).where(among(session, Run.id, run_ids),
                                 Run.journey_version_id == self.from_version_id,
                                 Run.node_id == node_id, Run.ended_at.is_(None))
        claim: dict[str, Any] = {"claimed_by": None, "claimed_at": None,
                                 "version": Run.version + 1}
        if choice.action == "leave":
            ended = self._update(session, base.where(changeable("exit")), {
                **claim, "status": RunStatus.EXITED, "ended_at": now, "wake_at": None,
                "waiting_for": None, "exit_reason": LEFT_REASON.format(number=self.number)})
            ids = [run_id for run_id, _wake in ended]
            _close_steps(session, ids, node_id, now, "exited", "left when version "
                         f"{self.number} was published")
            _suppress_unsent(session, ids, now, self.number)
            return len(ids), []
        moved = {"journey_version_id": self.to_version_id, "node_id": choice.to}
        arrive = {**moved, "status": RunStatus.ACTIVE, "wake_at": now, "waiting_for": None,
                  "wait": None, "visit": Run.visit + 1}
        if node_id in self.keep and choice.to == node_id:  # the same step: nothing else changes
            rows = self._update(session, base, {**claim, **moved})
        elif node_id in self.keep:
            # Waits go on at the other step, at their next pass; customers held before a
            # paused step have no wait to keep, and arrive at the other step now.
            kept = self._update(session, base.where(Run.wake_at.is_not(None)),
                                {**claim, **moved, "visit": Run.visit + 1})
            rows = kept + self._update(session, base, {**claim, **arrive})
            _close_steps(session, [run_id for run_id, _ in rows], node_id, now, "moved",
                         f"moved to '{choice.to}' of version {self.number}")
            _open_steps(session, [run_id for run_id, _ in kept], choice.to, now,
                        f"moved here from '{node_id}', keeping its time")
        else:
            rows = self._update(session, base, {**claim, **arrive})
            _close_steps(session, [run_id for run_id, _ in rows], node_id, now, "moved",
                         f"moved to '{choice.to}' of version {self.number}")
        return len(rows), [run_id for run_id, wake_at in rows
                           if wake_at is not None and wake_at <= now]

    @staticmethod
    def _update(session: Session, statement: Any, values: dict[str, Any]) -> list[Any]:
        return list(session.execute(statement.values(**values)
                                    .returning(Run.id, Run.wake_at)).all())

    def remaining(self, session: Session) -> int:
        """Customers still at a mapped step of the old version."""
        return session.scalar(select(func.count()).select_from(Run).where(
            Run.journey_version_id == self.from_version_id, Run.ended_at.is_(None),
            Run.node_id.in_(list(self.moves)))) or 0


def _close_steps(session: Session, run_ids: list[int], node_id: str, now: datetime,
                 outcome: str, detail: str) -> None:
    """End the open step rows (a wait, or a hold) the moved runs had at `node_id`."""
    if not run_ids:
        return
    table = Step.__table__
    session.execute(table.update().where(among(session, table.c.run_id, run_ids),
                                         table.c.node_id == node_id,
                                         table.c.left_at.is_(None))
                    .values(outcome=outcome, detail=detail, left_at=now))


def _open_steps(session: Session, run_ids: list[int], node_id: str, now: datetime,
                detail: str) -> None:
    """A waiting row at the step a kept wait goes on at, at the run's new pass."""
    if not run_ids:
        return
    table = Step.__table__
    session.execute(table.insert().from_select(
        ["run_id", "node_id", "visit", "outcome", "detail", "entered_at"],
        select(Run.id, literal(node_id), Run.visit, literal("waiting"), literal(detail),
               literal(now, UTCDateTime())).where(among(session, Run.id, run_ids))))


def _suppress_unsent(session: Session, run_ids: list[int], now: datetime, number: int) -> None:
    """Unsent messages of customers who left go nowhere, saying why (as archiving does)."""
    if not run_ids:
        return
    session.execute(update(Message).where(among(session, Message.run_id, run_ids),
                                          or_(brakes.UNSENT, HELD_ONLY))
                    .values(status=MessageStatus.SUPPRESSED, next_attempt_at=None,
                            reason=f"not sent: the customer left the journey when version "
                                   f"{number} was published", updated_at=now))
