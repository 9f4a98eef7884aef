"""The bulk-write helpers keep every value intact, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from runtime.models import Customer, Journey, JourneyVersion, Message, MessageStatus, Run, Step
from runtime.sql import insert_rows, update_grouped

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
