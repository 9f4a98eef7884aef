"""Provider calls in flight: the worker process's one event loop, and bounds per provider.

Delivery sends a job's messages to HTTP providers concurrently (`runtime.messaging.delivery`).
Their adapters keep async clients (aiohttp for providers, httpx for webhooks) whose pooled,
kept-alive connections belong to the event loop that opened them, so the loop lives as long as
the worker: one per process, in a daemon thread, started on first use. A job hands it a
coroutine and waits for the result (`run`). An `asyncio.run` per job would need a new client
per job, and every job would open its connections afresh (a TCP and often a TLS handshake per
connection, per job).

`Bounds` caps the calls in flight to each provider (one semaphore per origin): a provider
that answers slowly holds at most that many connections, however many messages wait.
`ClientPool` spreads webhook calls over several small httpx clients: httpcore's pool looks at
every connection for every waiting request, so one pool of 64 connections spends ~7× the CPU
per call of eight pools of 8 (`bench/delivery.py`: ~200 against ~1,400 calls/s here).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx

from runtime.settings import Settings

T = TypeVar("T")

PROVIDER_CONCURRENCY: int = Settings.provider_concurrency
"""Calls in flight to one provider (origin) at a time, per worker, unless
WAYLINE_PROVIDER_CONCURRENCY says otherwise."""

CLIENT_CONNECTIONS = 8
"""Connections per httpx client in a `ClientPool` (small: see the module docstring)."""

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


class ClientPool:
    """httpx clients made by `make(connections)` that together keep at most `limit`
    connections; each call goes to the least busy. Made on the loop that uses them."""

    def __init__(self, make: Callable[[int], httpx.AsyncClient], limit: int) -> None:
        sizes = [CLIENT_CONNECTIONS] * (limit // CLIENT_CONNECTIONS)
        if limit % CLIENT_CONNECTIONS:
            sizes.append(limit % CLIENT_CONNECTIONS)
        self._clients = [make(size) for size in sizes]
        self._busy = [0] * len(sizes)
        # Calls to several origins (webhooks) may together be more than the connections:
        # the rest wait here, where no pool timeout runs out and reads as a provider's silence.
        self._room = asyncio.Semaphore(limit)

    async def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        """`httpx.AsyncClient.request` on the client with the fewest calls in flight."""
        async with self._room:
            index = min(range(len(self._busy)), key=self._busy.__getitem__)
            self._busy[index] += 1
            try:
                return await self._clients[index].request(method, url, **options)
            finally:
                self._busy[index] -= 1

    async def aclose(self) -> None:
        """Close every client's connections."""
        for client in self._clients:
            await client.aclose()
