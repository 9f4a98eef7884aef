"""What the commands that run without a server share: the database schema made ready (or an
outdated one refused, saying how to fix it), and a Wayline wired to the database alone."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from runtime.settings import load_settings


@contextmanager
def offline_wayline() -> Iterator[object]:
    """A Wayline on the configured database for commands that touch nothing else (no Redis
    connection is made, no provider is set up)."""
    from runtime.clock import SystemClock
    from runtime.redis_server import connect
    from runtime.run.jobs import Runtime
    from runtime.store.db import make_engine, make_sessionmaker
    from server.context import Wayline

    settings = load_settings()
    engine = make_engine(settings.database)
    # redis-py connects lazily: this client is never used by these commands.
    runtime = Runtime(settings, engine, make_sessionmaker(engine),
                      connect(settings.redis_url or "redis://127.0.0.1:6379"), {}, SystemClock())
    try:
        yield Wayline(runtime)
    finally:
        engine.dispose()


def schema_ready(settings) -> bool:
    """Migrate the embedded database; refuse (saying how to fix it) an outdated configured one."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from runtime.store.db import alembic_config, make_engine, migrate

    if not settings.database_url:
        migrate(settings.database)
        return True
    head = ScriptDirectory.from_config(alembic_config(settings.database)).get_current_head()
    engine = make_engine(settings.database)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    if current != head:
        print(f"wayline: the database at {shown(settings.database)} is at revision "
              f"{current or '(empty)'}, not {head}: run `wayline migrate` first.", file=sys.stderr)
        return False
    return True


def shown(url: str) -> str:
    """A database URL with its password hidden, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
