"""Database engines and sessions, tuned per dialect, and migrations to head.

SQLite runs in WAL mode with foreign keys on, so the embedded default behaves like the server
database the tests also run against. JSON is written with its characters as they are (not
\\uXXXX escapes): SQLite's JSON paths match keys as written, so '지역' must be stored as such.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
"""The Alembic script folder, shipped as the `migrations` package."""


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for a Wayline database URL (SQLite file, or PostgreSQL with psycopg 3)."""
    parsed = make_url(url)
    options.setdefault("json_serializer", dumps_json)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def dumps_json(value: Any) -> str:
    """JSON text as Wayline stores it: compact, non-ASCII characters kept as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see below).
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # The sqlite3 module starts transactions lazily, at the first write, which breaks
    # savepoints and lets two processes both read and then fail to upgrade to a write lock.
    # Writers BEGIN IMMEDIATE: they take the write lock up front, and other writers wait
    # (busy_timeout) instead of failing. Readers (see `read_sessionmaker`) BEGIN DEFERRED:
    # in WAL mode they never wait, so a busy worker cannot starve the canvas.
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Synchronous sessions (workers and services); objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading only: on SQLite they never wait for (or block) writers."""
    return sessionmaker(engine.execution_options(sqlite_begin="DEFERRED"),
                        expire_on_commit=False)


def alembic_config(url: str) -> Any:
    """An Alembic config for the shipped migrations against `url` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
