"""`wayline up`: all of Wayline on one machine — the server and a worker under one parent.

The parent migrates the embedded database, starts the embedded Redis (it must outlive both
children), then runs `wayline server` and `wayline worker` as child processes pointed at it.
Ctrl-C (or SIGTERM) asks each child to stop — the worker finishes its batch, the server its
requests — escalates if one takes too long, and stops Redis last, so nothing is left running
and the next start finds no stale socket. Children die with the parent even if it is killed.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

from runtime.processes import die_with_parent_hook, wait_or_escalate
from runtime.redis_server import redis_url_for
from runtime.settings import Settings

log = logging.getLogger("wayline.up")

STOP_TIMEOUT = 20.0
"""Seconds a child has to stop after being asked (a worker finishes its current batch)."""

POLL_SECONDS = 0.2
"""How often the parent checks that its children are still running."""


def run_up(settings: Settings, roles: Sequence[str] = ("server", "worker"),
           greeting: str | None = None) -> int:
    """Run the server and a worker until Ctrl-C or until one of them fails; the exit code.
    `greeting` is printed under the address (the owner's one-time sign-in link)."""
    url, embedded = redis_url_for(settings)
    stopping: list[int] = []

    def ask_to_stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        environ = {**os.environ, "WAYLINE_REDIS_URL": url}
        for role in roles:
            children[role] = subprocess.Popen(
                [sys.executable, "-m", "server.cli", role], env=environ,
                start_new_session=True,  # Ctrl-C reaches the parent only; it stops them in order
                preexec_fn=die_with_parent_hook())
        print(f"Wayline is running at http://{settings.host}:{settings.port}/ "
              "(API docs at /schema) — press Ctrl-C to stop.", flush=True)
        if greeting:
            print(greeting, flush=True)
        failed = _watch(children, stopping)
    finally:
        _stop(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if embedded is not None:
            embedded.stop()
    if failed:
        print(f"wayline up: {failed} stopped unexpectedly; everything else was stopped too.",
              file=sys.stderr)
        return 1
    print("Wayline stopped.", flush=True)
    return 0


def _watch(children: dict[str, subprocess.Popen[bytes]], stopping: list[int]) -> str | None:
    """Wait for a stop request (None) or for a child to exit by itself (its role)."""
    while not stopping:
        for role, child in children.items():
            if child.poll() is not None:
                return role
        time.sleep(POLL_SECONDS)
    return None


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """Ask every child to stop (SIGINT: graceful for uvicorn and RQ), then wait or escalate."""
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    for role, child in children.items():
        wait_or_escalate(child, STOP_TIMEOUT)
        log.debug("%s exited with %s", role, child.returncode)
