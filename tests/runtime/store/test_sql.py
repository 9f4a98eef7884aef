"""The bulk-write helpers keep every value intact, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from runtime.messaging.messages import COLUMNS
from runtime.store.models import (
    Customer,
    Journey,
    JourneyVersion,
    Message,
    MessageStatus,
    Run,
    Step,
)
from runtime.store.sql import ConflictError, among, copy_rows, insert_rows, new_ids, update_grouped

AWKWARD = ['plain', 'quote " and \\ backslash', "{braces}, commas", "NULL", "", "한글 ✓",
           "new\nline\ttab"]


def test_insert_rows_round_trips_awkward_values_and_skips_conflicts(session):
    now = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    customer = Customer(external_id="x", attributes={}, consent={}, created_at=now,
                        updated_at=now)
    journey = Journey(name="j", draft={})
    session.add_all([customer, journey])
    session.flush()
    version = JourneyVersion(journey_id=journey.id, number=1, document={}, published_at=now)
    session.add(version)
    session.flush()
    run = Run(journey_id=journey.id, journey_version_id=version.id, customer_id=customer.id,
              entry_key="once", node_id="a", entered_at=now, wake_at=now)
    session.add(run)
    session.flush()
    steps = [{"run_id": run.id, "node_id": f"n{index}", "visit": 1, "port": text,
              "outcome": "passed", "detail": text, "entered_at": now, "left_at": None}
             for index, text in enumerate(AWKWARD)]
    insert_rows(session, Step.__table__, steps)
    insert_rows(session, Step.__table__, steps[:2])  # conflicts are skipped, not errors
    stored = session.execute(select(Step.node_id, Step.port, Step.detail, Step.entered_at,
                                    Step.left_at).where(Step.run_id == run.id)
                             .order_by(Step.node_id)).all()
    assert [(row.port, row.detail) for row in stored] == [(text, text) for text in AWKWARD]
    assert {row.entered_at for row in stored} == {now} and {row.left_at for row in stored} == {None}

    content = {"text": 'say "hi" \\ {x}', "list": [1, None, "한"], "nested": {"a": True}}
    [(message_id, status)] = insert_rows(session, Message.__table__, [{
        "run_id": run.id, "node_id": "n0", "visit": 1, "journey_id": journey.id,
        "customer_id": customer.id, "channel": "email", "purpose": "marketing",
        "template_id": None, "status": MessageStatus.QUEUED, "reason": None, "content": content,
        "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now}],
        returning=(Message.id, Message.status))
    assert status is MessageStatus.QUEUED
    assert session.get(Message, message_id).content == content


def test_update_grouped_sets_each_row_its_values(session):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [Customer(external_id=f"u{index}", attributes={}, consent={}, created_at=now,
                     updated_at=now) for index in range(5)]
    session.add_all(rows)
    session.flush()
    table = Customer.__table__
    update_grouped(session, table, [(row.id, {"locale": "ko" if row.id % 2 else "en"})
                                    for row in rows], also={"timezone": "Asia/Seoul"})
    session.expire_all()
    for row in rows:
        stored = session.get(Customer, row.id)
        assert stored.locale == ("ko" if row.id % 2 else "en")
        assert stored.timezone == "Asia/Seoul"


def _run(session, now: datetime) -> Run:
    customer = Customer(external_id="y", attributes={}, consent={}, created_at=now,
                        updated_at=now)
    journey = Journey(name="j", draft={})
    session.add_all([customer, journey])
    session.flush()
    version = JourneyVersion(journey_id=journey.id, number=1, document={}, published_at=now)
    session.add(version)
    session.flush()
    run = Run(journey_id=journey.id, journey_version_id=version.id, customer_id=customer.id,
              entry_key="once", node_id="a", entered_at=now, wake_at=now)
    session.add(run)
    session.flush()
    return run


STEP = ("run_id", "node_id", "visit", "port", "outcome", "detail", "entered_at", "left_at")


def test_copy_rows_round_trips_awkward_values_and_refuses_a_duplicate(session):
    now = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    run = _run(session, now)
    steps = [(run.id, f"n{index}", 1, text, "passed", text, now, None)
             for index, text in enumerate(AWKWARD)]
    copy_rows(session, Step.__table__, STEP, steps)
    stored = session.execute(select(Step.port, Step.detail, Step.entered_at, Step.left_at)
                             .where(Step.run_id == run.id).order_by(Step.node_id)).all()
    assert [(row.port, row.detail) for row in stored] == [(text, text) for text in AWKWARD]
    assert {row.entered_at for row in stored} == {now} and {row.left_at for row in stored} == {None}
    # Stored exactly as the ORM stores times: a query comparing them still matches.
    assert session.scalar(select(func.count()).select_from(Step).where(
        Step.entered_at == now, Step.run_id == run.id)) == len(AWKWARD)

    [message_id] = new_ids(session, Message.__table__, 1)
    content = {"text": 'say "hi" \\ {x}\ttab\nline', "list": [1, None, "한"], "n": {"a": True}}
    copy_rows(session, Message.__table__, COLUMNS, [(
        message_id, run.id, "n0", 1, run.journey_id, run.customer_id, "email", "marketing",
        None, MessageStatus.QUEUED, None, content, None, 0, now, now, None, now)])
    stored = session.get(Message, message_id)
    assert (stored.content, stored.status, stored.next_attempt_at) == (
        content, MessageStatus.QUEUED, now)
    assert new_ids(session, Message.__table__, 2)[0] > message_id

    with pytest.raises(ConflictError):
        copy_rows(session, Step.__table__, STEP, steps[:1])


def test_among_finds_the_same_rows_as_in(session):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [Customer(external_id=f"a{index}", attributes={}, consent={}, created_at=now,
                     updated_at=now) for index in range(4)]
    session.add_all(rows)
    session.flush()
    wanted = [rows[0].id, rows[2].id, 10**12]
    assert sorted(session.scalars(select(Customer.id).where(
        among(session, Customer.id, wanted)))) == wanted[:2]
