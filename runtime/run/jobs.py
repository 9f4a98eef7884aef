"""RQ jobs, kept thin: each opens a session, calls one runtime function, commits, enqueues next.

Jobs carry ids and claim tokens, never objects. A worker process builds its `Runtime` (engine,
Redis, queues, channel adapters, clock) once and keeps it warm for every job it runs.
Queues: steps (batches of runs, sweeps) and deliveries (messages), so a slow provider never
holds customers back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import redis
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from runtime import insight
from runtime.clock import Clock, current_clock
from runtime.flow.enrollment import enroll_dates, enroll_segments
from runtime.messaging import consent_notices, syncs
from runtime.messaging.adapters import Adapter
from runtime.messaging.brakes import sending_stopped
from runtime.messaging.channels import adapters_from_settings, recorders
from runtime.messaging.compliance import MessageRules, install_rules, rules_from_settings
from runtime.messaging.delivery import Lease, deliver, due_messages, lease
from runtime.run import flight, guardrails, metrics
from runtime.run.batch import advance_runs
from runtime.run.sweeper import BATCH_SIZE, CLAIM_LIMIT, chunks, claim_due, new_token
from runtime.settings import Settings, load_settings
from runtime.store.db import make_engine, make_sessionmaker

log = logging.getLogger("wayline.worker")
sweep_log = logging.getLogger("wayline.sweeper")

STEPS_QUEUE = "wayline-steps"
DELIVERY_QUEUE = "wayline-delivery"

DELIVERY_BATCH = 500
"""Messages per delivery job."""

SWEEP_PENDING_KEY = "wayline:sweep:pending"
"""Set while a sweep is queued, so the ticker never piles sweeps up behind a slow one."""

ROLLUP_PENDING_KEY = "wayline:insight:pending"
"""Set while a rollup is queued or running (expires after ROLLUP_TIMEOUT if its worker died)."""

ROLLUP_RESTING_KEY = "wayline:insight:resting"
"""Set for ROLLUP_EVERY after a rollup ends: the next is queued when it expires."""

ROLLUP_TIMEOUT = 900
"""Seconds a rollup job may run: the first roll of a year of history takes minutes."""

SYNC_PENDING_KEY = "wayline:syncs:pending"
"""Set while a provider sync job is queued or running (expires after SYNC_TIMEOUT)."""

SYNC_RESTING_KEY = "wayline:syncs:resting"
"""Set for SYNC_EVERY after a provider sync job ends: the next is queued when it expires."""

SYNC_AT_KEY = "wayline:syncs:at:"
"""+ a sync's key: when it last ran (its interval counts from there)."""

SYNC_AT_TTL = 7 * 24 * 3600

SYNC_TIMEOUT = 600
"""Seconds a provider sync job may run."""

BACKLOG_LIMIT = 100
"""A sweep adds work to a queue only while fewer jobs than this wait there (backpressure).

Without it, a backlog longer than the claim timeout would make every sweep re-drive work
that is merely waiting, piling duplicate jobs on the queue faster than workers drain it.
A flushed (empty) queue is never above the limit, so lost work is re-driven at once.
"""

STEPS_BACKLOG = 24
"""Batch jobs a sweep tops the steps queue up to: a few seconds of work for two workers.

Sweeps run every tick at the front of the queue, so a short queue never runs dry, while a
long one would only hold claims (and lateness) longer than needed.
"""

CLAIM_CHUNK = 10 * BATCH_SIZE
"""Runs claimed per statement by a sweep: their jobs are queued before the next chunk is
claimed, so workers start on the first while the sweep claims the rest."""

WAKE_KEY = "wayline:wake"
"""Ids of runs woken by events and API calls, waiting for `wake_job` (a hint: SQL has them)."""

WAKE_PENDING_KEY = "wayline:wake:pending"
"""Set while a `wake_job` is queued or running, so one job drains the list at a time."""

WAKE_PENDING_SECONDS = 30
"""How long the flag outlives a job that died holding it: then the next wake queues a job."""

WAKE_BATCH = 500
"""Runs one round of `wake_job` takes at most."""

WAKE_SECONDS = 1.0
"""How long one `wake_job` drains before it hands over to a successor at the queue's front."""

FLIGHT_JOB_TIMEOUT = 3600
"""Seconds a move of customers in flight may take in one job (a million runs take a minute or
two; a job cut short is taken over by a sweep and goes on where it stopped)."""

FAILED_JOBS_KEPT = 86_400
"""Seconds a failed job stays in RQ's failed registry for an operator to look at."""

