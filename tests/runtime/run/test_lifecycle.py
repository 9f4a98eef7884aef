"""A journey's life and how runs end: publish, pause, archive; exit criteria and goals.

End to end on real SQLite/PostgreSQL and Redis with a frozen clock (see conftest.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from runtime.errors import InvalidInputError, WrongStateError
from runtime.flow.ingest import IngestResult, ingest_event
from runtime.run.jobs import dispatch_due
from runtime.run.lifecycle import archive, pause, publish, resume
from runtime.store.models import (
    Journey,
    JourneyStatus,
    JourneyVersion,
    Message,
    Run,
    RunStatus,
    Step,
)
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import (
    add_customers,
    add_journey,
    add_template,
    dispatch,
    drain,
    move,
)

EVERYONE = {"type": "and", "rules": []}


def runs(rt, journey_id: int) -> dict[int, Run]:
    """A journey's runs by customer id."""
    with rt.sessions() as session:
        return {run.customer_id: run for run in session.scalars(
            select(Run).where(Run.journey_id == journey_id))}


def count(rt, model, **where: Any) -> int:
    with rt.sessions() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def ingest(rt, external_id: str, name: str, properties: dict[str, Any] | None = None
           ) -> IngestResult:
    """An event arriving now, committed, and the runs it starts or resumes moved at once."""
    now = rt.clock.now()
    with rt.sessions() as session:
        result = ingest_event(session, external_id, name, properties or {}, now, now)
        session.commit()
    dispatch(rt, result.runs_to_dispatch)
    return result


def reminder(template: int, entry: dict[str, Any], **settings: Any) -> dict[str, Any]:
    """Entry → wait a day → reminder email → exit ("reminded")."""
    return document(
        [entry,
         node("day", "flow.delay", "A day later",
              {"mode": "duration", "duration": {"amount": 1, "unit": "days"}}),
         node("mail", "action.send", "Reminder", {"channel": "email", "template": template}),
         node("end", "flow.exit", "Reminded", {"reason": "reminded"})],
        [edge("entry", "day"), edge("day", "mail", "next"), edge("mail", "end", "next")],
        **settings)


def everyone() -> dict[str, Any]:
    return node("entry", "entry.segment", "Everyone", {"rule": EVERYONE})


def status(rt, journey_id: int) -> JourneyStatus:
    with rt.sessions() as session:
        return session.get(Journey, journey_id).status


# --- archive and the transition table ------------------------------------------------------------


def cart(template: int) -> dict[str, Any]:
    """Cart add → wait up to a day for a purchase → (bought) exit / (timeout) email → exit."""
    return document(
        [node("entry", "entry.event", "Added to cart", {"event": "cart_add"}),
         node("wait", "flow.wait_event", "Bought?",
              {"event": "purchase", "timeout": {"amount": 1, "unit": "days"}}),
         node("bought", "flow.exit", "Bought", {"reason": "bought"}),
         node("mail", "action.send", "Reminder", {"channel": "email", "template": template}),
         node("end", "flow.exit", "Reminded", {"reason": "reminded"})],
        [edge("entry", "wait"), edge("wait", "bought", "matched"),
         edge("wait", "mail", "timeout"), edge("mail", "end", "next")])


def test_archive_ends_every_unfinished_run(wayline):
    rt = wayline
    with rt.sessions() as session:
        ids = add_customers(session, 4, rt.clock.now())
        template = add_template(session)
        journey = add_journey(session, cart(template), "Cart")
        other = add_journey(session, reminder(template, everyone()), "Other")
        publish(session, journey, rt.clock.now())
        publish(session, other, rt.clock.now())
        session.commit()
    drain(rt)
    ingest(rt, "c0", "cart_add")
    ingest(rt, "c0", "purchase")  # finished: bought
    ingest(rt, "c1", "cart_add")  # waiting for a purchase
    now = rt.clock.now()
    with rt.sessions() as session:  # entered, not yet advanced by any worker
        ingest_event(session, "c2", "cart_add", {}, now, now)
        session.commit()
    assert {key: run.status for key, run in runs(rt, journey).items()} == {
        ids[0]: RunStatus.EXITED, ids[1]: RunStatus.WAITING, ids[2]: RunStatus.ACTIVE}

    rt.clock.advance(timedelta(minutes=5))
    with rt.sessions() as session:
        assert archive(session, journey, rt.clock.now()) == 2
        session.commit()
    ended = runs(rt, journey)
    assert {key: (run.status, run.exit_reason) for key, run in ended.items()} == {
        ids[0]: (RunStatus.EXITED, "bought"),
        ids[1]: (RunStatus.EXITED, "journey archived"),
        ids[2]: (RunStatus.EXITED, "journey archived")}
    assert {ended[key].ended_at for key in ids[1:3]} == {rt.clock.now()}
    assert all(run.wake_at is None and run.waiting_for is None for run in ended.values())
    assert status(rt, journey) is JourneyStatus.ARCHIVED

    # Nothing of it moves again: no timeout, no purchase, no new entry.
    steps = count(rt, Step)
    ingest(rt, "c1", "purchase")
    assert ingest(rt, "c3", "cart_add").enrolled == []
    move(rt, timedelta(days=2))
    assert {key: (run.id, run.status, run.exit_reason, run.ended_at)
            for key, run in runs(rt, journey).items()} == {
        key: (run.id, run.status, run.exit_reason, run.ended_at) for key, run in ended.items()}
    assert count(rt, Step, run_id=ended[ids[1]].id) == 2  # entry and the wait, no more
    assert count(rt, Message, journey_id=journey) == 0
    # The other journey carried on as usual.
    assert {run.exit_reason for run in runs(rt, other).values()} == {"reminded"}
    assert count(rt, Step) > steps


