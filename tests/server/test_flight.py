"""Publishing with a map for the customers in flight, over the real app, databases, Redis and
workers: the preview, the move (by a worker, in batches), its counts and its audit row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runtime.store.models import FlightMove, Message, Run, RunStatus, Step
from runtime.store.team_models import AuditEvent, Role
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_template, drain

DAY = {"amount": 1, "unit": "days"}
WEEK = {"amount": 7, "unit": "days"}


def v1(template: int) -> dict:
    """Sign up → a day → a week → an email."""
    return document([node("in", "entry.event", "Signed up", {"event": "signup"}),
                     node("day", "flow.delay", "A day", {"duration": DAY}),
                     node("week", "flow.delay", "A week", {"duration": WEEK}),
                     node("mail", "action.send", "Welcome", {"channel": "email",
                                                             "template": template}),
                     node("out", "flow.exit", "Done")],
                    [edge("in", "day"), edge("day", "week", "next"),
                     edge("week", "mail", "next"), edge("mail", "out", "next")])


def v2(template: int) -> dict:
    """The day is gone; VIPs get the email at once, the others wait the week."""
    return document([node("in", "entry.event", "Signed up", {"event": "signup"}),
                     node("vip", "flow.condition", "VIP?",
                          {"rule": {"type": "tag", "tag": "vip"}}),
                     node("week", "flow.delay", "A week", {"duration": WEEK}),
                     node("mail", "action.send", "Welcome", {"channel": "email",
                                                             "template": template}),
                     node("out", "flow.exit", "Done")],
                    [edge("in", "vip"), edge("vip", "mail", "yes"), edge("vip", "week", "no"),
                     edge("week", "mail", "next"), edge("mail", "out", "next")])


def live_with_customers(client, app_context, ingest_headers, customers: int = 6) -> tuple[int,
                                                                                          int]:
    with app_context.writing() as session:
        template = add_template(session, subject="Welcome", source="Hi")
    journey = client.post("/api/journeys/", json={"name": "Welcome", "document": v1(template)})
    journey_id = journey.json()["journey"]["id"]
    assert client.post(f"/api/journeys/{journey_id}/publish").status_code == 200
    for index in range(customers):
        saved = client.put(f"/api/customers/c{index}", headers=ingest_headers, json={
            "email": f"c{index}@example.com", "consent": {"email": True},
            "tags": {"add": ["vip"] if index % 2 else []}})
        assert saved.status_code in (200, 201), saved.text
        client.post("/api/events", headers=ingest_headers,
                    json={"external_id": f"c{index}", "name": "signup"})
    drain(app_context.runtime)
    return journey_id, template


def runs_by_step(app_context) -> dict[tuple[int, str], int]:
    with app_context.reading() as session:
        rows = session.execute(select(Run.journey_version_id, Run.node_id)
                               .where(Run.ended_at.is_(None))).all()
    counts: dict[tuple[int, str], int] = {}
    for version_id, node_id in rows:
        counts[version_id, node_id] = counts.get((version_id, node_id), 0) + 1
    return counts


def test_the_preview_shows_each_step_with_its_default_and_the_map_moves_them(
        client, app_context, ingest_headers):
    journey_id, template = live_with_customers(client, app_context, ingest_headers)
    client.patch(f"/api/journeys/{journey_id}", json={"document": v2(template)})

    defaults = client.post(f"/api/journeys/{journey_id}/flight-preview")
    assert defaults.status_code == 200, defaults.text
    body = defaults.json()
    steps = {step["node_id"]: step for step in body["steps"]}
    assert steps["day"]["customers"] == 6 and steps["day"]["waiting"] == 6
    assert steps["day"]["default"]["action"] == "stay"  # gone from the draft
    assert steps["week"]["default"] == {"action": "move", "to": "week", "restart_wait": False}
    assert body["staying"] == 6 and body["moving"] == 0

    moves = {"day": {"to": "vip"}}
    mapped = client.post(f"/api/journeys/{journey_id}/flight-preview",
                         json={"moves": moves}).json()
    targets = {target["node_id"]: target["customers"] for target in mapped["targets"]}
    assert targets["vip"] == 6 and mapped["moving"] == 6 and mapped["restarting"] == 6
    assert mapped["messages_at_once"] == 3  # the VIPs' email goes as they arrive
    assert "6 customers in flight move to version 2 (6 to 'VIP?')" in mapped["summary"]

    published = client.post(f"/api/journeys/{journey_id}/publish", json={"moves": moves})
    assert published.status_code == 200, published.text
    assert published.json()["moving"] == 6
    drain(app_context.runtime)

    with app_context.reading() as session:
        runs = session.scalars(select(Run)).all()
        move = session.scalars(select(FlightMove)).one()
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "journey.customers_moved")).one()
        publish_rows = session.scalars(select(AuditEvent.summary).where(
            AuditEvent.action == "journey.published")).all()
    assert move.finished_at is not None and move.done == {"day": {"moved": 6}}
    assert {run.journey_version_id for run in runs} == {move.to_version_id}
    assert sorted((run.node_id, run.status.value) for run in runs) == \
        [("out", "exited")] * 3 + [("week", "waiting")] * 3
    assert "moved 6 customers in flight to version 2" in audit.summary
    listed = client.get(f"/api/journeys/{journey_id}/flight-moves").json()
    assert [(m["from_version"], m["to_version"], m["moved"]) for m in listed] == [(1, 2, 6)]
    assert any("6 customers in flight move" in summary for summary in publish_rows)


def test_a_wait_moved_to_its_own_step_keeps_its_time_and_leave_ends_runs(
        client, app_context, ingest_headers):
    journey_id, template = live_with_customers(client, app_context, ingest_headers, 4)
    with app_context.reading() as session:
        before = {run.id: run.wake_at for run in session.scalars(select(Run))}
    renamed = v1(template)
    renamed["nodes"][1]["data"]["label"] = "One day"
    client.patch(f"/api/journeys/{journey_id}", json={"document": renamed})
    published = client.post(f"/api/journeys/{journey_id}/publish",
                            json={"moves": {"day": {"to": "day"}}})
    assert published.status_code == 200, published.text
    drain(app_context.runtime)
    with app_context.reading() as session:
        runs = session.scalars(select(Run)).all()
    assert {run.id: run.wake_at for run in runs} == before  # the same remaining time
    assert {run.status for run in runs} == {RunStatus.WAITING}
    version2 = {run.journey_version_id for run in runs}
    assert len(version2) == 1

    client.patch(f"/api/journeys/{journey_id}", json={"document": v1(template)})
    left = client.post(f"/api/journeys/{journey_id}/publish",
                       json={"moves": {"day": {"action": "leave"}}})
    assert left.status_code == 200, left.text
    drain(app_context.runtime)
    with app_context.reading() as session:
        runs = session.scalars(select(Run)).all()
    assert {(run.status, run.exit_reason) for run in runs} == {
        (RunStatus.EXITED, "left when version 3 was published")}


def test_restart_makes_waiting_customers_start_the_step_afresh(client, app_context,
                                                                ingest_headers):
    journey_id, template = live_with_customers(client, app_context, ingest_headers, 2)
    app_context.runtime.clock.advance(timedelta(hours=20))
    longer = v1(template)
    longer["nodes"][1]["data"]["config"]["duration"] = {"amount": 2, "unit": "days"}
    client.patch(f"/api/journeys/{journey_id}", json={"document": longer})
    client.post(f"/api/journeys/{journey_id}/publish",
                json={"moves": {"day": {"to": "day", "restart_wait": True}}})
    drain(app_context.runtime)
    now = app_context.runtime.clock.now()
    with app_context.reading() as session:
        wakes = {run.wake_at for run in session.scalars(select(Run))}
    assert wakes == {now + timedelta(days=2)}


def test_a_bad_map_is_refused_listing_every_problem_and_nothing_is_published(
        client, app_context, ingest_headers):
    journey_id, template = live_with_customers(client, app_context, ingest_headers, 1)
    client.patch(f"/api/journeys/{journey_id}", json={"document": v2(template)})
    answer = client.post(f"/api/journeys/{journey_id}/publish", json={"moves": {
        "nope": {"to": "vip"}, "day": {"to": "gone"}, "week": {"to": "in"},
        "mail": {"action": "move"}}})
    assert answer.status_code == 422, answer.text
    problems = {(issue["node_id"], issue["field"], issue["code"])
                for issue in answer.json()["issues"]}
    assert problems == {("nope", "moves.nope", "flight.unknown_step"),
                        ("day", "moves.day.to", "flight.unknown_target"),
                        ("week", "moves.week.to", "flight.to_entry"),
                        ("mail", "moves.mail.to", "flight.no_target")}
    versions = client.get(f"/api/journeys/{journey_id}/versions").json()
    assert [version["number"] for version in versions] == [1]
    wrong = client.post(f"/api/journeys/{journey_id}/publish",
                        json={"moves": {"day": {"action": "jump"}}})
    assert wrong.status_code == 400 or wrong.status_code == 422


def test_only_publishers_preview_and_moves_are_read_by_viewers(client_as, client, app_context,
                                                                 ingest_headers):
    journey_id, _template = live_with_customers(client, app_context, ingest_headers, 1)
    viewer = client_as(Role.VIEWER)
    assert viewer.post(f"/api/journeys/{journey_id}/flight-preview").status_code == 403
    assert viewer.get(f"/api/journeys/{journey_id}/flight-moves").status_code == 200
    publisher = client_as(Role.PUBLISHER)
    assert publisher.post(f"/api/journeys/{journey_id}/flight-preview").status_code == 200


def test_approving_a_request_takes_the_map_too(client, client_as, app_context, ingest_headers):
    journey_id, template = live_with_customers(client, app_context, ingest_headers, 2)
    editor, publisher = client_as(Role.EDITOR), client_as(Role.PUBLISHER)
    editor.patch(f"/api/journeys/{journey_id}", json={"document": v2(template)})
    asked = editor.post(f"/api/journeys/{journey_id}/publish-requests", json={"comment": "v2"})
    assert asked.status_code in (200, 201), asked.text
    request_id = asked.json()["id"]
    bad = publisher.post(f"/api/publish-requests/{request_id}/approve",
                         json={"moves": {"day": {"to": "gone"}}})
    assert bad.status_code == 422, bad.text
    approved = publisher.post(f"/api/publish-requests/{request_id}/approve",
                              json={"comment": "ok", "moves": {"day": {"action": "leave"}}})
    assert approved.status_code == 200, approved.text
    drain(app_context.runtime)
    with app_context.reading() as session:
        reasons = set(session.scalars(select(Run.exit_reason)))
    assert reasons == {"left when version 2 was published"}


def resend(template: int, send_id: str = "mail") -> dict:
    """Sign up → an email → a day → done."""
    return document([node("in", "entry.event", "Signed up", {"event": "signup"}),
                     node(send_id, "action.send", "Welcome", {"channel": "email",
                                                              "template": template}),
                     node("day", "flow.delay", "A day", {"duration": DAY}),
                     node("out", "flow.exit", "Done")],
                    [edge("in", send_id), edge(send_id, "day", "next"),
                     edge("day", "out", "next")])


def test_a_customer_moved_back_to_a_step_they_passed_takes_it_again(client, app_context,
                                                                      ingest_headers):
    with app_context.writing() as session:
        template = add_template(session, subject="Welcome", source="Hi")
    journey = client.post("/api/journeys/", json={"name": "Again", "document": resend(template)})
    journey_id = journey.json()["journey"]["id"]
    client.post(f"/api/journeys/{journey_id}/publish")
    client.put("/api/customers/a", headers=ingest_headers,
               json={"email": "a@example.com", "consent": {"email": True}})
    client.post("/api/events", headers=ingest_headers, json={"external_id": "a",
                                                             "name": "signup"})
    drain(app_context.runtime)
    client.patch(f"/api/journeys/{journey_id}", json={"document": resend(template)})
    preview = client.post(f"/api/journeys/{journey_id}/flight-preview",
                          json={"moves": {"day": {"to": "mail"}}}).json()
    assert preview["messages_at_once"] == 1
    client.post(f"/api/journeys/{journey_id}/publish", json={"moves": {"day": {"to": "mail"}}})
    drain(app_context.runtime)
    with app_context.reading() as session:
        messages = session.scalars(select(Message).order_by(Message.id)).all()
        steps = {(step.node_id, step.visit): (step.outcome, step.left_at is not None)
                 for step in session.scalars(select(Step))}
        run = session.scalars(select(Run)).one()
    assert [(message.node_id, message.visit) for message in messages] == [("mail", 1),
                                                                          ("mail", 2)]
    assert steps[("day", 1)] == ("moved", True)  # the wait it left, closed
    assert steps[("mail", 2)][0] == "passed" and steps[("day", 2)] == ("waiting", False)
    assert (run.visit, run.node_id, run.status) == (2, "day", RunStatus.WAITING)


def test_customers_held_before_a_paused_step_moved_to_another_step_go_on(
        client, app_context, ingest_headers):
    journey_id, template = live_with_customers(client, app_context, ingest_headers, 2)
    assert client.post(f"/api/journeys/{journey_id}/steps/mail/pause").status_code == 200
    for wait in (DAY, WEEK):
        app_context.runtime.clock.advance(timedelta(days=wait["amount"], minutes=1))
        drain(app_context.runtime)
    with app_context.reading() as session:
        held = session.scalars(select(Run)).all()
    assert {(run.node_id, run.wake_at) for run in held} == {("mail", None)}  # held before it
    moved = v1(template)
    moved["nodes"][3]["id"] = "mail2"
    moved["edges"] = [edge("in", "day"), edge("day", "week", "next"),
                      edge("week", "mail2", "next"), edge("mail2", "out", "next")]
    client.patch(f"/api/journeys/{journey_id}", json={"document": moved})
    answer = client.post(f"/api/journeys/{journey_id}/publish",
                         json={"moves": {"mail": {"to": "mail2"}}})
    assert answer.status_code == 200, answer.text
    drain(app_context.runtime)
    with app_context.reading() as session:
        runs = session.scalars(select(Run)).all()
        sent = session.scalars(select(Message.node_id)).all()
    assert {(run.node_id, run.status) for run in runs} == {("out", RunStatus.EXITED)}
    assert sorted(sent) == ["mail2", "mail2"]


def test_a_second_map_waits_for_the_first_move_to_finish(client, app_context, ingest_headers):
    journey_id, template = live_with_customers(client, app_context, ingest_headers, 2)
    client.patch(f"/api/journeys/{journey_id}", json={"document": v2(template)})
    moves = {"day": {"to": "vip"}}
    assert client.post(f"/api/journeys/{journey_id}/publish",
                       json={"moves": moves}).status_code == 200
    client.patch(f"/api/journeys/{journey_id}", json={"document": v1(template)})
    again = client.post(f"/api/journeys/{journey_id}/publish", json={"moves": {}})
    assert again.status_code == 409 and "still being moved" in again.json()["detail"]
    drain(app_context.runtime)  # the first move finishes
    assert client.post(f"/api/journeys/{journey_id}/publish",
                       json={"moves": {}}).status_code == 200
