"""Golden test of moving customers in flight: 10,000 customers, real workers, one killed.

v1 is an API entry → a day (delay A) → a week (delay B) → an email (template 1) → a wait of
up to 30 days for a purchase → exit. 2,500 customers each are made to stand, by the real
engine on the test's clock, at delay A, at delay B, at the wait for the purchase, and at the
email. A send step keeps no one by itself (a customer passes it in the instant the message is
queued), so the email is paused with the step-pause brake once the first group has passed it
and before the second reaches it: those hold before it, as a marketer's customers do while a
step is paused — customers honestly in flight at a send step, and what they send once it is
resumed tells which version they are in.

v2 removes delay A, puts a condition (VIP?) first — VIPs get the email at once, the others
wait the week — and its email uses another template (another template id: which content a
version's template has is not this test's business). The map moves delay A's customers to
the condition; the others keep their steps by default (same step, same kind: they keep their
waits). The condition is paused right after publishing, so the customers moved there hold
before it and the counts per step can be compared with the preview at rest.

Real `wayline worker` processes, on a clock file the test moves, carry the move out in small
batches (WAYLINE_FLIGHT_BATCH); the first is killed (-9) once part of the move is counted,
and a fresh one leaves the move alone while the dead worker's lease lasts, then (the clock
file moved past the lease, so the test does not wait it out) takes it over and finishes it.
Then: every customer is in exactly one run, on v2, at the step the preview said; the move's
counts and audit row say so; and once the steps are resumed and the clock moved to the end,
every message sent after the publish is v2's.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from builder.compiled import compile_journey
from runtime.flow.enrollment import enroll
from runtime.messaging.tracking import secret_for
from runtime.run import flight, lifecycle
from runtime.run.flight import StepMove
from runtime.run.worker import LEADER_KEY, TICK_SECONDS
from runtime.store.models import (
    Customer,
    CustomerTag,
    FlightMove,
    JourneyVersion,
    Message,
    MessageStatus,
    Run,
    RunStatus,
)
from runtime.store.team_models import AuditEvent
from runtime.store.versions import LiveEntry, compiled
from tests.builder.journeys import document, edge, node
from tests.runtime.clocked_worker import set_time
from tests.runtime.harness import (
    START,
    add_customers,
    add_journey,
    add_template,
    drain,
    move,
    wait_until,
)
from tests.runtime.test_differential import is_settled, run_to_the_end

GROUP = 2_500
"""Customers at each of v1's four steps."""

BATCH = "25"
"""Runs per batch of the move (WAYLINE_FLIGHT_BATCH): 400 batches, so the kill lands mid-move."""

KILL_AFTER = 500
"""Customers moved (counted) before the first worker is killed."""

DAY = {"amount": 1, "unit": "days"}
WEEK = {"amount": 7, "unit": "days"}
MONTH = {"amount": 30, "unit": "days"}


def email(template: int) -> dict:
    return node("send", "action.send", "Welcome", {"channel": "email", "template": template})


def v1(template: int) -> dict:
    """Entry → a day → a week → the email → a wait for a purchase → exit."""
    return document([node("in", "entry.api", "Signed up", {}),
                     node("a", "flow.delay", "A day", {"duration": DAY}),
                     node("b", "flow.delay", "A week", {"duration": WEEK}),
                     email(template),
                     node("wait", "flow.wait_event", "Bought?",
                          {"event": "purchase", "timeout": MONTH}),
                     node("out", "flow.exit", "Done")],
                    [edge("in", "a"), edge("a", "b", "next"), edge("b", "send", "next"),
                     edge("send", "wait", "next"), edge("wait", "out", "matched"),
                     edge("wait", "out", "timeout")])


def v2(template: int) -> dict:
    """The day is gone; VIPs get the email at once, the others wait the week; a new template."""
    return document([node("in", "entry.api", "Signed up", {}),
                     node("vip", "flow.condition", "VIP?",
                          {"rule": {"type": "tag", "tag": "vip"}}),
                     node("b", "flow.delay", "A week", {"duration": WEEK}),
                     email(template),
                     node("wait", "flow.wait_event", "Bought?",
                          {"event": "purchase", "timeout": MONTH}),
                     node("out", "flow.exit", "Done")],
                    [edge("in", "vip"), edge("vip", "send", "yes"), edge("vip", "b", "no"),
                     edge("b", "send", "next"), edge("send", "wait", "next"),
                     edge("wait", "out", "matched"), edge("wait", "out", "timeout")])


def enter(rt, journey_id: int, customer_ids: list[int]) -> None:
    """Let these customers in now (as API calls would, in one INSERT … SELECT) and move them."""
    with rt.sessions() as session:
        journey = lifecycle.get_journey(session, journey_id)
        version = session.get(JourneyVersion, journey.live_version_id)
        plan = compiled(session, version.id, version.document)
        trigger = plan.specs[plan.entry_id].trigger(plan.configs[plan.entry_id])
        enroll(session, LiveEntry(journey_id, version.id, plan, trigger),
               Customer.id.in_(customer_ids), rt.clock.now())
        session.commit()
    drain(rt)


