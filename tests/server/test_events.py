"""Events and API entries over the real app, databases, Redis and workers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from runtime.store.models import Customer, Event, Message, Run, RunStatus, Step
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_template, drain
from tests.server.conftest import API_KEY


def publish(client, doc: dict, name: str = "Journey") -> int:
    created = client.post("/api/journeys/", json={"name": name, "document": doc})
    assert created.status_code == 201, created.text
    journey_id = created.json()["journey"]["id"]
    published = client.post(f"/api/journeys/{journey_id}/publish")
    assert published.status_code == 200, published.text
    return journey_id


def welcome(template: int) -> dict:
    return document([node("in", "entry.event", "Signed up", {"event": "signup"}),
                     node("mail", "action.send", "Welcome mail",
                          {"channel": "email", "template": template}),
                     node("out", "flow.exit", "Done")],
                    [edge("in", "mail"), edge("mail", "out", "next")])


def test_an_event_enrols_and_the_customer_moves_at_once(client, ingest_headers, app_context):
    with app_context.writing() as session:
        template = add_template(session, subject="Welcome", source="Hi {{ event.plan }}")
    publish(client, welcome(template))
    client.put("/api/customers/e1", headers=ingest_headers,
               json={"email": "e1@example.com", "consent": {"email": True}})

    answer = client.post("/api/events", headers=ingest_headers, json={
        "external_id": "e1", "name": "signup", "properties": {"plan": "pro"}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "accepted" and body["duplicate"] is False
    [run_id] = body["enrolled"]
    assert body["resumed"] == [] and body["exited"] == []
    assert app_context.runtime.steps.count >= 1  # queued now, not left for the sweeper

    drain(app_context.runtime)
    with app_context.reading() as session:
        run = session.get(Run, run_id)
        assert run.status in (RunStatus.EXITED, RunStatus.DONE) and run.ended_at is not None
        visited = set(session.scalars(select(Step.node_id).where(Step.run_id == run_id)))
        message = session.scalars(select(Message).where(Message.run_id == run_id)).one()
    assert visited == {"in", "mail", "out"}
    assert (message.channel, message.content["to"], message.content["text"]) == (
        "email", "e1@example.com", "Hi pro")

    other = client.post("/api/events", headers=ingest_headers, json={
        "external_id": "e1", "name": "page_view"}).json()
    assert other["enrolled"] == [] and other["status"] == "accepted"


def test_an_event_resumes_a_wait_and_ends_runs_on_exit_criteria(client, ingest_headers,
                                                                app_context):
    doc = document([node("in", "entry.event", "Cart", {"event": "cart_add"}),
                    node("wait", "flow.wait_event", "Bought?",
                         {"event": "purchase", "timeout": {"amount": 1, "unit": "days"}}),
                    node("yes", "flow.exit", "Bought"), node("no", "flow.exit", "No")],
                   [edge("in", "wait"), edge("wait", "yes", "matched"),
                    edge("wait", "no", "timeout")])
    publish(client, doc, "Cart")
    leave = document([node("in", "entry.event", "Cart", {"event": "cart_add"}),
                      node("wait", "flow.delay", "A week", {
                          "mode": "duration", "duration": {"amount": 7, "unit": "days"}}),
                      node("out", "flow.exit")],
                     [edge("in", "wait"), edge("wait", "out", "next")],
                     exit_when={"event": "unsubscribe"})
    publish(client, leave, "Nurture")

    started = client.post("/api/events", headers=ingest_headers,
                          json={"external_id": "w1", "name": "cart_add"}).json()
    assert len(started["enrolled"]) == 2
    drain(app_context.runtime)
    app_context.clock.advance(timedelta(hours=1))
    bought = client.post("/api/events", headers=ingest_headers,
                         json={"external_id": "w1", "name": "purchase"}).json()
    assert len(bought["resumed"]) == 1 and bought["enrolled"] == []
    gone = client.post("/api/events", headers=ingest_headers,
                       json={"external_id": "w1", "name": "unsubscribe"}).json()
    assert len(gone["exited"]) == 1
    drain(app_context.runtime)
    runs = {run["journey_name"]: run for run in
            client.get("/api/customers/w1").json()["journeys"]}
    assert (runs["Cart"]["status"], runs["Cart"]["node_id"]) == ("exited", "yes")
    assert runs["Nurture"]["status"] == "exited"
    assert "unsubscribe" in runs["Nurture"]["exit_reason"]


def test_a_dedup_key_is_applied_once(client, ingest_headers, app_context):
    event = {"external_id": "d1", "name": "purchase", "dedup_key": "order-77",
             "properties": {"amount": 12000}, "occurred_at": "2026-03-01T12:00:00+09:00"}
    first = client.post("/api/events", headers=ingest_headers, json=event).json()
    again = client.post("/api/events", headers=ingest_headers, json=event).json()
    assert first["status"] == "accepted" and first["event_id"] is not None
    assert again == {"status": "duplicate", "event_id": None, "duplicate": True,
                     "enrolled": [], "resumed": [], "exited": [], "issues": []}
    batch = client.post("/api/events/batch", headers=ingest_headers, json={"events": [
        {"external_id": "d1", "name": "purchase", "dedup_key": "order-78"},
        {"external_id": "d1", "name": "purchase", "dedup_key": "order-78"},
        {"external_id": "d1", "name": "purchase", "dedup_key": "order-77"}]}).json()
    assert [result["status"] for result in batch["results"]] == [
        "accepted", "duplicate", "duplicate"]
    with app_context.reading() as session:
        stored = session.execute(select(Event.dedup_key, Event.occurred_at)
                                 .order_by(Event.id)).all()
    assert [key for key, _ in stored] == ["order-77", "order-78"]
    assert stored[0][1].isoformat() == "2026-03-01T03:00:00+00:00"


def test_a_batch_reports_each_event(client, ingest_headers, app_context):
    future = (app_context.now() + timedelta(hours=2)).isoformat()
    answer = client.post("/api/events/batch", headers=ingest_headers, json={"events": [
        {"external_id": "b1", "name": "open"},
        {"external_id": "b2", "name": "open", "occurred_at": future},
        {"external_id": "  ", "name": "open"},
        {"external_id": "b3", "name": "click", "properties": {"url": "/"}}]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["accepted"], body["duplicates"], body["invalid"]) == (2, 0, 2)
    assert [result["status"] for result in body["results"]] == [
        "accepted", "invalid", "invalid", "accepted"]
    assert body["results"][1]["issues"][0]["field"] == "occurred_at"
    assert body["results"][2]["issues"][0]["field"] == "external_id"
    with app_context.reading() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 2
        assert set(session.scalars(select(Customer.external_id))) == {"b1", "b3"}


def test_bad_events_are_422_with_the_field(client, ingest_headers, app_context):
    nameless = client.post("/api/events", headers=ingest_headers, json={"external_id": "x"})
    assert nameless.status_code == 422 and "`name`" in nameless.json()["issues"][0]["message"]
    naive = client.post("/api/events", headers=ingest_headers, json={
        "external_id": "x", "name": "open", "occurred_at": "2026-03-01T12:00:00"})
    assert naive.status_code == 422 and naive.json()["issues"][0]["field"] == "occurred_at"
    future = client.post("/api/events", headers=ingest_headers, json={
        "external_id": "x", "name": "open",
        "occurred_at": (app_context.now() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "future" in future.json()["detail"]
    nul = client.post("/api/events", headers=ingest_headers, json={
        "external_id": "x", "name": "open", "properties": {"k": "a\u0000"}})
    assert nul.status_code == 422 and nul.json()["issues"][0]["field"] == "properties"
    too_many = client.post("/api/events/batch", headers=ingest_headers, json={
        "events": [{"external_id": "x", "name": "open"}] * 1001})
    assert too_many.status_code == 422
    nested = client.post("/api/events/batch", headers=ingest_headers, json={
        "events": [{"external_id": "x", "name": "open"}, {"external_id": "x", "name": ""}]})
    assert nested.status_code == 422
    assert nested.json()["issues"][0]["field"] == "events[1].name"
    with app_context.reading() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_ingest_needs_the_api_key(anonymous_client, app_context):
    event = {"external_id": "x", "name": "open"}
    client = anonymous_client
    assert client.post("/api/events", json=event).status_code == 401
    assert client.post("/api/events/batch", json={"events": [event]}).status_code == 401
    wrong = client.post("/api/events", json=event, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["status_code"] == 401
    assert client.post("/api/journeys/1/entries", json={"external_id": "x"}).status_code == 401
    good = client.post("/api/events", json=event, headers={"Authorization": f"bearer {API_KEY}"})
    assert good.status_code == 200
    with app_context.reading() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1


def test_api_entries_admit_once_and_say_why_not(client, ingest_headers, app_context):
    doc = document([node("in", "entry.api", "Order placed", {"required_fields": ["order_id"]}),
                    node("wait", "flow.delay", "A day", {
                        "mode": "duration", "duration": {"amount": 1, "unit": "days"}}),
                    node("out", "flow.exit")],
                   [edge("in", "wait"), edge("wait", "out", "next")])
    journey = publish(client, doc, "Orders")
    path = f"/api/journeys/{journey}/entries"

    entered = client.post(path, headers=ingest_headers,
                          json={"external_id": "a1", "payload": {"order_id": "o-1"}})
    assert entered.status_code == 200, entered.text
    assert entered.json()["admitted"] is True
    run_id = entered.json()["run_id"]
    drain(app_context.runtime)
    with app_context.reading() as session:
        run = session.get(Run, run_id)
        assert (run.node_id, run.payload) == ("wait", {"order_id": "o-1"})

    twice = client.post(path, headers=ingest_headers,
                        json={"external_id": "a1", "payload": {"order_id": "o-2"}}).json()
    assert twice["admitted"] is False and twice["run_id"] is None
    assert "already" in twice["reason"]

    missing = client.post(path, headers=ingest_headers, json={"external_id": "a2"})
    assert missing.status_code == 422
    assert missing.json()["issues"][0]["field"] == "payload.order_id"

    assert client.post("/api/journeys/999999/entries", headers=ingest_headers,
                       json={"external_id": "a1"}).status_code == 404
    client.post(f"/api/journeys/{journey}/pause")
    paused = client.post(path, headers=ingest_headers,
                         json={"external_id": "a3", "payload": {"order_id": "o-3"}})
    assert paused.status_code == 409
    with app_context.reading() as session:  # refused entries leave no empty profiles behind
        assert set(session.scalars(select(Customer.external_id))) == {"a1"}


def test_entries_only_for_api_journeys(client, ingest_headers, app_context):
    journey = publish(client, document([node("in", "entry.event", "E", {"event": "x"}),
                                        node("out", "flow.exit")], [edge("in", "out")]))
    answer = client.post(f"/api/journeys/{journey}/entries", headers=ingest_headers,
                         json={"external_id": "a1"})
    assert answer.status_code == 409 and "API call" in answer.json()["detail"]
    once = publish(client, document([node("in", "entry.api", "API", {"required_fields": []}),
                                     node("out", "flow.exit")], [edge("in", "out")],
                                    reentry="never"), "Once")
    path = f"/api/journeys/{once}/entries"
    assert client.post(path, headers=ingest_headers, json={"external_id": "r1"}).json()[
        "admitted"] is True
    drain(app_context.runtime)
    again = client.post(path, headers=ingest_headers, json={"external_id": "r1"}).json()
    assert again["admitted"] is False and "once" in again["reason"]
