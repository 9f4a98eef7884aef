"""Time budgets for the queries people ask for (audience counts and pages, previews, dry
runs): one that runs longer is stopped by the database, instead of holding a connection and a
core while everyone else waits.

PostgreSQL stops it with `statement_timeout` (set for the transaction); SQLite with a progress
handler that interrupts it. Either way the query raises, and `is_over_budget` recognises the
error so the server answers 422 saying the request asks too much, never 503 or 500.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

PREVIEW_BUDGET = 10.0
"""Seconds an audience count, a page of it or an explanation may take."""

DRY_RUN_BUDGET = 60.0
"""Seconds a dry run's reads may take (it simulates a sample of the audience)."""

PROGRESS_STEPS = 10_000
"""SQLite virtual-machine steps between two looks at the clock (a few milliseconds)."""


@contextmanager
def time_budget(session: Session, seconds: float) -> Iterator[None]:
    """Queries run on `session` inside this block stop after `seconds` each (PostgreSQL: for
    the rest of the transaction)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(seconds * 1000)}")
        yield
        return
    raw = connection.connection.driver_connection
    deadline = time.monotonic() + seconds
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_STEPS)
    try:
        yield
    finally:
        raw.set_progress_handler(None, PROGRESS_STEPS)


def is_over_budget(error: BaseException) -> bool:
    """True when an error (or one it was raised from) is a query stopped by its budget."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__name__ == "QueryCanceled":  # psycopg: statement_timeout
            return True
        if isinstance(current, sqlite3.OperationalError) and "interrupted" in str(current):
            return True
        current = current.__cause__ or current.__context__ or getattr(current, "orig", None)
    return False
