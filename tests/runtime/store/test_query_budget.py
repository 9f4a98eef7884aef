"""A query past its time budget is stopped by the database itself, on SQLite and PostgreSQL,
and the error says so (the server answers 422 for it, not 503)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from runtime.store.query_budget import is_over_budget, time_budget

ENDLESS = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
              "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(30)",
}


def test_a_query_past_its_budget_is_stopped_and_recognised(session, dialect):
    started = time.monotonic()
    with pytest.raises(OperationalError) as stopped, time_budget(session, 0.3):
        session.execute(text(ENDLESS[dialect]))
    assert time.monotonic() - started < 5
    assert is_over_budget(stopped.value)


def test_a_query_within_its_budget_runs_and_sqlite_forgets_the_budget(session, dialect):
    with time_budget(session, 5):
        assert session.execute(text("SELECT 1")).scalar() == 1
    if dialect == "sqlite":  # the connection goes back to the pool without a deadline
        time.sleep(0.1)
        assert session.execute(text("SELECT 2")).scalar() == 2


def test_other_errors_are_not_budget_errors(session):
    with pytest.raises(DBAPIError) as failed:
        session.execute(text("SELECT * FROM no_such_table"))
    assert not is_over_budget(failed.value)
