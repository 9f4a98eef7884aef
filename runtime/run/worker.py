"""A Wayline worker: an RQ SimpleWorker on the steps and delivery queues, plus the ticker.

SimpleWorker runs jobs in its own process (measured here: ~250 jobs/s against ~40 for the
forking worker, which also loses warm connections). The ticker, a thread in every worker,
enqueues a sweep every tick, at the front of the steps queue — but only in the worker that
holds the leader lease in Redis, so N workers still sweep once. If the leader dies, its lease
expires and another takes over.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading

from rq import Queue
from rq.worker import SimpleWorker

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


def tune_garbage_collector() -> None:
    """Collect less often, and never scan what start-up loaded (modules, the warm Runtime)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class Ticker(threading.Thread):
    """Enqueues a sweep every tick while this process leads; stops when told."""

    def __init__(self, rt: Runtime, identity: str) -> None:
        super().__init__(name="wayline-ticker", daemon=True)
        self.rt, self.identity = rt, identity
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(TICK_SECONDS):
            try:
                self.tick()
            except Exception:  # a Redis hiccup must not kill the ticker; say so and go on
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

    def subscribe(self) -> None:
        """Listen for commands on this worker's channel (RQ's subscribe, a shorter wait)."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=self.LISTEN_SECONDS, daemon=True,
            exception_handler=self._pubsub_exception_handler)


def run_worker(rt: Runtime, burst: bool = False, ticker: bool = True) -> None:
    """Run a worker in this process until stopped (or, with burst, until the queues are empty)."""
    install_runtime(rt)
    identity = f"{socket.gethostname()}:{os.getpid()}"
    clock_thread = Ticker(rt, identity) if ticker and not burst else None
    if clock_thread:
        clock_thread.start()
    queues = [Queue(STEPS_QUEUE, connection=rt.redis), Queue(DELIVERY_QUEUE, connection=rt.redis)]
    worker = WaylineWorker(queues, connection=rt.redis, name=f"wayline-{identity}")
    if not burst:
        tune_garbage_collector()
    try:
        # RQ logs four lines per job; with a sweep every second that buries everything else,
        # so its per-job lines show only when Wayline itself is asked for DEBUG.
        chatter = rt.settings.log_level if rt.settings.log_level == "DEBUG" else "WARNING"
        worker.work(burst=burst, logging_level=chatter, with_scheduler=False)
    finally:
        if clock_thread:
            clock_thread.stopping.set()
