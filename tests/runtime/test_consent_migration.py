"""Migration 0023 writes the consent customers already hold into the new history, so the
history starts complete and two-yearly reminders find consents older than it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from runtime.store.consent_models import ConsentChangeRow
from runtime.store.db import make_engine, migrate
from runtime.store.models import Customer
from tests.conftest import fresh_database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    yield from fresh_database_url(request.param, request, tmp_path)


def test_existing_consent_becomes_the_first_history_rows(empty_url):
    migrate(empty_url, "0022")
    engine = make_engine(empty_url)
    created = datetime(2025, 5, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(Customer.__table__.insert(), [
            {"external_id": "old", "attributes": {}, "created_at": created,
             "updated_at": created, "consent": {
                 "sms": {"marketing": True, "night": False, "at": "2024-03-02T01:00:00Z",
                         "source": "import"},
                 "email": False}},
            {"external_id": "blank", "attributes": {}, "consent": {}, "created_at": created,
             "updated_at": created}])
    migrate(empty_url)
    with engine.connect() as connection:
        rows = connection.execute(select(
            ConsentChangeRow.channel, ConsentChangeRow.purpose, ConsentChangeRow.before,
            ConsentChangeRow.after, ConsentChangeRow.at, ConsentChangeRow.source)
            .order_by(ConsentChangeRow.channel, ConsentChangeRow.purpose)).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("email", "advertising", "unknown", "refused", created, "system"),
        ("sms", "advertising", "unknown", "granted", datetime(2024, 3, 2, 1, tzinfo=UTC),
         "system"),
        ("sms", "night", "unknown", "refused", created, "system")]
