"""Moving customers in flight, in-process: what one batch of `runtime.run.flight` takes."""

from __future__ import annotations

from builder.compiled import compile_journey
from runtime.flow.enrollment import enroll
from runtime.run import flight, lifecycle
from runtime.run.flight import StepMove
from runtime.store.models import Customer
from runtime.store.versions import LiveEntry, compiled
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import START, add_customers, add_journey, drain

DAY = {"amount": 1, "unit": "days"}


def test_a_batch_moves_at_most_its_size(wayline):
    rt = wayline
    v1 = document([node("in", "entry.api", "Signed up", {}),
                   node("day", "flow.delay", "A day", {"duration": DAY}),
                   node("out", "flow.exit", "Done")],
                  [edge("in", "day"), edge("day", "out", "next")])
    v2 = document([node("in", "entry.api", "Signed up", {}),
                   node("week", "flow.delay", "A week", {"duration": {**DAY, "amount": 7}}),
                   node("out", "flow.exit", "Done")],
                  [edge("in", "week"), edge("week", "out", "next")])
    with rt.sessions() as session:
        journey_id = add_journey(session, v1, "Welcome")
        old = lifecycle.publish(session, journey_id, START)
        plan = compiled(session, old.id, old.document)
        trigger = plan.specs[plan.entry_id].trigger(plan.configs[plan.entry_id])
        enroll(session, LiveEntry(journey_id, old.id, plan, trigger),
               Customer.id.in_(add_customers(session, 100, START)), START)
        session.commit()
    drain(rt)  # all wait a day
    with rt.sessions() as session:
        lifecycle.get_journey(session, journey_id).draft = v2
        moves = flight.completed(plan, compile_journey(v2), {"day": StepMove(to="week")})
        expected = flight.preview(session, plan, old.id, compile_journey(v2), moves, START)
        new = lifecycle.publish(session, journey_id, START)
        move = flight.start(session, journey_id, old.id, new.id, moves, expected, "test", START)
        session.commit()
        move_id = move.id
    assert expected.targets == {"week": 100}
    carried = flight.carry_out(rt.sessions, move_id, rt.clock.now, batch=40, lanes=1)
    assert (carried.moved, carried.batches) == (100, 3)  # 40, 40 and 20
    with rt.sessions() as session:
        assert flight.in_flight(session, new.id) == {"week": {"waiting": 100}}


def test_the_default_map_sends_just_entered_customers_to_the_new_entry_and_is_valid():
    v1 = document([node("in", "entry.api", "Signed up", {}),
                   node("day", "flow.delay", "A day", {"duration": DAY}),
                   node("out", "flow.exit", "Done")],
                  [edge("in", "day"), edge("day", "out", "next")])
    v2 = document([node("start", "entry.api", "Signed up", {}),
                   node("check", "flow.condition", "VIP?", {"rule": {"type": "tag",
                                                                     "tag": "vip"}}),
                   node("out", "flow.exit", "Done")],
                  [edge("start", "check"), edge("check", "out", "yes"),
                   edge("check", "out", "no")])
    old, new = compile_journey(v1), compile_journey(v2)
    defaults = flight.default_moves(old, new)
    assert defaults == {"in": StepMove(to="start"), "day": flight.STAY,
                        "out": StepMove(to="out")}
    assert flight.check_moves(old, new, 1, defaults) == []
    [refused] = flight.check_moves(old, new, 1, {"day": StepMove(to="start")})
    assert (refused.code, refused.field) == ("flight.to_entry", "moves.day.to")
