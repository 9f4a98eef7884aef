"""Syncs: what Wayline fetches from its providers on a schedule, one file each.

Some providers keep what Wayline needs to be asked for rather than pushed: delivery results,
the review status of AlimTalk templates, the numbers that refused by calling the 080 line. A
sync is one file in `runtime.messaging.syncs` declaring `SYNC`, a `SyncTask`: its key, how
often it runs, and `run(context) -> figures`. The sweeper queues `provider_sync_job`
(`runtime.run.jobs`) at most every SYNC_EVERY; it runs each sync whose own interval has passed,
each on its own, so one provider down does not stop the others (its error is logged and it is
tried again at its next interval).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from nodes.kit.discovery import Keyed, declarations

log = logging.getLogger("wayline.syncs")

SYNC_EVERY = timedelta(seconds=30)
"""How often the sweeper looks for a sync that is due (each has its own interval too)."""


class SyncError(Exception):
    """A sync module that declares no SYNC, or a duplicate key."""


@dataclass(frozen=True)
class SyncContext:
    """What a sync runs with: sessions, the channels' adapters (gateways among them), now."""

    sessions: Callable[[], Session]
    adapters: Mapping[str, Any]
    now: datetime
    wake: Callable[[Sequence[int]], None] = lambda run_ids: None
    """Moves runs now (those an event a sync recorded woke or started)."""

    def gateways_with(self, capability: str) -> Iterator[tuple[list[str], Any]]:
        """Each distinct adapter offering `capability` (a method name), with its channels."""
        seen: dict[int, tuple[list[str], Any]] = {}
        for channel, adapter in self.adapters.items():
            if callable(getattr(adapter, capability, None)):
                seen.setdefault(id(adapter), ([], adapter))[0].append(channel)
        yield from seen.values()


@dataclass(frozen=True)
class SyncTask:
    """One thing fetched from providers: its key, how often, and how."""

    key: str
    every: timedelta
    run: Callable[[SyncContext], dict[str, int]]
    needs: str
    """The gateway capability (method name) it calls: without a gateway offering it, it
    does not run."""


class Syncs(Keyed[SyncTask]):
    """The registry of syncs, by key."""

    def add(self, task: SyncTask, origin: str) -> None:
        """Register one sync; `origin` (its file) is named in errors."""
        self.keep(task.key, task, origin, SyncError, "sync")


@cache
def registry() -> Syncs:
    """Every sync module in this package."""
    found = Syncs()
    for task, origin, _module in declarations(__name__, "SYNC", SyncTask, SyncError,
                                              "a sync module"):
        found.add(task, origin)
    return found


def offered(adapters: Mapping[str, Any]) -> list[SyncTask]:
    """The syncs some configured gateway can run."""
    return [task for task in registry()
            if any(callable(getattr(adapter, task.needs, None)) for adapter in adapters.values())]


def due(tasks: list[SyncTask], last_runs: Mapping[str, datetime | None], now: datetime,
        force: bool = False) -> list[SyncTask]:
    """The tasks whose interval has passed since they last ran (all of them when `force`)."""
    return [task for task in tasks
            if force or (last := last_runs.get(task.key)) is None or now - last >= task.every]


def run_syncs(context: SyncContext, tasks: list[SyncTask]) -> dict[str, dict[str, int] | str]:
    """Run each task; its figures, or the error that stopped it (logged, never raised)."""
    done: dict[str, dict[str, int] | str] = {}
    for task in tasks:
        try:
            done[task.key] = task.run(context)
        except Exception as error:  # one provider down must not stop the others
            log.warning("sync %s failed: %s", task.key, error, exc_info=True)
            done[task.key] = f"{type(error).__name__}: {error}"
    return done
