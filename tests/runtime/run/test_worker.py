"""The worker itself: it stops when asked, at once, whatever the Redis client does."""

from __future__ import annotations

import time

from runtime.run.worker import run_worker

STOP_WITHIN = 10
"""Seconds: far above the ~0.1 s a burst run over empty queues takes, far below the 60 s wait
RQ's command listener had before each stop with redis-py 8.2."""


def test_a_burst_worker_with_nothing_to_do_stops_at_once(wayline):
    started = time.monotonic()
    run_worker(wayline, burst=True, ticker=False)
    assert time.monotonic() - started < STOP_WITHIN
