"""The brakes over the API, as a team uses them: a pause with a reason the list shows, with the
messages it holds; a step's pause; the switch that stops all sending — each in the audit trail,
each refused to whom the table does not allow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from runtime.store.models import Message, MessageStatus, Run, RunStatus
from runtime.store.team_models import Role
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_template, drain

NIGHT = timedelta(hours=13)
"""From the test clock's start (09:00 in Seoul) to 22:00: marketing texts wait for morning."""


def texting_journey(app_context, customers: int = 3) -> dict:
    """Everyone → one marketing SMS → wait a day; its texts deferred by the night rule."""
    with app_context.writing() as session:
        add_customers(session, customers, app_context.now(), timezone="Asia/Seoul")
        template = add_template(session, "sms", "Sale", None, "Spring sale starts today")
    return document(
        [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("text", "action.send", "Text", {"channel": "sms", "template": template}),
         node("wait", "flow.delay", "A day", {"duration": {"amount": 1, "unit": "days"}})],
        [edge("in", "text"), edge("text", "wait", "next")])


@pytest.fixture
def night(app_context):
    """22:00 in Seoul, before anyone signs in (a session idles out after 12 hours)."""
    app_context.runtime.clock.advance(NIGHT)
    return app_context


def published(client, app_context, customers: int = 3) -> int:
    doc = texting_journey(app_context, customers)
    made = client.post("/api/journeys", json={"name": "Spring sale", "document": doc})
    assert made.status_code == 201, made.text
    journey = made.json()["journey"]["id"]
    assert client.post(f"/api/journeys/{journey}/publish").status_code == 200
    drain(app_context.runtime)
    return journey


def audit_actions(client) -> list[str]:
    return [row["action"] for row in client.get("/api/audit").json()["items"]]


def test_a_pause_says_why_and_how_many_messages_it_holds(night, client_as, app_context):
    publisher = client_as(Role.PUBLISHER)
    journey = published(publisher, app_context)

    paused = publisher.post(f"/api/journeys/{journey}/pause",
                            json={"reason": "the price in the text is wrong"})
    assert paused.status_code == 200, paused.text
    summary = paused.json()
    assert summary["status"] == "paused"
    assert summary["paused_reason"] == ("Paused by Test publisher (publisher-1@example.kr): "
                                      "the price in the text is wrong")
    assert summary["held_messages"] == 3
    listed = publisher.get("/api/journeys").json()["items"][0]
    assert (listed["paused_reason"], listed["held_messages"]) == (
        summary["paused_reason"], 3)
    assert "journey.paused" in audit_actions(publisher)

    resumed = publisher.post(f"/api/journeys/{journey}/resume").json()
    assert (resumed["paused_reason"], resumed["held_messages"]) == (None, 0)
    with app_context.reading() as session:
        assert set(session.scalars(select(Message.status))) == {MessageStatus.QUEUED}


def test_a_step_pauses_and_resumes_on_its_own(night, client_as, app_context):
    publisher = client_as(Role.PUBLISHER)
    journey = published(publisher, app_context)

    paused = publisher.post(f"/api/journeys/{journey}/steps/text/pause")
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused_steps"] == ["text"]
    assert paused.json()["status"] == "live" and paused.json()["held_messages"] == 3
    missing = publisher.post(f"/api/journeys/{journey}/steps/nowhere/pause")
    assert missing.status_code == 404 and "nowhere" in missing.json()["detail"]
    again = publisher.post(f"/api/journeys/{journey}/steps/wait/resume")
    assert again.status_code == 409 and "not paused" in again.json()["detail"]

    resumed = publisher.post(f"/api/journeys/{journey}/steps/text/resume").json()
    assert resumed["paused_steps"] == [] and resumed["held_messages"] == 0
    actions = audit_actions(publisher)
    assert "journey.step_paused" in actions and "journey.step_resumed" in actions
    with app_context.reading() as session:
        assert {run.status for run in session.scalars(select(Run))} == {RunStatus.WAITING}


def test_an_editor_may_not_pause_a_step(night, client_as, app_context):
    publisher = client_as(Role.PUBLISHER)
    journey = published(publisher, app_context)
    editor = client_as(Role.EDITOR)
    assert editor.post(f"/api/journeys/{journey}/steps/text/pause").status_code == 403


def test_stop_all_sending_is_a_publishers_switch_with_a_reason(client_as, client):
    editor, publisher = client_as(Role.EDITOR), client_as(Role.PUBLISHER)
    assert editor.get("/api/workspace/sending").json() == {"stopped": False, "by": None,
                                                          "at": None, "reason": None}
    assert editor.post("/api/workspace/sending/stop", json={}).status_code == 403
    assert client.post("/api/workspace/sending/stop", json={}).status_code == 403  # a key

    stopped = publisher.post("/api/workspace/sending/stop",
                             json={"reason": "a wrong coupon went out"})
    assert stopped.status_code == 200, stopped.text
    state = editor.get("/api/workspace/sending").json()
    assert state["stopped"] and state["by"] == "Test publisher (publisher-2@example.kr)"
    assert state["reason"] == "a wrong coupon went out" and state["at"]
    twice = publisher.post("/api/workspace/sending/stop", json={})
    assert twice.status_code == 409

    assert publisher.post("/api/workspace/sending/resume").json()["stopped"] is False
    assert publisher.post("/api/workspace/sending/resume").status_code == 409
    actions = audit_actions(publisher)
    assert "sending.stopped" in actions and "sending.resumed" in actions
