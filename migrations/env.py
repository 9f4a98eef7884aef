"""Alembic environment: migrates the database named by the config, else by WAYLINE_* settings."""

from __future__ import annotations

from alembic import context

from runtime.audience.indexed_attributes import is_indexed_column
from runtime.settings import load_settings
from runtime.store.db import make_engine
from runtime.store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_settings().database


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against a live connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                      include_object=_on_this_database)
    with context.begin_transaction():
        context.run_migrations()


def _on_this_database(item, name, kind, reflected, compare_to) -> bool:
    """Leave out of comparisons an index the models create on another database only
    (`Index.ddl_if(dialect=...)`, e.g. PostgreSQL's GIN index on customers.attributes), and the
    columns and indexes of indexed attributes, which are made at run time."""
    table = getattr(getattr(item, "table", None), "name", None)
    if kind in ("column", "index") and is_indexed_column(table or "", name):
        return False
    only_on = getattr(getattr(item, "_ddl_if", None), "dialect", None)
    return only_on is None or only_on == context.get_context().dialect.name


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