def test_archived_journey_refuses_every_other_action(wayline):
    rt = wayline
    with rt.sessions() as session:
        journey = add_journey(session, reminder(add_template(session), everyone()), "Spring sale")
        publish(session, journey, rt.clock.now())
        archive(session, journey, rt.clock.now())
        session.commit()
    refusals = {
        publish: "Can't publish 'Spring sale': it is archived; an archived journey can't be "
                 "published; clone it instead.",
        pause: "Can't pause 'Spring sale': it is archived; only a live journey can be paused.",
        resume: "Can't resume 'Spring sale': it is archived; only a paused journey can be "
                "resumed.",
        archive: "Can't archive 'Spring sale': it is archived; it is archived already.",
    }
    for action, message in refusals.items():
        with rt.sessions() as session, pytest.raises(WrongStateError) as refused:
            action(session, journey, rt.clock.now())
        assert refused.value.message == message
    assert status(rt, journey) is JourneyStatus.ARCHIVED
    assert count(rt, JourneyVersion, journey_id=journey) == 1


def test_draft_can_be_archived_but_not_paused_or_resumed(wayline):
    rt = wayline
    with rt.sessions() as session:
        journey = add_journey(session, reminder(add_template(session), everyone()), "Idea")
        session.commit()
    with rt.sessions() as session:
        with pytest.raises(WrongStateError, match="Can't pause 'Idea': it is draft; only a live "
                                                  "journey can be paused"):
            pause(session, journey, rt.clock.now())
        with pytest.raises(WrongStateError, match="only a paused journey can be resumed"):
            resume(session, journey, rt.clock.now())
        assert archive(session, journey, rt.clock.now()) == 0
        session.commit()
    assert status(rt, journey) is JourneyStatus.ARCHIVED


def test_publishing_a_paused_journey_keeps_it_paused(wayline):
    rt = wayline
    with rt.sessions() as session:
        add_customers(session, 2, rt.clock.now())
        journey = add_journey(session, reminder(add_template(session), everyone()))
        first = publish(session, journey, rt.clock.now())
        pause(session, journey, rt.clock.now())
        add_customers(session, 1, rt.clock.now())
        second = publish(session, journey, rt.clock.now())
        session.commit()
    assert status(rt, journey) is JourneyStatus.PAUSED
    move(rt, timedelta(minutes=2))
    assert count(rt, Run) == 2  # no one enters a paused journey, whatever its version
    with rt.sessions() as session:
        resume(session, journey, rt.clock.now())
        session.commit()
    with rt.sessions() as session:
        by_version = sorted(session.scalars(select(Run.journey_version_id)))
    assert by_version == [first.id, first.id, second.id]


# --- exit criteria and goals ---------------------------------------------------------------------


def test_exit_criteria_end_a_waiting_run(wayline):
    rt = wayline
    with rt.sessions() as session:
        ids = add_customers(session, 3, rt.clock.now())
        journey = add_journey(session, reminder(add_template(session), everyone(),
                                                exit_when={"event": "purchase"}))
        publish(session, journey, rt.clock.now())
        session.commit()
    drain(rt)
    move(rt, timedelta(hours=2))
    assert ingest(rt, "c0", "purchase").exited == [runs(rt, journey)[ids[0]].id]
    assert ingest(rt, "c1", "browse").exited == []
    left = runs(rt, journey)[ids[0]]
    assert (left.status, left.exit_reason) == (RunStatus.EXITED, "exit criteria: did 'purchase'")
    assert left.ended_at == rt.clock.now()

    move(rt, timedelta(days=1))
    after = runs(rt, journey)
    assert after[ids[0]].exit_reason == "exit criteria: did 'purchase'"
    assert {after[key].exit_reason for key in ids[1:]} == {"reminded"}
    with rt.sessions() as session:
        reached = set(session.scalars(select(Message.customer_id)))
    assert reached == set(ids[1:])


