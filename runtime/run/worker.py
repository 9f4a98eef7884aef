"""A Wayline worker: an RQ SimpleWorker on the steps and delivery queues, plus the ticker.

SimpleWorker runs jobs in its own process (measured here: ~250 jobs/s against ~40 for the
forking worker, which also loses warm connections). The ticker, a thread in every worker,
enqueues a sweep every tick, at the front of the steps queue — but only in the worker that
holds the leader lease in Redis, so N workers still sweep once. If the leader dies, its lease
expires and another takes over.

Outages are ridden through (DESIGN §11): when Redis goes away, every thread that notices waits
on one `RedisWatch` (a ping with capped, jittered backoff; one log line when Redis goes and one
when it is back), and a work loop RQ gave up on starts over with the worker registered again.
The ticker takes the lease again once Redis answers; a Redis restarted empty loses its queues,
and the sweeper re-drives the runs and messages they carried once their claims and leases
expire. A database outage fails the jobs that needed it (said once, not with a traceback per job,
and once more when a job succeeds again); the same re-drive makes them good.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from rq import Queue
from rq.exceptions import StopRequested
from rq.worker import SimpleWorker

from runtime.outages import REDIS_DOWN, service_down
from runtime.run.jobs import (
    DELIVERY_QUEUE,
    STEPS_QUEUE,
    SWEEP_PENDING_KEY,
    Runtime,
    install_runtime,
    sweep_job,
)

log = logging.getLogger("wayline.worker")

TICK_SECONDS = 0.5
"""How often the leader enqueues a sweep: the resolution of every timer. A sweep that finds
nothing due costs a few indexed queries, so twice a second halves the wait for the next tick
(and the lateness of timers) for about 1 % of one worker."""

LEADER_LEASE_MS = 5000
"""How long the ticker's leadership lasts without renewal."""

LEADER_KEY = "wayline:ticker:leader"

GC_THRESHOLDS = (50_000, 20, 50)
"""Allocations between young collections, and the usual ratios: a batch allocates hundreds
of thousands of short-lived objects, and Python's default (700) collects hundreds of times
per batch, ~6 % of a worker's time measured (bench/profile_batch.py --gc)."""


REDIS_RETRY_FIRST = 0.5
"""Seconds before the first retry when Redis stops answering."""

REDIS_RETRY_MAX = 5.0
"""The longest wait between retries (before jitter): a Redis back after an outage is in use
again within this, while a long outage costs a ping every few seconds."""

RESTART_PAUSE = 1.0
"""Seconds between a work loop that quit and the next, so a loop that keeps failing (not on
Redis) cannot spin."""


