"""A load generator that costs little CPU: raw HTTP/1.1 over asyncio streams, keep-alive,
in several processes. Closed loop (N connections, each sends when its answer is in) or open
loop (requests scheduled at a fixed rate; latency counted from the scheduled time, so a slow
server can't hide its queue: no coordinated omission).

Used by bench/realtime.py; bodies come from a function of the request's global index.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Body = Callable[[int], bytes]


@dataclass
class Outcome:
    """What one load run saw."""

    latencies: list[float] = field(default_factory=list)
    """Seconds from (scheduled) send to answer, for each 2xx answer."""
    statuses: dict[int, int] = field(default_factory=dict)
    sent_at: dict[int, float] = field(default_factory=dict)
    """Wall-clock time each acknowledged request was (scheduled to be) sent, by index."""
    seconds: float = 0.0
    unsent: int = 0
    """Scheduled requests never sent: the backlog bound was reached."""

    def merge(self, other: Outcome) -> None:
        self.latencies += other.latencies
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.sent_at.update(other.sent_at)
        self.seconds = max(self.seconds, other.seconds)
        self.unsent += other.unsent

    @property
    def acknowledged(self) -> int:
        return len(self.latencies)


def request_bytes(host: str, port: int, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}",
             "Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


class _Target:
    def __init__(self, host: str, port: int, path: str, headers: dict[str, str],
                 body: Body) -> None:
        self.host, self.port, self.path, self.headers, self.body = host, port, path, headers, body

    def raw(self, index: int) -> bytes:
        return request_bytes(self.host, self.port, self.path, self.headers, self.body(index))

    async def connect(self):
        return await asyncio.open_connection(self.host, self.port)


async def _closed(target: _Target, connections: int, seconds: float, start: int,
                  step: int) -> Outcome:
    outcome = Outcome()
    counter = iter(range(start, 10**12, step))
    deadline = time.monotonic() + seconds

    async def one() -> None:
        reader, writer = await target.connect()
        while time.monotonic() < deadline:
            index = next(counter)
            began, wall = time.monotonic(), time.time()
            status = await _exchange(reader, writer, target.raw(index))
            outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                outcome.latencies.append(time.monotonic() - began)
                outcome.sent_at[index] = wall
        writer.close()

    began = time.monotonic()
    await asyncio.gather(*(one() for _ in range(connections)))
    outcome.seconds = time.monotonic() - began
    return outcome


async def _open(target: _Target, rate: float, seconds: float, start: int, step: int,
                max_connections: int, backlog_seconds: float) -> Outcome:
    outcome = Outcome()
    free: asyncio.Queue = asyncio.Queue()
    opened = 0
    began = time.monotonic()
    wall_began = time.time()
    pending: set[asyncio.Task] = set()
    total = int(rate * seconds)

    async def one(number: int, due: float) -> None:
        nonlocal opened
        index = start + number * step
        if free.empty() and opened < max_connections:
            opened += 1
            free.put_nowait(await target.connect())
        reader, writer = await free.get()
        try:
            status = await _exchange(reader, writer, target.raw(index))
        finally:
            free.put_nowait((reader, writer))
        outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            outcome.latencies.append(time.monotonic() - due)
            outcome.sent_at[index] = wall_began + (due - began)

    for number in range(total):
        due = began + number / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(pending) > rate * backlog_seconds:
            outcome.unsent += 1  # the server is this far behind: stop piling on
            continue
        task = asyncio.create_task(one(number, due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending, timeout=60)
    outcome.seconds = time.monotonic() - began
    return outcome


def _process(args: tuple) -> Outcome:
    mode, target_args, params, start, step = args
    target = _Target(*target_args)
    if mode == "closed":
        return asyncio.run(_closed(target, params["connections"], params["seconds"], start, step))
    return asyncio.run(_open(target, params["rate"], params["seconds"], start, step,
                             params["max_connections"], params["backlog_seconds"]))


def run(mode: str, host: str, port: int, path: str, headers: dict[str, str], body: Body,
        first: int, processes: int = 2, **params) -> Outcome:
    """Load from `processes` processes: "closed" (connections, seconds; connections split
    between processes) or "open" (rate, seconds, max_connections, backlog_seconds; the rate
    split). Request indexes start at `first` and never repeat."""
    parts = []
    for number in range(processes):
        share = dict(params)
        if mode == "closed":
            share["connections"] = max(1, params["connections"] // processes)
        else:
            share["rate"] = params["rate"] / processes
            share.setdefault("max_connections", 256)
            share.setdefault("backlog_seconds", 5.0)
        parts.append((mode, (host, port, path, headers, body), share, first + number, processes))
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.map(_process, parts)
    total = Outcome()
    for result in results:
        total.merge(result)
    return total


class EventBody:
    """Bodies of single events `name` for customers r<index> (a class: it crosses processes)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, index: int) -> bytes:
        return json.dumps({"external_id": f"r{index}", "name": self.name,
                           "properties": {"sku": "A-1", "total": 39000}}).encode()


class BatchBody:
    """Bodies of `size` events `name` each, for consecutive customers."""

    def __init__(self, name: str, size: int) -> None:
        self.name, self.size = name, size

    def __call__(self, index: int) -> bytes:
        first = index * self.size
        return json.dumps({"events": [
            {"external_id": f"r{number}", "name": self.name, "properties": {"sku": "A-1"}}
            for number in range(first, first + self.size)]}).encode()
