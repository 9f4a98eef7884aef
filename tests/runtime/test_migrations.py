"""Migrations: one Alembic history that builds, removes and rebuilds the schema on both
databases, and agrees with the models (`alembic check`)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from runtime.store.db import alembic_config, make_engine, migrate
from runtime.store.models import Base
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


def test_0002_rewrites_escaped_sqlite_json_so_rules_find_non_ascii_keys(tmp_path):
    from datetime import UTC, datetime

    from sqlalchemy import select, text

    from nodes.kit.rules import Attr, Op
    from runtime.audience.query import rule_clause
    from runtime.store.models import Customer

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0001")
    engine = make_engine(url)
    with engine.begin() as connection:  # as Wayline wrote JSON before 0002: escaped
        connection.execute(text(
            "INSERT INTO customers (external_id, attributes, consent, created_at, updated_at) "
            "VALUES ('old', :attributes, '{}', '2026-01-01 00:00:00.000000', "
            "'2026-01-01 00:00:00.000000')"),
            {"attributes": '{"\\uc9c0\\uc5ed": "\\uc11c\\uc6b8"}'})
    migrate(url)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(Customer.__table__.insert(), [{
            "external_id": "new", "attributes": {"지역": "서울"}, "consent": {},
            "created_at": now, "updated_at": now}])
        stored = connection.scalars(text("SELECT attributes FROM customers ORDER BY id")).all()
        assert stored == ['{"지역":"서울"}'] * 2
        found = connection.scalars(select(Customer.external_id).where(rule_clause(
            Attr(field="지역", op=Op.EQ, value="서울"), now, "sqlite"))).all()
    engine.dispose()
    assert sorted(found) == ["new", "old"]
