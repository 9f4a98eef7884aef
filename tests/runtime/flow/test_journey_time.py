"""Journey time: a customer reaches a step when the step before decided, not when a worker
gets there. An event done between entry and the batch that moves the customer counts for the
wait (and for exit criteria and goals), on SQLite and PostgreSQL, with a real worker."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runtime.flow.ingest import ingest_event
from runtime.run.lifecycle import publish
from runtime.store.models import Message, Run, RunStatus, Step
from tests.runtime.harness import (
    add_customers,
    add_journey,
    add_template,
    dispatch,
    golden,
    move,
)

SOON = timedelta(milliseconds=10)


def _cart(rt, settings: dict | None = None) -> None:
    """The golden cart journey (cart_add → bought within 1 hour? → reminder), published."""
    now = rt.clock.now()
    with rt.sessions() as session:
        add_customers(session, 2, now)
        document = golden("cart_abandonment", reminder=add_template(session))
        document["settings"].update(settings or {})
        publish(session, add_journey(session, document, "Cart"), now)
        session.commit()


def _event(rt, external_id: str, name: str, occurred_at) -> list[int]:
    with rt.sessions() as session:
        moving = ingest_event(session, external_id, name, {}, occurred_at,
                              rt.clock.now()).runs_to_dispatch
        session.commit()
    return moving


def test_a_purchase_10_ms_after_entry_completes_the_wait_the_worker_had_not_reached(wayline):
    rt = wayline
    _cart(rt)
    entered = rt.clock.now()
    started = _event(rt, "c0", "cart_add", entered)
    rt.clock.advance(SOON)
    assert _event(rt, "c0", "purchase", entered + SOON) == []  # nobody is waiting yet
    rt.clock.advance(timedelta(seconds=2))  # then a worker gets there
    dispatch(rt, started)
    move(rt, timedelta(hours=2))
    with rt.sessions() as session:
        run = session.scalars(select(Run)).one()
        wait = session.scalars(select(Step).where(Step.node_id == "wait")).one()
        messages = session.scalars(select(Message)).all()
    assert (run.status, run.exit_reason) == (RunStatus.EXITED, "bought")
    assert messages == []  # no reminder for a customer who bought
    assert (wait.port, wait.entered_at, wait.left_at) == ("matched", entered, entered + SOON)


def test_an_event_before_entry_or_at_it_does_not_complete_the_wait(wayline):
    rt = wayline
    _cart(rt)
    entered = rt.clock.now()
    _event(rt, "c1", "purchase", entered - SOON)  # bought before adding to the cart
    started = _event(rt, "c1", "cart_add", entered)
    dispatch(rt, started)
    move(rt, timedelta(hours=2))
    with rt.sessions() as session:
        run = session.scalars(select(Run)).one()
        assert len(session.scalars(select(Message)).all()) == 1
    assert run.exit_reason == "reminded"


def test_a_delay_is_counted_from_when_the_customer_reached_it(wayline):
    rt = wayline
    _cart(rt)
    entered = rt.clock.now()
    started = _event(rt, "c0", "cart_add", entered)
    rt.clock.advance(timedelta(minutes=30))  # workers were away half an hour
    dispatch(rt, started)
    with rt.sessions() as session:
        run = session.scalars(select(Run)).one()
    assert run.wake_at == entered + timedelta(hours=1)  # not 1 h from the worker's arrival


def test_exit_criteria_10_ms_after_entry_end_the_run_before_any_step(wayline):
    rt = wayline
    _cart(rt, {"exit_when": {"event": "unsubscribed"}})
    entered = rt.clock.now()
    started = _event(rt, "c0", "cart_add", entered)
    rt.clock.advance(SOON)
    _event(rt, "c0", "unsubscribed", entered + SOON)
    dispatch(rt, started)
    move(rt, timedelta(hours=2))
    with rt.sessions() as session:
        run = session.scalars(select(Run)).one()
        assert session.scalars(select(Message)).all() == []
    assert run.status is RunStatus.EXITED
    assert run.exit_reason == "exit criteria: did 'unsubscribed'"


def test_a_goal_10_ms_after_entry_converts_the_run(wayline):
    rt = wayline
    _cart(rt, {"goal": {"event": "purchase", "within": {"amount": 1, "unit": "days"},
                        "exit": False}})
    entered = rt.clock.now()
    started = _event(rt, "c0", "cart_add", entered)
    rt.clock.advance(SOON)
    _event(rt, "c0", "purchase", entered + SOON)
    dispatch(rt, started)
    with rt.sessions() as session:
        run = session.scalars(select(Run)).one()
    assert run.converted_at == entered + SOON
    assert run.goal_until == entered + timedelta(days=1)
