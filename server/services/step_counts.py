"""The costly part of a journey's live stats: steps per node and output, messages per node and
status, and the median stay per node, read from the step log and the send ledger.

On a small journey they are counted for every call (tens of milliseconds). On a journey with
more than `stats_live_runs` runs in scope (WAYLINE_STATS_LIVE_RUNS, default 20,000) a count
reads every step of every run — seconds at 100,000 runs — and each open canvas asks every 3 s,
so they are counted in the background and kept in Redis, as Braze and Customer.io show canvas
figures "as of" a moment:

- a count younger than FRESH is served as it is;
- an older one is served too, and one recount starts in the background (one at a time per
  journey and version across web processes: a lock in Redis);
- with none kept (a first view, a new version, Redis restarted) the call counts at once.
Who is where now (runs per node and status) is always read live: one index read. With Redis
down, every call counts, as on a small journey. Answers say when they were counted
(`counted_at`), so the canvas can say how old its step figures are.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta

import msgspec
from redis import RedisError
from sqlalchemy import ColumnElement, case, false, func, select
from sqlalchemy.orm import Session

from builder.document import Goal
from runtime.store.models import Message, Run, Step
from server.context import Wayline

log = logging.getLogger(__name__)

FRESH = timedelta(seconds=10)
"""How old a kept count may be before a view starts a recount (the canvas polls every 3 s)."""

KEPT_FOR = 3600
"""Seconds Redis keeps a count nobody asked for again."""

LOCK_SECONDS = 300
"""How long a recount holds its lock at most (a process that dies mid-count frees it then)."""

KEY = "wayline:stats:{journey}:{version}"


class StepCounts(msgspec.Struct):
    """Steps per (node, output) with how many of their runs converted, messages per
    (node, status), the median seconds spent per node, and when they were counted (None:
    for this answer)."""

    steps: list[tuple[str, str | None, int, int]]
    messages: list[tuple[str, str, int]]
    medians: dict[str, float]
    counted_at: datetime | None = None


class _Kept(msgspec.Struct):
    """A count as Redis keeps it, with what it counted (a new version or goal voids it)."""

    version_ids: list[int]
    goal: str | None
    counts: StepCounts


_recounts = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wayline-stats")
"""Recounts run one at a time per process, beside the requests."""
_pending: set[str] = set()
_pending_lock = threading.Lock()


def step_counts(wl: Wayline, journey_id: int, number: int | None, version_ids: list[int],
                goal: Goal | None, runs: int) -> StepCounts:
    """The step figures of a journey's versions `version_ids` (`runs` runs in scope): counted
    now on a small journey, else as kept (see the module's notes)."""
    if runs <= wl.settings.stats_live_runs:
        return _count_now(wl, version_ids, goal)
    key = KEY.format(journey=journey_id, version=number if number is not None else "live")
    try:
        kept = _load(wl, key, version_ids, goal)
    except RedisError as error:
        log.warning("stats: Redis did not answer (%s); counting at once", error)
        return _count_now(wl, version_ids, goal)
    if kept is None:
        return _count_and_keep(wl, key, version_ids, goal)
    if wl.now() - kept.counted_at >= FRESH:
        _recount_later(wl, key, version_ids, goal)
    return kept


def count_steps(session: Session, version_ids: list[int], goal: Goal | None) -> StepCounts:
    """The three grouped reads, over the runs of `version_ids`."""
    in_scope = Run.journey_version_id.in_(version_ids) if version_ids else false()
    converted = case((_converted(goal), 1), else_=0)
    steps = session.execute(
        select(Step.node_id, Step.port, func.count(), func.sum(converted))
        .join(Run, Run.id == Step.run_id).where(in_scope)
        .group_by(Step.node_id, Step.port)).all()
    messages = session.execute(
        select(Message.node_id, Message.status, func.count())
        .join(Run, Run.id == Message.run_id).where(in_scope)
        .group_by(Message.node_id, Message.status)).all()
    return StepCounts(
        steps=[(node_id, port, count, int(won or 0)) for node_id, port, count, won in steps],
        messages=[(node_id, str(getattr(status, "value", status)), count)
                  for node_id, status, count in messages],
        medians=_median_seconds(session, in_scope))


def _converted(goal: Goal | None) -> ColumnElement[bool]:
    """A run converted: ingest recorded the goal event within the goal's window after entry."""
    return Run.converted_at.is_not(None) if goal is not None else false()


def _median_seconds(session: Session, in_scope: ColumnElement[bool]) -> dict[str, float]:
    """Per node, the median time customers spent there (of those who have moved on).

    PostgreSQL computes it with percentile_cont; SQLite has no percentile function, so the
    middle row (or the two middle rows) of each node's ordered durations are averaged.
    """
    left = Step.left_at.is_not(None)
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", Step.left_at - Step.entered_at)
        rows = session.execute(
            select(Step.node_id, func.percentile_cont(0.5).within_group(seconds))
            .join(Run, Run.id == Step.run_id).where(in_scope, left)
            .group_by(Step.node_id)).all()
    else:
        seconds = (func.julianday(Step.left_at) - func.julianday(Step.entered_at)) * 86400.0
        ranked = (select(Step.node_id.label("node_id"), seconds.label("seconds"),
                         func.row_number().over(partition_by=Step.node_id,
                                                order_by=seconds).label("rank"),
                         func.count().over(partition_by=Step.node_id).label("size"))
                  .join(Run, Run.id == Step.run_id).where(in_scope, left).subquery())
        middle = ranked.c.rank.in_([(ranked.c.size + 1) // 2, (ranked.c.size + 2) // 2])
        rows = session.execute(select(ranked.c.node_id, func.avg(ranked.c.seconds))
                               .where(middle).group_by(ranked.c.node_id)).all()
    # Milliseconds: SQLite's julianday keeps no finer, and no marketer needs finer.
    return {node_id: round(float(value), 3) for node_id, value in rows if value is not None}


def _count_now(wl: Wayline, version_ids: list[int], goal: Goal | None) -> StepCounts:
    with wl.reading() as session:
        return count_steps(session, version_ids, goal)


def _count_and_keep(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None
                    ) -> StepCounts:
    started = wl.now()  # what it counts is at least as new as this
    counts = _count_now(wl, version_ids, goal)
    counts.counted_at = started
    _keep(wl, key, version_ids, goal, counts)
    return counts


def _load(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None
          ) -> StepCounts | None:
    raw = wl.runtime.redis.get(key)
    if raw is None:
        return None
    try:
        kept = msgspec.json.decode(raw, type=_Kept)
    except msgspec.DecodeError:
        return None
    same = kept.version_ids == version_ids and kept.goal == (goal.event if goal else None)
    return kept.counts if same and kept.counts.counted_at is not None else None


def _keep(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None,
          counts: StepCounts) -> None:
    kept = _Kept(version_ids=version_ids, goal=goal.event if goal else None, counts=counts)
    try:
        wl.runtime.redis.set(key, msgspec.json.encode(kept), ex=KEPT_FOR)
    except RedisError as error:
        log.warning("stats: the count of %s was not kept (%s)", key, error)


def _recount_later(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None) -> None:
    """Start one recount of `key` in the background unless one runs here or elsewhere."""
    with _pending_lock:
        if key in _pending:
            return
        _pending.add(key)
    try:
        locked = wl.runtime.redis.set(f"{key}:counting", "1", nx=True, ex=LOCK_SECONDS)
    except RedisError:
        locked = False
    if not locked:
        _done(key)
        return
    _recounts.submit(_recount, wl, key, version_ids, goal)


def _recount(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None) -> None:
    with _finally_done(wl, key):
        _count_and_keep(wl, key, version_ids, goal)


@contextmanager
def _finally_done(wl: Wayline, key: str) -> Iterator[None]:
    try:
        yield
    except Exception:
        log.exception("stats: recounting %s failed; the next view tries again", key)
    finally:
        with suppress(RedisError):  # else the lock expires by itself
            wl.runtime.redis.delete(f"{key}:counting")
        _done(key)


def _done(key: str) -> None:
    with _pending_lock:
        _pending.discard(key)