class Outage:
    """One service as this worker sees it: a line when it goes away, one when it is back."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._lock = threading.Lock()
        self.down_since: float | None = None

    def went_away(self, error: BaseException | str) -> None:
        """Note that the service failed (logged only if it was up until now)."""
        with self._lock:
            if self.down_since is None:
                self.down_since = time.monotonic()
                log.warning("%s unreachable, retrying (%s)", self.service,
                            (str(error).splitlines() or [type(error).__name__])[0][:200])

    def back(self) -> None:
        """Note that the service answered (logged only if it was down until now)."""
        with self._lock:
            if self.down_since is not None:
                log.warning("%s back after %.0f s", self.service,
                            time.monotonic() - self.down_since)
                self.down_since = None


class RedisWatch(Outage):
    """Waits out a Redis outage for every thread of a worker, saying so once when Redis goes
    away and once when it is back (not a line per retry)."""

    def __init__(self, client: redis.Redis, stopping: threading.Event) -> None:
        super().__init__("Redis")
        self.client, self.stopping = client, stopping

    def wait(self) -> bool:
        """Block until Redis answers PING (True), or until the worker is stopping (False)."""
        delay = REDIS_RETRY_FIRST
        while not self.stopping.is_set():
            try:
                self.client.ping()
            except REDIS_DOWN as error:
                self.went_away(error)
                self.stopping.wait(delay * random.uniform(0.5, 1.0))  # jitter: no herd
                delay = min(delay * 2, REDIS_RETRY_MAX)
                continue
            self.back()
            return True
        return False


class QuietReconnects(logging.Filter):
    """Turns RQ's lines about Redis being down into the watch's one line per outage: its line
    per failed dequeue ("could not connect to Redis instance"), and the traceback of a work
    loop that stopped on a Redis error (the loop starts again)."""

    def __init__(self, watch: RedisWatch) -> None:
        super().__init__()
        self.watch = watch

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and service_down(error) == "redis":
            self.watch.went_away(error)
            return False
        if "could not connect to Redis instance" in str(record.msg):
            self.watch.went_away(record.getMessage())
            return False
        return True


def tune_garbage_collector() -> None:
    """Collect less often, and never scan what start-up loaded (modules, the warm Runtime)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class Ticker(threading.Thread):
    """Enqueues a sweep every tick while this process leads; stops when told."""

    def __init__(self, rt: Runtime, identity: str, watch: RedisWatch | None = None) -> None:
        super().__init__(name="wayline-ticker", daemon=True)
        self.rt, self.identity = rt, identity
        self.stopping = watch.stopping if watch else threading.Event()
        self.watch = watch or RedisWatch(rt.redis, self.stopping)

    def run(self) -> None:
        while not self.stopping.wait(TICK_SECONDS):
            try:
                self.tick()
            except REDIS_DOWN as error:  # wait it out; the lease is taken again after
                self.watch.went_away(error)
                self.watch.wait()
            except Exception:  # anything else must not kill the ticker; say so and go on
                log.exception("ticker: tick failed")

    def tick(self) -> bool:
        """Renew or take the lead; if leading and no sweep is pending, enqueue one."""
        if not self.is_leader():
            return False
        if self.rt.redis.set(SWEEP_PENDING_KEY, self.identity, nx=True, ex=30):
            # At the front: a sweep tops the queue up before it runs dry, not after.
            self.rt.steps.enqueue(sweep_job, job_timeout=300, result_ttl=0, failure_ttl=3600,
                                  at_front=True)
        return True

    def is_leader(self) -> bool:
        """True when this process holds (and has now renewed) the leader lease."""
        redis = self.rt.redis
        if redis.set(LEADER_KEY, self.identity, nx=True, px=LEADER_LEASE_MS):
            return True
        if redis.get(LEADER_KEY) == self.identity.encode():
            redis.pexpire(LEADER_KEY, LEADER_LEASE_MS)
            return True
        return False


