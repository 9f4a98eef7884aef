"""Who enters a journey and when: API and event entry, entry limits, re-entry rules.

End to end on real SQLite/PostgreSQL and Redis with a frozen clock (see conftest.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from runtime.errors import InvalidInputError, WrongStateError
from runtime.flow.enrollment import enroll_api
from runtime.flow.ingest import IngestResult, ingest_event
from runtime.run.lifecycle import pause, publish
from runtime.store.models import CustomerTag, Message, MessageStatus, Run, RunStatus
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import (
    add_customers,
    add_journey,
    add_template,
    dispatch,
    drain,
    move,
)

FREE = {"type": "attr", "field": "plan", "op": "eq", "value": "free"}


def runs(rt, journey_id: int) -> list[Run]:
    """Every run of a journey, oldest first."""
    with rt.sessions() as session:
        return list(session.scalars(select(Run).where(Run.journey_id == journey_id)
                                    .order_by(Run.id)))


def ingest(rt, external_id: str, name: str, properties: dict[str, Any] | None = None
           ) -> IngestResult:
    """An event arriving now, committed, and the runs it starts or resumes moved at once."""
    now = rt.clock.now()
    with rt.sessions() as session:
        result = ingest_event(session, external_id, name, properties or {}, now, now)
        session.commit()
    dispatch(rt, result.runs_to_dispatch)
    return result


def live(rt, draft: dict[str, Any], customers: int = 0, **fields: Any) -> tuple[int, list[int]]:
    """Customers, then a journey published from `draft`; (journey id, customer ids)."""
    with rt.sessions() as session:
        ids = add_customers(session, customers, rt.clock.now(), **fields) if customers else []
        journey = add_journey(session, draft)
        publish(session, journey, rt.clock.now())
        session.commit()
    return journey, ids


# --- API entry -----------------------------------------------------------------------------------


def api_journey(template: int, **settings: Any) -> dict[str, Any]:
    """API entry (order_id required) → order email → exit."""
    return document(
        [node("entry", "entry.api", "Order placed",
              {"required_fields": ["order_id"], "sample_payload": {"order_id": "A-1"}}),
         node("mail", "action.send", "Order email", {"channel": "email", "template": template,
                                                     "purpose": "transactional"}),
         node("end", "flow.exit", "Done", {"reason": "confirmed"})],
        [edge("entry", "mail"), edge("mail", "end", "next")], **settings)


def test_api_entry_payload_reaches_the_message(wayline):
    rt = wayline
    with rt.sessions() as session:
        [customer] = add_customers(session, 1, rt.clock.now())
        template = add_template(session, subject="Order {{ payload.order_id }}",
                                source="We got order {{ payload.order_id }} "
                                       "for {{ payload.total }}")
        journey = add_journey(session, api_journey(template))
        publish(session, journey, rt.clock.now())
        session.commit()
    with rt.sessions() as session:
        run_id = enroll_api(session, journey, customer, {"order_id": "A-1042", "total": 59000},
                            rt.clock.now())
        session.commit()
    assert run_id is not None
    dispatch(rt, [run_id])
    drain(rt)

    [run] = runs(rt, journey)
    assert (run.id, run.status, run.exit_reason) == (run_id, RunStatus.EXITED, "confirmed")
    assert run.payload == {"order_id": "A-1042", "total": 59000}
    with rt.sessions() as session:
        [message] = session.scalars(select(Message)).all()
    assert message.status is MessageStatus.SENT
    assert message.content["subject"] == "Order A-1042"
    assert message.content["text"] == "We got order A-1042 for 59000"


def test_api_entry_refuses_a_payload_without_a_required_field(wayline):
    rt = wayline
    with rt.sessions() as session:
        [customer] = add_customers(session, 1, rt.clock.now())
        journey = add_journey(session, api_journey(add_template(session)))
        publish(session, journey, rt.clock.now())
        session.commit()
    with rt.sessions() as session:
        with pytest.raises(InvalidInputError, match="order_id") as refused:
            enroll_api(session, journey, customer, {"total": 59000}, rt.clock.now())
        session.commit()
    assert refused.value.issues == [{"field": "payload.order_id", "message": "required"}]
    assert runs(rt, journey) == []


def test_api_entry_refuses_a_journey_that_is_not_live(wayline):
    rt = wayline
    with rt.sessions() as session:
        [customer] = add_customers(session, 1, rt.clock.now())
        template = add_template(session)
        draft = add_journey(session, api_journey(template), "Draft")
        paused = add_journey(session, api_journey(template), "Paused")
        publish(session, paused, rt.clock.now())
        pause(session, paused, rt.clock.now())
        by_event = add_journey(session, document(
            [node("entry", "entry.event", "Signed up", {"event": "signup"}),
             node("end", "flow.exit", "Done")], [edge("entry", "end")]), "By event")
        publish(session, by_event, rt.clock.now())
        session.commit()
    payload = {"order_id": "A-1"}
    with rt.sessions() as session:
        for journey in (draft, paused):
            with pytest.raises(WrongStateError, match=f"Journey {journey} is not live"):
                enroll_api(session, journey, customer, payload, rt.clock.now())
        with pytest.raises(WrongStateError, match="does not start by API call"):
            enroll_api(session, by_event, customer, payload, rt.clock.now())
        session.commit()
    for journey in (draft, paused, by_event):
        assert runs(rt, journey) == []


def test_api_entry_admits_once_when_reentry_is_never(wayline):
    rt = wayline
    with rt.sessions() as session:
        [customer] = add_customers(session, 1, rt.clock.now())
        journey = add_journey(session, api_journey(add_template(session), reentry="never"))
        publish(session, journey, rt.clock.now())
        session.commit()
    with rt.sessions() as session:
        first = enroll_api(session, journey, customer, {"order_id": "A-1"}, rt.clock.now())
        again = enroll_api(session, journey, customer, {"order_id": "A-2"}, rt.clock.now())
        session.commit()
    assert first is not None and again is None
    dispatch(rt, [first])
    move(rt, timedelta(days=1))  # finished, and still not admitted again
    with rt.sessions() as session:
        later = enroll_api(session, journey, customer, {"order_id": "A-3"}, rt.clock.now())
        session.commit()
    assert later is None
    assert [(run.id, run.payload["order_id"]) for run in runs(rt, journey)] == [(first, "A-1")]


# --- entry limit ---------------------------------------------------------------------------------


def held(max_entrants: int, **settings: Any) -> dict[str, Any]:
    """Free-plan customers enter and wait a week (so none finishes during a test)."""
    return document(
        [node("entry", "entry.segment", "Free plan", {"rule": FREE}),
         node("week", "flow.delay", "A week",
              {"mode": "duration", "duration": {"amount": 7, "unit": "days"}}),
         node("end", "flow.exit", "Done")],
        [edge("entry", "week"), edge("week", "end", "next")],
        max_entrants=max_entrants, **settings)


def test_entry_limit_caps_a_larger_audience(wayline):
    rt = wayline
    journey, ids = live(rt, held(4), 10, attributes={"plan": "free"})
    assert [run.customer_id for run in runs(rt, journey)] == ids[:4]  # in customer order
    drain(rt)
    for _ in range(3):  # segment entries are evaluated again once a minute
        with rt.sessions() as session:
            add_customers(session, 2, rt.clock.now(), attributes={"plan": "free"})
            session.commit()
        move(rt, timedelta(minutes=1, seconds=1))
    assert len(runs(rt, journey)) == 4
    assert {run.status for run in runs(rt, journey)} == {RunStatus.WAITING}


@pytest.mark.parametrize("reentry", ["never", "always"])
def test_entry_limit_fills_up_with_customers_who_match_later(wayline, reentry):
    rt = wayline
    journey, first = live(rt, held(5, reentry=reentry), 3, attributes={"plan": "free"})
    drain(rt)
    assert len(runs(rt, journey)) == 3
    with rt.sessions() as session:
        later = add_customers(session, 4, rt.clock.now(), attributes={"plan": "free"})
        session.commit()
    move(rt, timedelta(minutes=1, seconds=1))
    # The two places left go to two newcomers: customers already in (whose entry the
    # database refuses) must not take them.
    assert [run.customer_id for run in runs(rt, journey)] == first + later[:2]
    move(rt, timedelta(minutes=1, seconds=1))
    assert len(runs(rt, journey)) == 5


def test_entry_limit_counts_event_entries(wayline):
    rt = wayline
    journey, _ = live(rt, document(
        [node("entry", "entry.event", "Signed up", {"event": "signup"}),
         node("end", "flow.exit", "Done")], [edge("entry", "end")],
        reentry="always", max_entrants=2), 4)
    entered = [ingest(rt, f"c{index}", "signup").enrolled for index in range(4)]
    entered += [ingest(rt, "c0", "signup").enrolled]  # a re-entry would be an entrant too
    assert [len(new) for new in entered] == [1, 1, 0, 0, 0]
    assert len(runs(rt, journey)) == 2


# --- re-entry ------------------------------------------------------------------------------------


def test_reentry_never_keeps_finished_customers_out(wayline):
    rt = wayline
    journey, ids = live(rt, document(
        [node("entry", "entry.segment", "Free plan", {"rule": FREE}),
         node("end", "flow.exit", "Done")], [edge("entry", "end")], reentry="never"),
        3, attributes={"plan": "free"})
    drain(rt)
    assert {run.status for run in runs(rt, journey)} == {RunStatus.EXITED}
    for _ in range(3):  # they still match at every evaluation
        move(rt, timedelta(minutes=1, seconds=1))
    assert sorted(run.customer_id for run in runs(rt, journey)) == ids


def on_signup(**settings: Any) -> dict[str, Any]:
    """Event entry on 'signup' straight to an exit: a run ends as soon as it is dispatched."""
    return document([node("entry", "entry.event", "Signed up", {"event": "signup"}),
                     node("end", "flow.exit", "Done")], [edge("entry", "end")], **settings)


def test_reentry_after_a_period(wayline):
    rt = wayline
    journey, _ = live(rt, on_signup(reentry="after",
                                    reentry_after={"amount": 7, "unit": "days"}), 1)
    start = rt.clock.now()
    admitted = []
    for offset in (timedelta(0), timedelta(days=3), timedelta(days=6, hours=23, minutes=59),
                   timedelta(days=7), timedelta(days=8), timedelta(days=14)):
        rt.clock.set(start + offset)
        if ingest(rt, "c0", "signup").enrolled:
            admitted.append(offset)
    assert admitted == [timedelta(0), timedelta(days=7), timedelta(days=14)]
    assert {run.status for run in runs(rt, journey)} == {RunStatus.EXITED}


def test_reentry_always_but_never_twice_at_once(wayline):
    rt = wayline
    journey, _ = live(rt, document(
        [node("entry", "entry.event", "Signed up", {"event": "signup"}),
         node("hour", "flow.delay", "An hour",
              {"mode": "duration", "duration": {"amount": 1, "unit": "hours"}}),
         node("end", "flow.exit", "Done")],
        [edge("entry", "hour"), edge("hour", "end", "next")], reentry="always"), 1)
    [first] = ingest(rt, "c0", "signup").enrolled
    move(rt, timedelta(minutes=10))
    assert ingest(rt, "c0", "signup").enrolled == []  # still in the journey
    move(rt, timedelta(minutes=50))
    assert runs(rt, journey)[0].status is RunStatus.EXITED
    [second] = ingest(rt, "c0", "signup").enrolled
    assert ingest(rt, "c0", "signup").enrolled == []  # same instant, still in flight
    move(rt, timedelta(hours=1))
    [third] = ingest(rt, "c0", "signup").enrolled
    assert [run.id for run in runs(rt, journey)] == [first, second, third]
    assert [run.status for run in runs(rt, journey)] == [
        RunStatus.EXITED, RunStatus.EXITED, RunStatus.WAITING]


# --- event entry filters -------------------------------------------------------------------------


def test_event_entry_property_filters(wayline):
    rt = wayline
    journey, _ = live(rt, document(
        [node("entry", "entry.event", "Big order", {
            "event": "order_completed",
            "where": [{"type": "attr", "field": "total", "op": "gte", "value": 50000},
                      {"type": "attr", "field": "currency", "op": "eq", "value": "KRW"}]}),
         node("end", "flow.exit", "Done")], [edge("entry", "end")], reentry="always"), 5)
    cases = {"c0": ("order_completed", {"total": 50000, "currency": "KRW"}),
             "c1": ("order_completed", {"total": 49999, "currency": "KRW"}),
             "c2": ("order_completed", {"total": 90000, "currency": "USD"}),
             "c3": ("order_completed", {"currency": "KRW"}),
             "c4": ("order_cancelled", {"total": 90000, "currency": "KRW"})}
    entered = {external_id: bool(ingest(rt, external_id, name, properties).enrolled)
               for external_id, (name, properties) in cases.items()}
    assert entered == {"c0": True, "c1": False, "c2": False, "c3": False, "c4": False}
    [run] = runs(rt, journey)
    assert run.payload == {"total": 50000, "currency": "KRW"}


def test_event_entry_only_if_audience_rule(wayline):
    rt = wayline
    journey, _ = live(rt, document(
        [node("entry", "entry.event", "Pro customers log in", {
            "event": "login",
            "only_if": {"type": "and", "rules": [
                {"type": "attr", "field": "plan", "op": "eq", "value": "pro"},
                {"type": "tag", "tag": "test_account", "has": False}]}}),
         node("end", "flow.exit", "Done")], [edge("entry", "end")]))
    with rt.sessions() as session:
        ids = add_customers(session, 1, rt.clock.now(), attributes={"plan": "pro"})
        ids += add_customers(session, 1, rt.clock.now(), attributes={"plan": "free"})
        ids += add_customers(session, 1, rt.clock.now(), attributes={"plan": "pro"})
        session.add(CustomerTag(customer_id=ids[2], tag="test_account"))
        session.commit()
    assert ingest(rt, "c0", "login").enrolled
    assert not ingest(rt, "c1", "login").enrolled  # not on the pro plan
    assert not ingest(rt, "c2", "login").enrolled  # a test account
    assert not ingest(rt, "new-visitor", "login").enrolled  # an unknown customer: no plan
    assert [run.customer_id for run in runs(rt, journey)] == [ids[0]]