def put_in_flight(rt, journey_id: int, groups: dict[str, list[int]]) -> None:
    """Each group to its step of v1, by entering at the right moments and moving the clock."""
    enter(rt, journey_id, groups["wait"])  # START: at delay A until day 1
    move(rt, timedelta(days=1))  # → delay B until day 8
    enter(rt, journey_id, groups["send"])  # day 1: at delay A until day 2
    move(rt, timedelta(days=1))  # → delay B until day 9
    move(rt, timedelta(days=6))  # day 8: the first group is emailed (v1) and waits
    with rt.sessions() as session:
        lifecycle.pause_step(session, journey_id, "send", rt.clock.now())
        session.commit()
    enter(rt, journey_id, groups["b"])  # day 8: at delay A until day 9
    move(rt, timedelta(days=1))  # day 9: the second group holds before the email; → delay B
    enter(rt, journey_id, groups["a"])  # at delay A until day 10


def unfinished(rt) -> Counter:
    """Customers not done yet, per (version id, step)."""
    with rt.sessions() as session:
        return Counter({(version_id, step): count for version_id, step, count in session.execute(
            select(Run.journey_version_id, Run.node_id, func.count())
            .where(Run.ended_at.is_(None)).group_by(Run.journey_version_id, Run.node_id))})


def waits(rt, version_id: int, steps: tuple[str, ...]) -> dict[int, tuple]:
    """Each run's wait at these steps: (when it ends, what it waits for)."""
    with rt.sessions() as session:
        return {row.id: (row.wake_at, row.waiting_for) for row in session.execute(
            select(Run.id, Run.wake_at, Run.waiting_for).where(
                Run.journey_version_id == version_id, Run.node_id.in_(steps),
                Run.ended_at.is_(None)))}


def the_move(rt) -> FlightMove:
    """The one move of customers in flight, as it is now."""
    with rt.sessions() as session:
        return session.scalars(select(FlightMove)).one()


def counted(move: FlightMove) -> int:
    """Customers the move has counted as moved so far."""
    return sum(step.get("moved", 0) for step in (move.done or {}).values())


def logs(*processes) -> Callable[[], str]:
    """The end of the processes' logs, for a failure's message."""
    return lambda: "\n".join(process.log.read_text()[-3000:] for process in processes)


def publish_v2(rt, journey_id: int, template: int) -> tuple[flight.Preview, int, int]:
    """Preview and publish v2 with the map, as the publish endpoint does, and pause its
    condition; (the preview, v2's id, the last message id before)."""
    with rt.sessions() as session:
        journey = lifecycle.get_journey(session, journey_id)
        old_id = journey.live_version_id
        old = compiled(session, old_id, session.get(JourneyVersion, old_id).document)
        journey.draft = v2(template)
        new = compile_journey(journey.draft)
        given = {"a": StepMove(to="vip")}
        assert flight.check_moves(old, new, 1, given) == []
        moves = flight.completed(old, new, given)  # the others keep their steps by default
        now = rt.clock.now()
        expected = flight.preview(session, old, old_id, new, moves, now)
        last = session.scalar(select(func.max(Message.id)))
        version = lifecycle.publish(session, journey_id, now)
        assert flight.start(session, journey_id, old_id, version.id, moves, expected,
                            "golden test", now) is not None
        lifecycle.pause_step(session, journey_id, "vip", now)
        session.commit()
        return expected, version.id, last


def kill_mid_move(rt, workers, settings: dict[str, str], now: datetime) -> FlightMove:
    """Start a worker, kill it (-9) once part of the move is counted; the move as it left it."""
    doomed = workers(**settings)
    wait_until(lambda: counted(the_move(rt)) >= KILL_AFTER, 60,
               "the first worker to move some customers", logs(doomed))
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    cut = the_move(rt)
    assert cut.finished_at is None and cut.lease_until > now, "killed after the move ended"
    assert KILL_AFTER <= counted(cut) < 4 * GROUP
    return cut


def take_over(rt, workers, settings: dict[str, str], clock: Path, cut: FlightMove,
              now: datetime) -> datetime:
    """Start a fresh worker: it leaves the move alone while the dead worker's lease lasts,
    then finishes it; when it finished (on the workers' clock)."""
    leader = rt.redis.get(LEADER_KEY)
    fresh = workers(**settings)
    wait_until(lambda: rt.redis.get(LEADER_KEY) not in (None, leader), 30,
               "the fresh worker to lead the sweeps", logs(fresh))
    time.sleep(4 * TICK_SECONDS)  # a few sweeps, each of which looks for moves to take over
    wait_until(lambda: is_settled(rt, now), 30, "the fresh worker to settle", logs(fresh))
    untouched = the_move(rt)
    assert (untouched.done, untouched.lease_until, untouched.finished_at) == (
        cut.done, cut.lease_until, None), "a move was taken over while its lease lasted"
    now += flight.LEASE + timedelta(seconds=1)
    set_time(clock, now)
    wait_until(lambda: the_move(rt).finished_at is not None, 60,
               "the fresh worker to finish the move", logs(fresh))
    wait_until(lambda: is_settled(rt, now), 60, "the moved customers to settle", logs(fresh))
    fresh.terminate()
    fresh.wait(timeout=30)
    return now


