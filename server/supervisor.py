"""`wayline worker` as a small supervisor: the worker runs in a child process, restarted when
it dies unexpectedly, so a crash (a segfault, the OOM killer, a bug that escapes) costs seconds,
not a page to an operator.

The child is the same command run again with CHILD_ENV set. It stops for good when it exits 0:
asked to (RQ's shutdown command, a SIGTERM sent to it directly) or, in burst mode, done. Any
other end — a non-zero exit, a signal we did not send — is restarted after a pause that doubles
(with jitter) up to RESTART_MAX, and starts again from RESTART_FIRST once a child has run for
STABLE_AFTER. SIGTERM or SIGINT to the supervisor stops the child (a warm stop: it finishes its
batch) and then the supervisor. A supervisor killed outright takes its child with it.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

from runtime.processes import die_with_parent_hook, wait_or_escalate

log = logging.getLogger("wayline.supervisor")

CHILD_ENV = "_WAYLINE_WORKER_CHILD"
"""Set in the child's environment: the command then runs the worker itself."""

RESTART_FIRST = 1.0
"""Seconds before restarting a child that died."""

RESTART_MAX = 30.0
"""The longest pause between restarts (before jitter), for a child that keeps dying."""

STABLE_AFTER = 60.0
"""A child that ran this many seconds died by accident, not by a fault met at start-up: the
next restart waits RESTART_FIRST again."""

STOP_TIMEOUT = 30.0
"""Seconds a child has to finish its batch and stop before it is terminated, then killed."""


def is_child() -> bool:
    """True in the worker process a supervisor started."""
    return os.environ.get(CHILD_ENV) == "1"


def supervise(command: Sequence[str], environ: dict[str, str]) -> int:
    """Run `command` as a child, restarting it when it dies, until SIGTERM or SIGINT (0) or
    until it exits 0 by itself (0)."""
    stopping = threading.Event()

    def ask_to_stop(_signum: int, _frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    pause = RESTART_FIRST
    try:
        while not stopping.is_set():
            started = time.monotonic()
            child = subprocess.Popen(
                list(command), env={**environ, CHILD_ENV: "1"},
                start_new_session=True,  # Ctrl-C reaches the supervisor, which stops the child
                preexec_fn=die_with_parent_hook(signal.SIGKILL))
            code = _wait(child, stopping)
            if code is None:  # asked to stop
                child.send_signal(signal.SIGTERM)
                wait_or_escalate(child, STOP_TIMEOUT)
                return 0
            if code == 0:
                return 0
            if time.monotonic() - started > STABLE_AFTER:
                pause = RESTART_FIRST
            log.warning("worker process %d %s; restarting it in %.0f s", child.pid,
                        _ending(code), pause)
            stopping.wait(pause * random.uniform(0.75, 1.25))
            pause = min(pause * 2, RESTART_MAX)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def child_command() -> list[str]:
    """This process's own command line, to run again as the child."""
    return [sys.executable, *sys.orig_argv[1:]]


def _wait(child: subprocess.Popen[bytes], stopping: threading.Event) -> int | None:
    """The child's exit code once it exits; None as soon as the supervisor is asked to stop."""
    while not stopping.wait(0.2):
        code = child.poll()
        if code is not None:
            return code
    return None


def _ending(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"
