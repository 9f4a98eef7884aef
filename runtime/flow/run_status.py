"""How a run's status changes: the transition table (beside the journey's, in
`runtime.run.lifecycle`) and the one function that reads it.

Runs change in bulk SQL (a batch's writes, an event's wake-ups and exits, an archive), so the
table also gives the WHERE clause of each change (`changeable`): a run not in a status the
event applies to is simply not touched, and a finished run never changes again.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from runtime.store.models import Run, RunStatus

A, W, D, X = RunStatus.ACTIVE, RunStatus.WAITING, RunStatus.DONE, RunStatus.EXITED

TRANSITIONS: dict[tuple[RunStatus, str], RunStatus] = {
    (A, "wait"): W,  # reached a delay, a wait for an event, or a paused step
    (W, "wait"): W,  # a wait that ended led on to the next one
    (W, "wake"): A,  # the event it waited for arrived (the batch then moves it on)
    (A, "end"): D, (W, "end"): D,  # reached the end of a path
    (A, "exit"): X, (W, "exit"): X,  # an exit step, exit criteria, a goal, an archive
}
"""(status, event) → the status after it. Anything else is refused."""


class RunStatusError(Exception):
    """A run was asked to change in a way the table doesn't allow (a bug, never user input)."""


def after(status: RunStatus, event: str) -> RunStatus:
    """The status a run in `status` has after `event`; RunStatusError if it can't happen."""
    new = TRANSITIONS.get((status, event))
    if new is None:
        raise RunStatusError(f"a {status.value} run can't {event}")
    return new


def applies_to(event: str) -> frozenset[RunStatus]:
    """The statuses a run may be in for `event` to change it."""
    return frozenset(status for status, name in TRANSITIONS if name == event)


def changeable(event: str) -> ColumnElement[bool]:
    """SQL: the run is in a status `event` applies to."""
    return Run.status.in_(sorted(applies_to(event)))