def test_customers_in_flight_move_to_the_new_version_though_a_worker_dies(
        wayline, workers, dialect, tmp_path):
    if dialect != "postgresql":
        pytest.skip("worker processes and two lanes of batches on PostgreSQL only")
    rt = wayline
    with rt.sessions() as session:
        first = add_template(session, name="Welcome (v1)", subject="Welcome",
                             source="Version one")
        second = add_template(session, name="Welcome (v2)", subject="Welcome",
                              source="Version two")
        journey_id = add_journey(session, v1(first), "Welcome")
        old_id = lifecycle.publish(session, journey_id, START).id
        ids = add_customers(session, 4 * GROUP, START)
        session.add_all(CustomerTag(customer_id=customer_id, tag="vip")
                        for customer_id in ids[::2])
        session.commit()
    groups = {step: ids[index * GROUP:(index + 1) * GROUP]
              for index, step in enumerate(("wait", "send", "b", "a"))}
    put_in_flight(rt, journey_id, groups)
    with rt.sessions() as session:
        assert flight.in_flight(session, old_id) == {
            step: Counter(waiting=GROUP) for step in ("a", "b", "send", "wait")}
    kept = waits(rt, old_id, ("b", "wait", "send"))
    expected, new_id, last_before = publish_v2(rt, journey_id, second)
    assert expected.targets == {"vip": GROUP, "b": GROUP, "send": GROUP, "wait": GROUP}
    assert (expected.staying, expected.leaving) == (0, 0)

    clock = tmp_path / "clock"
    set_time(clock, rt.clock.now())
    settings = {"launcher": "tests.runtime.clocked_worker", "test_clock_file": str(clock),
                "flight_batch": BATCH, "secret_key": secret_for(rt.settings)}
    cut = kill_mid_move(rt, workers, settings, rt.clock.now())
    now = take_over(rt, workers, settings, clock, cut, rt.clock.now())

    done = the_move(rt)
    assert done.done == {step: {"moved": count} for step, count in expected.steps.items()}
    assert unfinished(rt) == Counter({(new_id, step): count
                                      for step, count in expected.targets.items()})
    with rt.sessions() as session:
        runs = Counter(session.scalars(select(Run.customer_id).where(Run.ended_at.is_(None))))
        assert session.scalar(select(func.count()).select_from(Run)) == 4 * GROUP
        statuses = set(session.scalars(select(Run.status).distinct()))
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "journey.customers_moved")).one()
    assert runs == Counter(dict.fromkeys(ids, 1)), "a customer lost or in two runs"
    assert statuses == {RunStatus.WAITING}
    assert audit.after == {"version": 2, "moved": 4 * GROUP, "left": 0, "stayed": 0,
                           "steps": done.done}
    assert "moved 10,000 customers in flight to version 2" in audit.summary
    assert waits(rt, new_id, ("b", "wait", "send")) == kept  # waits kept, not restarted

    rt.clock.set(now)
    with rt.sessions() as session:
        lifecycle.resume_step(session, journey_id, "vip", now)
        lifecycle.resume_step(session, journey_id, "send", now)
        session.commit()
    run_to_the_end(rt)
    assert_sent(rt, last_before, (first, groups["wait"]),
                (second, groups["send"] + groups["a"] + groups["b"]))


def assert_sent(rt, last_before: int, v1_sent: tuple[int, list[int]],
                v2_sent: tuple[int, list[int]]) -> None:
    """Before the publish, v1's template (id, customers) went to its customers; after it,
    every message is v2's: from v2's template, rendered from it, sent, one to each customer."""
    with rt.sessions() as session:
        rows = session.execute(select(Message.id, Message.customer_id, Message.template_id,
                                      Message.status, Message.content)).all()
    before = [row for row in rows if row.id <= last_before]
    after = [row for row in rows if row.id > last_before]
    assert sorted(row.customer_id for row in before) == sorted(v1_sent[1])
    assert {row.template_id for row in before} == {v1_sent[0]}
    assert sorted(row.customer_id for row in after) == sorted(v2_sent[1])
    assert {(row.template_id, row.status) for row in after} == {(v2_sent[0],
                                                                 MessageStatus.SENT)}
    assert all("Version two" in str(row.content) for row in after)
