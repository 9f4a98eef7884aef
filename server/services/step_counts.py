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
- with none kept (a first view, a new version, Redis restarted) the call counts at once, one
  view at a time: the others wait for its count.
Who is where now (runs per node and status) is always read live: one index read. With Redis
down, every call counts, as on a small journey. Answers say when they were counted
(`counted_at`), so the canvas can say how old its step figures are.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
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
"""How long a count holds its lock at most (a process that dies mid-count frees it then)."""

FIRST_WAIT = 30.0
"""Seconds a view with nothing kept waits for another view's count before counting itself."""

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
_redis_down = threading.Event()
"""Set while Redis does not answer, so the outage is logged once, not on every view."""

_UNLOCK = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0"""
"""Release a lock only if it is still ours (it may have expired and been taken again)."""


def read_step_counts(wl: Wayline, journey_id: int, number: int | None,
                     version_ids: list[int], goal: Goal | None, runs: int) -> StepCounts:
    """The step figures of a journey's versions `version_ids` (`runs` runs in scope): counted
    now on a small journey, else as kept (see the module's notes)."""
    if runs <= wl.settings.stats_live_runs:
        return _count_now(wl, version_ids, goal)
    key = KEY.format(journey=journey_id, version=number if number is not None else "live")
    try:
        kept = _load(wl, key, version_ids, goal)
    except RedisError as error:
        if not _redis_down.is_set():
            _redis_down.set()
            log.warning("stats: Redis did not answer (%s); counting on every view", error)
        return _count_now(wl, version_ids, goal)
    _redis_down.clear()
    if kept is None:
        return _first_count(wl, key, version_ids, goal)
    if wl.now() - kept.counted_at >= FRESH:
        _recount_later(wl, key, version_ids, goal)
    return kept


def count_steps(session: Session, version_ids: list[int], goal: Goal | None) -> StepCounts:
    """The three grouped reads, over the runs of `version_ids`."""
    in_scope = Run.journey_version_id.in_(version_ids) if version_ids else false()
    converted = case((converted_runs(goal), 1), else_=0)
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


def converted_runs(goal: Goal | None) -> ColumnElement[bool]:
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


def _first_count(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None
                 ) -> StepCounts:
    """Count with nothing kept, one view at a time: the others wait for its count (up to
    FIRST_WAIT), so a publish watched from many canvases costs one count, not one each."""
    try:
        token = _lock(wl, key)
    except RedisError:
        return _count_now(wl, version_ids, goal)
    if token is not None:
        try:
            return _count_and_keep(wl, key, version_ids, goal)
        finally:
            _unlock(wl, key, token)
    deadline = time.monotonic() + FIRST_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.2)
        with suppress(RedisError):
            kept = _load(wl, key, version_ids, goal)
            if kept is not None:
                return kept
    return _count_now(wl, version_ids, goal)


def _load(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None
          ) -> StepCounts | None:
    raw = wl.runtime.redis.get(key)
    if raw is None:
        return None
    try:
        kept = msgspec.json.decode(raw, type=_Kept)
    except msgspec.DecodeError as error:
        log.warning("stats: the count kept as %s can't be read (%s); counting again", key,
                    error)
        return None
    same = kept.version_ids == version_ids and kept.goal == (goal.event if goal else None)
    return kept.counts if same and kept.counts.counted_at is not None else None


def _keep(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None,
          counts: StepCounts) -> None:
    """Keep a count, unless a newer one is kept already (a slower count that started earlier
    must not replace it)."""
    kept = _Kept(version_ids=version_ids, goal=goal.event if goal else None, counts=counts)
    try:
        now = _load(wl, key, version_ids, goal)
        if now is None or now.counted_at is None or now.counted_at <= counts.counted_at:
            wl.runtime.redis.set(key, msgspec.json.encode(kept), ex=KEPT_FOR)
    except RedisError as error:
        log.warning("stats: the count of %s was not kept (%s)", key, error)


def _lock(wl: Wayline, key: str) -> str | None:
    """Take the lock of counting `key`: its token, or None when another holds it."""
    token = secrets.token_hex(8)
    taken = wl.runtime.redis.set(f"{key}:counting", token, nx=True, ex=LOCK_SECONDS)
    return token if taken else None


def _unlock(wl: Wayline, key: str, token: str) -> None:
    with suppress(RedisError):  # else the lock expires by itself
        wl.runtime.redis.eval(_UNLOCK, 1, f"{key}:counting", token)


def _recount_later(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None) -> None:
    """Start one recount of `key` in the background unless one is already queued here."""
    with _pending_lock:
        if key in _pending:
            return
        _pending.add(key)
    _recounts.submit(_recount, wl, key, version_ids, goal)


def _recount(wl: Wayline, key: str, version_ids: list[int], goal: Goal | None) -> None:
    """Count again unless another process is counting it now."""
    try:
        token = _lock(wl, key)
        if token is None:
            return
        try:
            _count_and_keep(wl, key, version_ids, goal)
        finally:
            _unlock(wl, key, token)
    except Exception:
        log.exception("stats: recounting %s failed; the next view tries again", key)
    finally:
        with _pending_lock:
            _pending.discard(key)
