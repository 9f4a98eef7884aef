"""The clock, injected: real time in production, a frozen movable clock in tests.

Runtime code never calls datetime.now(); it asks the clock it was given (or the process
clock from `current_clock()`, which tests replace with a `FrozenClock`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the time, aware and in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until moved: for tests and simulations."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        """The frozen instant."""
        return self._at

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta`; returns the new instant."""
        self._at += delta
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to `at`."""
        self._at = at.astimezone(UTC)


_current: Clock = SystemClock()


def current_clock() -> Clock:
    """The process clock (a SystemClock unless a test installed another)."""
    return _current


def install_clock(clock: Clock) -> Clock:
    """Make `clock` the process clock; returns the previous one so it can be put back."""
    global _current
    previous, _current = _current, clock
    return previous
