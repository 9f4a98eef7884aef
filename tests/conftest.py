"""Shared fixtures: real databases with the schema from `alembic upgrade head`.

Every database test runs on SQLite and on PostgreSQL. PostgreSQL comes from
WAYLINE_TEST_POSTGRES_URL (default: the local server's `test` database); each test session
creates its own database next to it and drops it at the end, so parallel runs never meet.
When PostgreSQL is unreachable its tests are skipped, unless WAYLINE_TEST_REQUIRE_POSTGRES=1
(CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from runtime.db import make_engine, migrate

POSTGRES_URL = os.environ.get(
    "WAYLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("WAYLINE_TEST_REQUIRE_POSTGRES") == "1"


def _postgres_problem() -> str | None:
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except OperationalError as error:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable: {error.orig}"
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the configured PostgreSQL database, for creating databases."""
    problem = _postgres_problem()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(problem)
        pytest.skip(problem)
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def fresh_database_url(kind: str, request: pytest.FixtureRequest, tmp_dir) -> Iterator[str]:
    """A new empty database of `kind` for this test session; dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_dir / f'wayline-{uuid.uuid4().hex[:8]}.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = f"wayline_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """A migrated database URL, once per test session and database kind."""
    tmp_dir = tmp_path_factory.mktemp("db")
    for url in fresh_database_url(request.param, request, tmp_dir):
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the migrated database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(connection, join_transaction_mode="create_savepoint",
                     expire_on_commit=False) as session:
            yield session
        transaction.rollback()


@pytest.fixture
def dialect(engine: Engine) -> str:
    """'sqlite' or 'postgresql'."""
    return engine.dialect.name
