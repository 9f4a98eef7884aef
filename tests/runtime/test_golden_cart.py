"""Golden journey: cart abandonment — event entry, wait for purchase 1 h, else an email.

The journey is tests/runtime/journeys/cart_abandonment.json.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runtime.flow.ingest import ingest_event
from runtime.run.lifecycle import publish
from runtime.store.models import Message, MessageStatus, Run, RunStatus, Step
from tests.runtime.harness import (
    add_customers,
    add_journey,
    add_template,
    dispatch,
    golden,
    move,
)


def test_cart_abandonment(wayline):
    rt = wayline
    now = rt.clock.now()
    with rt.sessions() as session:
        add_customers(session, 3, now, attributes={"first_name": "Min"})
        template = add_template(session)
        journey = add_journey(session, golden("cart_abandonment", reminder=template),
                              "Cart abandonment")
        publish(session, journey, now)
        session.commit()

    started = []
    with rt.sessions() as session:
        for external_id in ("c0", "c1", "c2"):
            started += ingest_event(session, external_id, "cart_add", {"sku": "SHOE-1"}, now,
                                    now).runs_to_dispatch
        session.commit()
    dispatch(rt, started)

    rt.clock.advance(timedelta(minutes=20))
    with rt.sessions() as session:
        bought = ingest_event(session, "c1", "purchase", {}, rt.clock.now(), rt.clock.now())
        session.commit()
    assert len(bought.resumed) == 1
    dispatch(rt, bought.runs_to_dispatch)

    move(rt, timedelta(minutes=41))
    with rt.sessions() as session:
        runs = {run.customer_id: run for run in session.scalars(select(Run))}
        messages = session.scalars(select(Message)).all()
        steps = session.scalars(select(Step)).all()
    assert all(run.status is RunStatus.EXITED for run in runs.values())
    assert sorted(run.exit_reason for run in runs.values()) == ["bought", "reminded", "reminded"]
    assert len(messages) == 2
    assert {message.status for message in messages} == {MessageStatus.SENT}
    assert messages[0].content["subject"] == "(광고) Hi Min"  # marketing, labelled as KR law asks
    assert "SHOE-1" in messages[0].content["text"]
    waits = [step for step in steps if step.node_id == "wait"]
    assert {step.port for step in waits} == {"matched", "timeout"}
    assert all(step.left_at is not None for step in steps)
