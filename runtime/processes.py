"""Child processes that never outlive their parent, and that stop when asked (or are made to).

The embedded Redis and `wayline up`'s server and worker are children of a Wayline process; a
crashed parent must leave no orphan behind, and a child that ignores a polite stop is escalated.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def wait_or_escalate(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait for the process to exit; SIGTERM it, then SIGKILL it, when it takes too long."""
    for escalate in (lambda: None, process.terminate, process.kill):
        escalate()
        try:
            process.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            continue
    process.wait()


def die_with_parent_hook(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A preexec_fn that has Linux send the child `signum` (SIGTERM) when its starter exits;
    None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork, not in the child
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, int(signum))
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return die_with_parent