CONSENT_CURSOR_KEY = "wayline:consent:announced"
"""The last consent history row turned into a `consent_changed` event (lost: announced again
from the start, which the events' dedup keys make harmless)."""

ANNIVERSARY_KEY = "wayline:consent:anniversaries:"
"""+ a date (the workspace's): set once that day's consent anniversaries were recorded."""

CONSENT_LOCK_KEY = "wayline:consent:lock"
"""Set while a sweeper records consent events (one at a time)."""

ENTRY_INTERVALS = {"segments": 60, "dates": 300}
"""Seconds between evaluations of segment entries and date entries (one sweeper does each)."""


@dataclass
class Runtime:
    """A process's warm resources for running jobs."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: redis.Redis
    adapters: dict[str, Adapter]
    clock: Clock

    @property
    def steps(self) -> Queue:
        """The queue of batch and sweep jobs."""
        return Queue(STEPS_QUEUE, connection=self.redis)

    @property
    def deliveries(self) -> Queue:
        """The queue of delivery jobs."""
        return Queue(DELIVERY_QUEUE, connection=self.redis)

    @property
    def recorders(self) -> dict[str, Adapter]:
        """Adapters that only record: a batch writes their channels' messages sent."""
        return recorders(self.adapters)


_runtime: Runtime | None = None


def build_runtime(settings: Settings, redis_url: str, clock: Clock | None = None) -> Runtime:
    """A Runtime from settings and the Redis URL in effect."""
    from runtime.redis_server import connect

    engine = make_engine(settings.database)
    return Runtime(settings, engine, make_sessionmaker(engine), connect(redis_url),
                   adapters_from_settings(settings), clock or current_clock())


def install_runtime(value: Runtime | None) -> Runtime | None:
    """Make `value` this process's Runtime (tests, `wayline up`); returns the previous one.

    Its settings' message rules (advertising label, opt-out line, unsubscribe links) become
    the ones rendering applies in this process.
    """
    global _runtime
    previous, _runtime = _runtime, value
    install_rules(rules_from_settings(value.settings) if value is not None else MessageRules())
    return previous


def runtime() -> Runtime:
    """This process's Runtime, built from WAYLINE_* settings on first use (worker processes)."""
    global _runtime
    if _runtime is None:
        settings = load_settings()
        if not settings.redis_url:
            raise RuntimeError("WAYLINE_REDIS_URL is not set in this worker process")
        install_runtime(build_runtime(settings, settings.redis_url))
    assert _runtime is not None
    return _runtime


# --- the jobs ----------------------------------------------------------------------------------


def advance_job(run_ids: Sequence[int], token: str,
                journeys: Sequence[int] = ()) -> dict[str, int]:
    """Advance a batch of claimed runs; queue delivery of the messages they wrote.

    `journeys` (the runs' journey ids) only labels the log line.
    """
    return _advance_claimed(runtime(), run_ids, token, journeys)


def wake_job() -> dict[str, int]:
    """Move the runs events and API calls have woken (`wake`), in micro-batches.

    Each round takes what has gathered in the wake list since the last one (at most a batch),
    claims it and advances it in this job — no further job per batch. While a round runs, the
    next one gathers: under load the batches grow, at rest a single run moves at once. The job
    ends when the list is empty, or after `WAKE_SECONDS` (queueing its successor), so a
    worker's deliveries never wait long behind it.
    """
    rt = runtime()
    started = time.monotonic()
    done = {"rounds": 0, "advanced": 0, "messages": 0}
    while True:
        ids = [int(value) for value in rt.redis.lpop(WAKE_KEY, WAKE_BATCH) or ()]
        if not ids:
            rt.redis.delete(WAKE_PENDING_KEY)
            # A run pushed between the last pop and the delete found the flag still set and
            # queued no job: look once more, and go on if this job can take the flag again.
            if rt.redis.llen(WAKE_KEY) and rt.redis.set(WAKE_PENDING_KEY, "1", nx=True,
                                                         ex=WAKE_PENDING_SECONDS):
                continue
            return done
        token = new_token()
        with rt.sessions() as session:
            claimed = claim_due(session, rt.clock.now(), token, limit=len(ids), run_ids=ids,
                                stale=timedelta(seconds=rt.settings.claim_timeout))
            session.commit()
        if claimed:
            batch = _advance_claimed(rt, *_batch_args(claimed, token))
            done["advanced"] += batch["advanced"]
            done["messages"] += batch["messages"]
        done["rounds"] += 1
        if time.monotonic() - started > WAKE_SECONDS:
            rt.redis.expire(WAKE_PENDING_KEY, WAKE_PENDING_SECONDS)
            _queue_wake_job(rt)
            return done


