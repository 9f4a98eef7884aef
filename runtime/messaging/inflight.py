"""Provider calls in flight: the worker process's one event loop, and bounds per provider.

Delivery sends a job's messages to HTTP providers concurrently (`runtime.messaging.delivery`).
Their adapters keep an `httpx.AsyncClient` whose pooled, kept-alive connections belong to the
event loop that opened them, so the loop lives as long as the worker: one per process, in a
daemon thread, started on first use. A job hands it a coroutine and waits for the result
(`run`). An `asyncio.run` per job would need a new client per job, and every job would open
its connections afresh (a TCP and often a TLS handshake per connection, per job).

`Bounds` caps the calls in flight to each provider (one semaphore per origin): a provider
that answers slowly holds at most that many connections, however many messages wait.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

PROVIDER_CONCURRENCY = 64
"""Calls in flight to one provider (origin) at a time, per worker (WAYLINE_PROVIDER_CONCURRENCY)."""

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def loop() -> asyncio.AbstractEventLoop:
    """This process's event loop for provider calls, running in its own thread."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="wayline-provider-calls",
                             daemon=True).start()
        return _loop


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on the process's loop and wait for its result (from any other thread)."""
    return asyncio.run_coroutine_threadsafe(coroutine, loop()).result()


def _forget_loop() -> None:
    """A forked child has the loop object but not its thread: it starts its own on first use."""
    global _loop, _lock
    _loop, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_loop)


class Bounds:
    """One semaphore per provider origin, each letting `limit` calls through at a time."""

    def __init__(self, limit: int = PROVIDER_CONCURRENCY) -> None:
        if limit < 1:
            raise ValueError(f"{limit} calls in flight would send nothing; allow at least 1")
        self.limit = limit
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    def __call__(self, origin: str) -> asyncio.Semaphore:
        """The semaphore of `origin` (made on first use, inside the running loop)."""
        found = self._semaphores.get(origin)
        if found is None:
            found = self._semaphores[origin] = asyncio.Semaphore(self.limit)
        return found
