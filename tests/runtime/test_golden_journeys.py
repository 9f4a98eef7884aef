"""Golden journeys, end to end on real SQLite/PostgreSQL and Redis with a frozen clock.

The journeys are JSON documents in tests/runtime/journeys/ (`harness.golden`).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from runtime.errors import WrongStateError
from runtime.flow.enrollment import enroll_dates
from runtime.run.lifecycle import pause, publish, resume
from runtime.store.models import Customer, Journey, Message, Run, RunStatus, Step
from tests.runtime.harness import (
    add_customers,
    add_journey,
    add_template,
    drain,
    golden,
    move,
)


def counts(rt, model, **where) -> int:
    with rt.sessions() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def test_welcome_series_with_delays(wayline):
    rt = wayline
    now = rt.clock.now()
    with rt.sessions() as session:
        ids = add_customers(session, 20, now, attributes={"plan": "free"})
        first, second = add_template(session, name="Welcome"), add_template(session, name="Tips")
        journey = add_journey(session, golden("welcome_series", first=first, second=second),
                              "Welcome")
        publish(session, journey, now)
        session.commit()
    drain(rt)
    assert counts(rt, Message) == 20
    assert counts(rt, Run, status=RunStatus.WAITING) == 20

    move(rt, timedelta(hours=23, minutes=59))
    assert counts(rt, Message) == 20  # not a minute early
    move(rt, timedelta(minutes=1))
    assert counts(rt, Message) == 40

    with rt.sessions() as session:  # five customers upgrade meanwhile
        for customer in session.scalars(select(Customer).where(Customer.id.in_(ids[:5]))):
            customer.attributes = {"plan": "pro"}
        session.commit()
    move(rt, timedelta(days=3))
    assert counts(rt, Message) == 40 + 15
    assert counts(rt, Run, status=RunStatus.EXITED) == 20
    with rt.sessions() as session:
        waits = session.scalars(select(Step).where(Step.node_id == "day")).all()
    assert {step.left_at - step.entered_at for step in waits} == {timedelta(days=1)}


def test_birthday_at_nine_local_time_across_zones_and_dst(wayline):
    rt = wayline
    rt.clock.set(datetime(2026, 3, 7, 0, 0, tzinfo=UTC))
    zones = {"Asia/Seoul": "2026-03-08T00:00:00Z", "Europe/Berlin": "2026-03-08T08:00:00Z",
             # New York springs forward on 8 March 2026: 09:00 is EDT, UTC-4.
             "America/New_York": "2026-03-08T13:00:00Z"}
    with rt.sessions() as session:
        for index, zone in enumerate(zones):
            session.add(Customer(external_id=f"b{index}", email=f"b{index}@x.kr", timezone=zone,
                                 attributes={"birthday": "1990-03-08"}, consent={"email": True},
                                 created_at=rt.clock.now(), updated_at=rt.clock.now()))
        journey = add_journey(session, golden("birthday", coupon=add_template(session)),
                              "Birthday")
        publish(session, journey, rt.clock.now())
        session.commit()
    sent_at: dict[str, datetime] = {}
    for _ in range(48 * 4):  # a quarter of an hour at a time over two days
        with rt.sessions() as session:
            enroll_dates(session, rt.clock.now())
            session.commit()
        move(rt, timedelta(minutes=15))
        with rt.sessions() as session:
            for message, zone in session.execute(
                    select(Message, Customer.timezone).join(Customer)):
                sent_at.setdefault(zone, message.created_at)
    assert {zone: at.strftime("%Y-%m-%dT%H:%M:%SZ") for zone, at in sent_at.items()} == zones
    assert counts(rt, Run) == 3  # once a year, not once per sweep


def test_random_split_proportions(wayline):
    rt = wayline
    with rt.sessions() as session:
        add_customers(session, 2000, rt.clock.now())
        publish(session, add_journey(session, golden("random_split")), rt.clock.now())
        session.commit()
    drain(rt)
    with rt.sessions() as session:
        ports = Counter(session.scalars(select(Step.port).where(Step.node_id == "split")))
    assert sum(ports.values()) == 2000
    for port, share in (("a", 0.5), ("b", 0.3), ("control", 0.2)):
        assert abs(ports[port] / 2000 - share) < 0.04, ports


def test_pause_mid_delay_then_resume(wayline):
    rt = wayline
    with rt.sessions() as session:
        add_customers(session, 10, rt.clock.now(), attributes={"plan": "free"})
        first = add_template(session)
        journey = add_journey(session, golden("welcome_series", first=first, second=first))
        publish(session, journey, rt.clock.now())
        session.commit()
    drain(rt)
    with rt.sessions() as session:
        pause(session, journey, rt.clock.now())
        add_customers(session, 1, rt.clock.now(), attributes={"plan": "free"})
        session.commit()
    move(rt, timedelta(days=2))  # the delay is over, but the journey is paused
    assert counts(rt, Message) == 10
    assert counts(rt, Run, node_id="day") == 10
    with rt.sessions() as session:
        with pytest.raises(WrongStateError, match="only a live journey can be paused"):
            pause(session, journey, rt.clock.now())
        resume(session, journey, rt.clock.now())
        session.commit()
    drain(rt)
    # overdue waits fire at once; the customer who arrived while paused enters on resume
    assert counts(rt, Message) == 10 + 10 + 1


def test_republish_while_in_flight_keeps_runs_on_their_version(wayline):
    rt = wayline
    with rt.sessions() as session:
        add_customers(session, 5, rt.clock.now(), attributes={"plan": "free"})
        first = add_template(session)
        journey = add_journey(session, golden("welcome_series", first=first, second=first))
        v1 = publish(session, journey, rt.clock.now())
        session.commit()
    drain(rt)
    with rt.sessions() as session:  # the marketer shortens the first wait and republishes
        stored = session.get(Journey, journey)
        draft = stored.draft
        draft["nodes"][2]["data"]["config"]["duration"] = {"amount": 1, "unit": "hours"}
        stored.draft = dict(draft)
        v2 = publish(session, journey, rt.clock.now())
        add_customers(session, 1, rt.clock.now(), attributes={"plan": "free"})
        session.commit()
    move(rt, timedelta(minutes=1))  # segment entries are evaluated once a minute
    with rt.sessions() as session:
        by_version = Counter(session.scalars(select(Run.journey_version_id)))
    move(rt, timedelta(hours=1))
    with rt.sessions() as session:
        tips = Counter(session.scalars(select(Run.journey_version_id).join(
            Step, Step.run_id == Run.id).where(Step.node_id == "tips")))
    assert by_version == {v1.id: 5, v2.id: 1}
    assert tips == {v2.id: 1}  # old runs still wait their full day
    move(rt, timedelta(hours=22, minutes=59))
    with rt.sessions() as session:
        tips = Counter(session.scalars(select(Run.journey_version_id).join(
            Step, Step.run_id == Run.id).where(Step.node_id == "tips")))
    assert tips == {v1.id: 5, v2.id: 1}
