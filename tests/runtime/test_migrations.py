"""Migrations: one Alembic history that builds, removes and rebuilds the schema on both
databases, and agrees with the models (`alembic check`)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from runtime.db import alembic_config, make_engine, migrate
from runtime.models import Base
from tests.conftest import fresh_database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """A brand-new, empty database (not the shared one: these tests downgrade it)."""
    yield from fresh_database_url(request.param, request, tmp_path)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_and_check(empty_url):
    config = alembic_config(empty_url)
    migrate(empty_url)
    assert _tables(empty_url) == set(Base.metadata.tables)
    command.check(config)  # raises when models and migrations disagree

    command.downgrade(config, "base")
    assert _tables(empty_url) == set()

    migrate(empty_url)
    assert _tables(empty_url) == set(Base.metadata.tables)
    command.check(config)


def test_one_linear_history():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert all(revision.module.__doc__ for revision in revisions), "each says what it does"