def test_goal_converts_only_within_its_window(wayline):
    rt = wayline
    goal = {"event": "purchase", "within": {"amount": 12, "unit": "hours"}, "exit": True}
    with rt.sessions() as session:
        ids = add_customers(session, 3, rt.clock.now())
        journey = add_journey(session, reminder(add_template(session), everyone(), goal=goal))
        publish(session, journey, rt.clock.now())
        session.commit()
    drain(rt)
    move(rt, timedelta(hours=2))
    assert ingest(rt, "c0", "purchase").exited == [runs(rt, journey)[ids[0]].id]
    assert ingest(rt, "c1", "browse").exited == []
    move(rt, timedelta(hours=10))  # 12 h after entry: the last moment that counts
    assert ingest(rt, "c2", "purchase").exited == [runs(rt, journey)[ids[2]].id]
    move(rt, timedelta(minutes=1))
    assert ingest(rt, "c1", "purchase").exited == []  # too late: it does nothing

    converted = runs(rt, journey)
    assert converted[ids[0]].exit_reason == "converted: did 'purchase'"
    assert converted[ids[2]].exit_reason == "converted: did 'purchase'"
    assert converted[ids[1]].status is RunStatus.WAITING
    move(rt, timedelta(days=1))
    assert runs(rt, journey)[ids[1]].exit_reason == "reminded"
    with rt.sessions() as session:
        assert list(session.scalars(select(Message.customer_id))) == [ids[1]]


def test_goal_without_exit_leaves_the_run_alone(wayline):
    rt = wayline
    goal = {"event": "purchase", "within": {"amount": 1, "unit": "days"}, "exit": False}
    with rt.sessions() as session:
        [customer] = add_customers(session, 1, rt.clock.now())
        journey = add_journey(session, reminder(add_template(session), everyone(), goal=goal))
        publish(session, journey, rt.clock.now())
        session.commit()
    drain(rt)
    move(rt, timedelta(hours=1))
    assert ingest(rt, "c0", "purchase").exited == []
    move(rt, timedelta(days=1))
    assert runs(rt, journey)[customer].exit_reason == "reminded"


# --- publishing checks the draft -----------------------------------------------------------------


def test_publishing_an_invalid_draft_lists_every_issue(wayline):
    rt = wayline
    with rt.sessions() as session:
        journey = add_journey(session, document(
            [node("day", "flow.delay", "A day later",
                  {"mode": "duration", "duration": {"amount": 1, "unit": "days"}}),
             node("end", "flow.exit", "Done")],
            [edge("day", "end", "next")]), "No way in")
        session.commit()
    with (rt.sessions() as session,
          pytest.raises(InvalidInputError, match="'No way in' has problems to fix") as refused):
        publish(session, journey, rt.clock.now())
    codes = {issue.code for issue in refused.value.issues}
    assert "graph.no_entry" in codes
    assert all(issue.severity == "error" for issue in refused.value.issues)
    assert status(rt, journey) is JourneyStatus.DRAFT
    assert count(rt, JourneyVersion) == 0


def test_a_missing_template_is_found_at_publish(wayline):
    rt = wayline
    with rt.sessions() as session:
        template = add_template(session)
        journey = add_journey(session, reminder(template + 1000, everyone()), "Lost template")
        session.commit()
    with rt.sessions() as session, pytest.raises(InvalidInputError) as refused:
        publish(session, journey, rt.clock.now())
    [issue] = refused.value.issues
    assert (issue.code, issue.node_id, issue.field) == ("ref.missing", "mail", "config.template")
    assert f"#{template + 1000}" in issue.message and "Reminder" in issue.message
    assert status(rt, journey) is JourneyStatus.DRAFT
    assert count(rt, Run) == 0


def test_an_event_between_a_claim_and_its_batch_is_not_lost(wayline):
    """The sweep has claimed the runs whose wait is over; before their batch runs, one customer
    buys (exit criteria) and another completes the wait's event: both must count."""
    rt = wayline
    with rt.sessions() as session:
        ids = add_customers(session, 3, rt.clock.now())
        template = add_template(session)
        delayed = add_journey(session, reminder(template, everyone(),
                                                exit_when={"event": "purchase"}), "Delayed")
        waiting = add_journey(session, cart(template), "Cart")
        publish(session, delayed, rt.clock.now())
        publish(session, waiting, rt.clock.now())
        session.commit()
    drain(rt)
    ingest(rt, "c2", "cart_add")
    rt.clock.advance(timedelta(days=1))
    claimed = dispatch_due(rt)  # claimed and queued, not yet run
    assert claimed == 4
    now = rt.clock.now()
    with rt.sessions() as session:
        bought = ingest_event(session, "c0", "purchase", {}, now, now)
        cart_bought = ingest_event(session, "c2", "purchase", {}, now, now)
        session.commit()
    assert [runs(rt, delayed)[ids[0]].id] == bought.exited
    assert [runs(rt, waiting)[ids[2]].id] == cart_bought.resumed
    assert [runs(rt, delayed)[ids[2]].id] == cart_bought.exited  # its purchase exits there too
    drain(rt)
    with rt.sessions() as session:
        reached = sorted(session.scalars(select(Message.customer_id)))
    assert reached == [ids[1]]  # only the customer who did not buy is reminded
    assert runs(rt, waiting)[ids[2]].exit_reason == "bought"
