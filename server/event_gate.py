"""Group commit for single events: the requests of one process that arrive while a
transaction is writing wait together, and the next transaction takes them all.

The first request in leads: it ingests the events waiting (its own among them) in one
transaction (`runtime.flow.ingest.ingest_events`), answers their requests, and hands the lead
to the next waiting request, if any. No timer: a lone event goes at once, and under load each
transaction carries whatever gathered while the one before wrote — more events for each
commit the busier it gets. If the transaction fails, every request in it gets the error (a
database outage answers 503 to all); none is acknowledged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.orm import Session

from runtime.flow.ingest import IngestResult, NewEvent, ingest_events

GROUP_LIMIT = 500
"""Events one transaction takes at most; the rest lead the next."""


class _Waiting:
    """One request's event, and its answer when it comes."""

    def __init__(self, event: NewEvent) -> None:
        self.event = event
        self.ready = threading.Event()
        self.leads = False
        self.result: IngestResult | None = None
        self.error: BaseException | None = None


class EventGate:
    """Single events of concurrent requests, ingested in groups (thread-safe)."""

    def __init__(self, writing: Callable[[], AbstractContextManager[Session]],
                 now: Callable[[], datetime], move_now: Callable[[Sequence[int]], None]) -> None:
        self.writing, self.now, self.move_now = writing, now, move_now
        self.lock = threading.Lock()
        self.waiting: list[_Waiting] = []
        self.busy = False
        self.groups = self.events = 0
        """Groups written and events in them (for tests and benchmarks)."""

    def ingest(self, event: NewEvent) -> IngestResult:
        """Record the event (with whatever else is waiting) and apply it; what it did."""
        mine = _Waiting(event)
        with self.lock:
            self.waiting.append(mine)
            mine.leads = not self.busy
            self.busy = True
        if not mine.leads:
            mine.ready.wait()
        if mine.leads:  # first in, or handed the lead: write a group (ours is in it)
            self._write_group()
        if mine.error is not None:
            raise mine.error
        assert mine.result is not None
        return mine.result

    def _write_group(self) -> None:
        with self.lock:
            group, self.waiting = self.waiting[:GROUP_LIMIT], self.waiting[GROUP_LIMIT:]
        try:
            with self.writing() as session:
                results = ingest_events(session, [item.event for item in group], self.now())
        except BaseException as error:  # every request in the group answers it
            for item in group:
                item.error = error
        else:
            for item, result in zip(group, results, strict=True):
                item.result = result
            self.groups, self.events = self.groups + 1, self.events + len(group)
        finally:
            self._hand_over(group)
        if group[0].error is None:
            self.move_now([run_id for item in group for run_id in item.result.runs_to_dispatch])

    def _hand_over(self, group: list[_Waiting]) -> None:
        """Answer the group; the first request still waiting leads next, else none does."""
        with self.lock:
            if self.waiting:
                self.waiting[0].leads = True
                self.waiting[0].ready.set()
            else:
                self.busy = False
        for item in _others(group):
            item.ready.set()


def _others(group: list[_Waiting]) -> Iterator[_Waiting]:
    """The group's requests that are waiting for their answer (all but the leader)."""
    return (item for item in group if not item.leads)