class WaylineWorker(SimpleWorker):
    """RQ's SimpleWorker, whose command listener (RQ's pubsub thread) wakes every second.

    RQ starts that thread with a 60 s read timeout, and redis-py 8.2 waits for the thread when
    the worker stops: every stop, and every burst run, would then take up to a minute."""

    LISTEN_SECONDS = 1

    def __init__(self, *args: Any, watch: RedisWatch | None = None,
                 database: Outage | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # RQ's own `rq worker --worker-class …` makes one without a watch: it gets its own.
        self.watch = watch or RedisWatch(self.connection, threading.Event())
        self.database = database or Outage("Database")
        self.stop_asked = False

    def handle_exception(self, job: Any, *exc_info: Any) -> None:
        """RQ's log line and traceback for a failed job, except when Redis or the database is
        down: then one line per outage. (The job's runs and messages are re-driven.)"""
        service = service_down(exc_info[1]) if len(exc_info) > 1 else None
        if service is None:
            return super().handle_exception(job, *exc_info)
        (self.watch if service == "redis" else self.database).went_away(exc_info[1])
        return None

    def perform_job(self, job: Any, queue: Any, execution: Any) -> bool:
        """RQ's perform_job; a job that succeeded reached the database (every job uses it)."""
        done = super().perform_job(job, queue, execution)
        if done:
            self.database.back()
        return done

    def handle_warm_shutdown_request(self) -> None:
        """Remember that a signal asked the worker to stop (not Redis failing)."""
        self.stop_asked = True
        self.watch.stopping.set()  # a wait for Redis ends: nothing more to do
        super().handle_warm_shutdown_request()

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """RQ's heartbeat; while Redis is down, wait for it (RQ's dequeue loop heartbeats
        before each try, so an idle worker rides an outage out here)."""
        while True:
            try:
                return super().heartbeat(timeout, pipeline)
            except REDIS_DOWN as error:
                if pipeline is not None:
                    raise
                self.watch.went_away(error)
                if not self.watch.wait():
                    raise StopRequested from error  # RQ's loop ends on this, not on errors

    def _pubsub_exception_handler(self, exc: Exception, pubsub: Any, thread: Any) -> None:
        """The command listener waits out an outage with the others (RQ logs every 2 s)."""
        if not isinstance(exc, REDIS_DOWN):
            return super()._pubsub_exception_handler(exc, pubsub, thread)
        self.watch.went_away(exc)
        if not self.watch.wait():
            time.sleep(self.LISTEN_SECONDS)  # stopping: the process ends soon

    def subscribe(self) -> None:
        """Listen for commands on this worker's channel (RQ's subscribe, a shorter wait)."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=self.LISTEN_SECONDS, daemon=True,
            exception_handler=self._pubsub_exception_handler)


def run_worker(rt: Runtime, burst: bool = False, ticker: bool = True) -> None:
    """Run a worker in this process until stopped (or, with burst, until the queues are empty).

    RQ's work loop quits on a Redis error it does not expect (a job finishing, maintenance);
    then this waits for Redis and starts the loop again, until a signal asks it to stop.
    """
    install_runtime(rt)
    identity = f"{socket.gethostname()}:{os.getpid()}"
    stopping = threading.Event()
    watch, database = RedisWatch(rt.redis, stopping), Outage("Database")
    clock_thread = Ticker(rt, identity, watch) if ticker and not burst else None
    if clock_thread:
        clock_thread.start()
    queues = [Queue(STEPS_QUEUE, connection=rt.redis), Queue(DELIVERY_QUEUE, connection=rt.redis)]
    if not burst:
        tune_garbage_collector()
    quiet = QuietReconnects(watch)
    logging.getLogger("rq.worker").addFilter(quiet)
    # RQ logs four lines per job; with a sweep every second that buries everything else,
    # so its per-job lines show only when Wayline itself is asked for DEBUG.
    chatter = rt.settings.log_level if rt.settings.log_level == "DEBUG" else "WARNING"
    try:
        while True:
            worker = None
            try:  # RQ's worker talks to Redis from its constructor on
                worker = WaylineWorker(queues, connection=rt.redis, name=f"wayline-{identity}",
                                       watch=watch, database=database)
                worker.work(burst=burst, logging_level=chatter, with_scheduler=False)
            except REDIS_DOWN as error:  # down at start, or when registering the loop's end
                if burst:
                    raise
                watch.went_away(error)
            if burst or (worker and worker.stop_asked) or not _wait_for_redis(watch, rt.redis,
                                                                              identity):
                return
    finally:
        stopping.set()
        logging.getLogger("rq.worker").removeFilter(quiet)


def _wait_for_redis(watch: RedisWatch, client: redis.Redis, identity: str) -> bool:
    """Between two work loops: wait for Redis (a signal stops the wait) and clear the old
    loop's registration, which it could not remove itself; False when asked to stop."""
    def stop(_signum: int, _frame: Any) -> None:
        watch.stopping.set()

    previous = _handle_signals(stop)
    try:
        if not watch.wait() or watch.stopping.wait(RESTART_PAUSE):
            return False
        client.delete(WaylineWorker.redis_worker_namespace_prefix + f"wayline-{identity}")
        return True
    except REDIS_DOWN as error:  # gone again between the ping and the delete: next loop waits
        watch.went_away(error)
        return not watch.stopping.is_set()
    finally:
        _handle_signals(previous)


def _handle_signals(handler: Callable[..., Any] | Any) -> Any:
    """Install `handler` for SIGTERM and SIGINT; the handler that was there before."""
    previous = signal.getsignal(signal.SIGTERM)
    handler = signal.SIG_DFL if handler is None else handler  # None: not set from Python
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return previous