def wake(rt: Runtime, run_ids: Sequence[int]) -> None:
    """Have these due runs moved now: pushed on the wake list, and a `wake_job` queued unless
    one is queued or running already (one Redis round trip, two when a job is queued).

    The list is only a hint: a run it loses (Redis flushed, a worker killed) is due in SQL,
    and the sweeper moves it within a tick.
    """
    if not run_ids:
        return
    pipe = rt.redis.pipeline(transaction=False)
    pipe.rpush(WAKE_KEY, *run_ids)
    pipe.set(WAKE_PENDING_KEY, "1", nx=True, ex=WAKE_PENDING_SECONDS)
    _length, first = pipe.execute()
    if first:
        _queue_wake_job(rt)


def _queue_wake_job(rt: Runtime) -> None:
    """A `wake_job` at the front of the steps queue (the caller holds the pending flag)."""
    rt.steps.enqueue(wake_job, job_timeout=300, result_ttl=0, failure_ttl=3600, at_front=True)


def _advance_claimed(rt: Runtime, run_ids: Sequence[int], token: str,
                     journeys: Sequence[int]) -> dict[str, int]:
    """Advance runs claimed with `token`; queue delivery of the messages they wrote."""
    started = time.perf_counter()
    now = rt.clock.now()
    # Queued messages are written already leased to the delivery job queued after the commit.
    held = Lease([], now + timedelta(seconds=rt.settings.claim_timeout))
    with rt.sessions() as session:
        result = advance_runs(session, run_ids, token, now, recorders=rt.recorders,
                              leased_until=held.until)
    _enqueue_deliveries(rt, Lease(result.messages, held.until))
    _count(metrics.count_batch, rt.redis, result.advanced, result.steps, len(result.messages))
    done = {"advanced": result.advanced, "skipped": result.skipped, "steps": result.steps,
            "messages": len(result.messages)}
    log.info("batch: %d runs advanced, %d steps, %d messages", result.advanced, result.steps,
             len(result.messages), extra={"journey_ids": list(journeys),
                                          "batch_size": len(run_ids), **done,
                                          "duration_ms": _ms_since(started)})
    return done


def deliver_job(message_ids: Sequence[int], leased_until: str) -> dict[str, int]:
    """Deliver queued messages through their channels (those the job's lease still holds)."""
    rt = runtime()
    started = time.perf_counter()
    with rt.sessions() as session:
        report = deliver(session, message_ids, rt.adapters, rt.clock.now(),
                         leased_until=datetime.fromisoformat(leased_until), redis=rt.redis,
                         concurrency=rt.settings.provider_concurrency)
    watch_guardrails(rt, report.calls_by_journey())
    with rt.sessions() as session:
        if report.fallbacks:  # KakaoTalk gave up: its text messages go now, not at next sweep
            now = rt.clock.now()
            fallbacks = lease(session, report.fallbacks, now, rt.settings.claim_timeout)
            session.commit()
            _enqueue_deliveries(rt, fallbacks)
    done = {"sent": len(report.sent), "retried": len(report.retried),
            "failed": len(report.failed), "skipped": len(report.skipped)}
    _count(metrics.count_deliveries, rt.redis, done)
    log.log(logging.INFO if len(report.skipped) < len(message_ids) else logging.DEBUG,
            "delivery: %d sent, %d to retry, %d failed", *list(done.values())[:3],
            extra={"batch_size": len(message_ids), **done, "duration_ms": _ms_since(started)})
    return done


def sweep_job() -> dict[str, int]:
    """Claim everything due and queue it; run entry evaluations when their time has come."""
    rt = runtime()
    started = time.perf_counter()
    rt.redis.delete(SWEEP_PENDING_KEY)
    entered = _periodic_entries(rt)
    _consent_notices(rt)
    _start_flight_moves(rt)
    _queue_rollup(rt)
    _queue_provider_sync(rt)
    room = STEPS_BACKLOG - rt.steps.count
    claimed = dispatch_due(rt, limit=room * BATCH_SIZE) if room > 0 else 0
    held = Lease([], rt.clock.now())
    if rt.deliveries.count < BACKLOG_LIMIT:
        with rt.sessions() as session:
            now = rt.clock.now()
            if sending_stopped(session) is None:  # stopped: every message keeps its place
                held = lease(session, due_messages(session, now,
                                                   limit=BACKLOG_LIMIT * DELIVERY_BATCH),
                             now, rt.settings.claim_timeout)
                session.commit()
        _enqueue_deliveries(rt, held)
    done = {"claimed": claimed, "messages": len(held.ids), "entered": entered}
    # Twice a second, mostly finding nothing: only a sweep that found work is worth a line.
    sweep_log.log(logging.INFO if any(done.values()) else logging.DEBUG,
                  "sweep: %d runs claimed, %d messages re-queued, %d customers entered",
                  claimed, len(held.ids), entered,
                  extra={**done, "duration_ms": _ms_since(started)})
    return done


def move_flight_job(move_id: int) -> dict[str, int]:
    """Carry out a move of customers in flight (`runtime.run.flight`), in batches; the
    customers who arrive at a step now are moved at once."""
    rt = runtime()
    started = time.perf_counter()
    carried = flight.carry_out(rt.sessions, move_id, rt.clock.now,
                               batch=rt.settings.flight_batch,
                               woken=lambda run_ids: wake(rt, run_ids))
    done = {"moved": carried.moved, "left": carried.left, "batches": carried.batches,
            "longest_batch_ms": round(carried.longest * 1000, 1)}
    log.info("flight move %d: %d customers moved, %d left, in %d batches", move_id,
             carried.moved, carried.left, carried.batches,
             extra={**done, "duration_ms": _ms_since(started)})
    return done


def rollup_job() -> dict[str, bool]:
    """Roll the insight summaries that are due (`runtime.insight`); which rolled."""
    rt = runtime()
    try:
        return insight.roll_up(rt.sessions, rt.clock.now(), ZoneInfo(rt.settings.timezone))
    finally:
        every = int(insight.ROLLUP_EVERY.total_seconds())
        rt.redis.set(ROLLUP_RESTING_KEY, "1", ex=every)
        rt.redis.delete(ROLLUP_PENDING_KEY)


def provider_sync_job(force: bool = False) -> dict[str, Any]:
    """Run the provider syncs that are due (`runtime.messaging.syncs`): what each did."""
    rt = runtime()
    now = rt.clock.now()
    try:
        offered = syncs.offered(rt.adapters)
        last = {task.key: _stamp_of(rt.redis.get(f"{SYNC_AT_KEY}{task.key}"))
                for task in offered}
        tasks = syncs.due(offered, last, now, force)
        for task in tasks:
            rt.redis.set(f"{SYNC_AT_KEY}{task.key}", now.isoformat(), ex=SYNC_AT_TTL)
        return syncs.run_syncs(syncs.SyncContext(rt.sessions, rt.adapters, now,
                                                  partial(wake, rt)), tasks)
    finally:
        rt.redis.set(SYNC_RESTING_KEY, "1", ex=int(syncs.SYNC_EVERY.total_seconds()))
        rt.redis.delete(SYNC_PENDING_KEY)


def _stamp_of(value: bytes | None) -> datetime | None:
    return datetime.fromisoformat(value.decode()) if value else None


def _queue_provider_sync(rt: Runtime) -> None:
    """Queue the provider syncs SYNC_EVERY after the last ended, never two at once."""
    if not syncs.offered(rt.adapters) or rt.redis.exists(SYNC_RESTING_KEY):
        return
    if rt.redis.set(SYNC_PENDING_KEY, "1", nx=True, ex=SYNC_TIMEOUT):
        rt.deliveries.enqueue(provider_sync_job, job_timeout=SYNC_TIMEOUT, result_ttl=0,
                              failure_ttl=FAILED_JOBS_KEPT)


def _queue_rollup(rt: Runtime) -> None:
    """Queue a rollup ROLLUP_EVERY after the last one ended, never two at once, across all
    sweepers; behind the steps already queued, since a chart a minute old is fine and a late
    customer is not."""
    if rt.redis.exists(ROLLUP_RESTING_KEY):
        return
    if rt.redis.set(ROLLUP_PENDING_KEY, "1", nx=True, ex=ROLLUP_TIMEOUT):
        rt.steps.enqueue(rollup_job, job_timeout=ROLLUP_TIMEOUT, result_ttl=0,
                         failure_ttl=FAILED_JOBS_KEPT)


def _start_flight_moves(rt: Runtime) -> None:
    """Queue a job for each move no worker holds: a new one, or one whose worker died."""
    with rt.sessions() as session:
        taken = flight.take_unfinished(session, rt.clock.now())
        session.commit()
    for move_id in taken:
        rt.steps.enqueue(move_flight_job, move_id, job_timeout=FLIGHT_JOB_TIMEOUT,
                         result_ttl=0, failure_ttl=FAILED_JOBS_KEPT)


# --- helpers the server and the jobs share -------------------------------------------------------


def dispatch_due(rt: Runtime, limit: int = CLAIM_LIMIT) -> int:
    """Claim due runs (at most `limit`) and queue them in batches; how many.

    Claims go in chunks, each queued before the next is claimed, so work starts at once.
    """
    total = 0
    while total < limit:
        wanted = min(CLAIM_CHUNK, limit - total)
        token = new_token()
        with rt.sessions() as session:
            claimed = claim_due(session, rt.clock.now(), token, limit=wanted,
                                stale=timedelta(seconds=rt.settings.claim_timeout))
            session.commit()
        jobs = [Queue.prepare_data(advance_job, args=_batch_args(batch, token), timeout=600,
                                   result_ttl=0, failure_ttl=FAILED_JOBS_KEPT)
                for batch in chunks(claimed, BATCH_SIZE)]
        if jobs:
            rt.steps.enqueue_many(jobs)
            sweep_log.debug("queued %d runs in %d batches", len(claimed), len(jobs),
                            extra={"journey_ids": sorted({j for _, j in claimed}),
                                   "batch_size": BATCH_SIZE})
        total += len(claimed)
        if len(claimed) < wanted:
            return total
    return total


def _batch_args(batch: Sequence[tuple[int, int]], token: str) -> tuple[Any, ...]:
    """advance_job's arguments for (run id, journey id) pairs."""
    return [run_id for run_id, _ in batch], token, sorted({journey for _, journey in batch})


def _count(add: Callable[..., None], *args: Any) -> None:
    """Add to the shared metrics; a Redis hiccup loses a count, never the job's work."""
    try:
        add(*args)
    except redis.RedisError as error:
        log.warning("metrics not counted: %s", error)


def watch_guardrails(rt: Runtime, counts: dict[int, dict[str, int]]) -> list[int]:
    """Count what happened per journey and pause those it takes over a limit
    (`runtime.run.guardrails`); the journeys paused. A Redis hiccup skips one judgement: it is
    logged, and the delivery's own work stands."""
    if not counts:
        return []
    now = rt.clock.now()
    try:
        guardrails.note(rt.redis, counts, now)
        return guardrails.check(rt.sessions, rt.redis, rt.adapters, counts, now,
                                rt.settings.public_url)
    except redis.RedisError as error:
        log.warning("guardrails not checked: %s", error)
        return []


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _enqueue_deliveries(rt: Runtime, held: Lease) -> None:
    jobs = [Queue.prepare_data(deliver_job, args=(batch, held.until.isoformat()), timeout=600,
                               result_ttl=0, failure_ttl=FAILED_JOBS_KEPT)
            for batch in chunks(held.ids, DELIVERY_BATCH)]
    for start in range(0, len(jobs), 1000):
        rt.deliveries.enqueue_many(jobs[start:start + 1000])


def _periodic_entries(rt: Runtime) -> int:
    """Evaluate segment and date entries, each at most once per interval across all workers."""
    entered = 0
    now = rt.clock.now()
    for name, work in (("segments", enroll_segments), ("dates", enroll_dates)):
        last = rt.redis.get(f"wayline:entries:{name}:at")
        if last and (now - datetime.fromisoformat(last.decode())).total_seconds() < \
                ENTRY_INTERVALS[name]:
            continue
        if not rt.redis.set(f"wayline:entries:{name}:lock", "1", nx=True, ex=300):
            continue  # another sweeper is evaluating it right now
        try:
            with rt.sessions() as session:
                entered += work(session, now)
                session.commit()
            rt.redis.set(f"wayline:entries:{name}:at", now.isoformat())
        finally:
            rt.redis.delete(f"wayline:entries:{name}:lock")
    return entered


def _consent_notices(rt: Runtime) -> None:
    """Record the consent events the built-in consent journeys enter on
    (`runtime.messaging.consent_notices`): the changes since the last sweep, and once a day the
    anniversaries; one sweeper at a time."""
    if not rt.redis.set(CONSENT_LOCK_KEY, "1", nx=True, ex=300):
        return
    try:
        now, zone = rt.clock.now(), ZoneInfo(rt.settings.timezone)
        after = int(rt.redis.get(CONSENT_CURSOR_KEY) or 0)
        day = ANNIVERSARY_KEY + now.astimezone(zone).date().isoformat()
        with rt.sessions() as session:
            runs, last = consent_notices.announce_changes(session, after, now, zone)
            if not rt.redis.exists(day):
                runs += consent_notices.announce_anniversaries(session, now, zone)
            session.commit()
        rt.redis.set(CONSENT_CURSOR_KEY, last)
        rt.redis.set(day, "1", ex=3 * 86_400)
        wake(rt, runs)
    finally:
        rt.redis.delete(CONSENT_LOCK_KEY)
