"""Delivery receipts over the real app: messages move, events are recorded, waits resume."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select, update

from runtime.store.models import Event, Message, MessageStatus, Run, RunStatus, Template
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import drain
from tests.server.test_events import publish

SECRET = "receipt-secret-0123456789"


def texted(template: int) -> dict:
    """Sign-up → SMS → wait a day for its delivery receipt → exits."""
    delivered = {"event": "message_delivered", "timeout": {"amount": 1, "unit": "days"},
                 "where": [{"type": "attr", "field": "node_id", "op": "eq", "value": "text"}]}
    return document(
        [node("in", "entry.event", "Signed up", {"event": "signup"}),
         node("text", "action.send", "Welcome text", {"channel": "sms", "template": template}),
         node("wait", "flow.wait_event", "Delivered?", delivered),
         node("yes", "flow.exit", "Delivered", {"reason": "delivered"}),
         node("no", "flow.exit", "No receipt", {"reason": "no receipt"})],
        [edge("in", "text"), edge("text", "wait", "next"), edge("wait", "yes", "matched"),
         edge("wait", "no", "timeout")])


def sent_text(client, app_context, ingest_headers) -> tuple[int, int]:
    """A customer signs up and is sent the text; (run id, message id)."""
    with app_context.writing() as session:
        template = Template(channel="sms", name="Welcome", source="Welcome!", options={})
        session.add(template)
        session.flush()
        template_id = template.id
    publish(client, texted(template_id))
    client.put("/api/customers/r1", headers=ingest_headers,
               json={"phone": "+821012345678", "consent": {"sms": True}})
    [run_id] = client.post("/api/events", headers=ingest_headers, json={
        "external_id": "r1", "name": "signup"}).json()["enrolled"]
    drain(app_context.runtime)
    with app_context.reading() as session:
        message = session.scalars(select(Message).where(Message.run_id == run_id)).one()
    assert message.status is MessageStatus.SENT
    return run_id, message.id


def receipts(client, headers, channel: str, *items: dict):
    return client.post(f"/api/receipts/{channel}", headers=headers, json={"receipts": list(items)})


def test_a_delivery_receipt_moves_the_message_and_resumes_the_wait(client, app_context,
                                                                   ingest_headers):
    run_id, message_id = sent_text(client, app_context, ingest_headers)
    answer = receipts(client, ingest_headers, "sms",
                      {"message_id": message_id, "status": "delivered"},
                      {"message_id": message_id, "status": "delivered"},  # the provider repeats
                      {"message_id": 999_999, "status": "delivered"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"applied": 1, "results": [
        {"message_id": message_id, "outcome": "applied"},
        {"message_id": message_id, "outcome": "duplicate"},
        {"message_id": 999_999, "outcome": "unknown"}]}
    drain(app_context.runtime)
    with app_context.reading() as session:
        run = session.get(Run, run_id)
        message = session.get(Message, message_id)
        [event] = session.scalars(select(Event).where(Event.name == "message_delivered")).all()
    assert (run.status, run.exit_reason) == (RunStatus.EXITED, "delivered")
    assert message.status is MessageStatus.DELIVERED
    assert event.properties == {"message_id": message_id, "journey_id": run.journey_id,
                                "node_id": "text", "channel": "sms"}

    failed = receipts(client, ingest_headers, "sms", {
        "message_id": message_id, "status": "failed", "reason": "handset\nunreachable"})
    assert failed.json()["results"][0]["outcome"] == "applied"
    wrong_channel = receipts(client, ingest_headers, "kakao",
                             {"message_id": message_id, "status": "failed"})
    assert wrong_channel.json()["results"][0]["outcome"] == "unknown"
    with app_context.reading() as session:
        message = session.get(Message, message_id)
        assert session.scalars(select(Event.name).where(Event.name == "message_failed")).all()
    assert message.status is MessageStatus.FAILED
    assert message.reason == "the sms provider reported it undelivered: handset unreachable"


def test_a_receipt_before_the_send_is_recorded_asks_to_come_again(client, app_context,
                                                                  ingest_headers):
    _run_id, message_id = sent_text(client, app_context, ingest_headers)
    with app_context.writing() as session:
        session.execute(update(Message).where(Message.id == message_id)
                        .values(status=MessageStatus.QUEUED))
    answer = receipts(client, ingest_headers, "sms",
                      {"message_id": message_id, "status": "delivered"})
    assert answer.json()["results"][0]["outcome"] == "not_sent"
    with app_context.reading() as session:
        assert session.get(Message, message_id).status is MessageStatus.QUEUED


def test_receipts_need_the_api_key_or_the_receipt_secret(client, anonymous_client, app_context,
                                                         ingest_headers):
    _run_id, message_id = sent_text(client, app_context, ingest_headers)
    item = {"message_id": message_id, "status": "delivered"}
    assert receipts(anonymous_client, {}, "sms", item).status_code == 401
    assert receipts(anonymous_client, {"X-Receipt-Secret": SECRET}, "sms", item).status_code == 401
    runtime = app_context.runtime
    runtime.settings = replace(runtime.settings, receipt_secret=SECRET)
    assert receipts(anonymous_client, {"X-Receipt-Secret": "wrong-secret-0123456789"}, "sms",
                    item).status_code == 401
    answer = receipts(anonymous_client, {"X-Receipt-Secret": SECRET}, "sms", item)
    assert answer.status_code == 200 and answer.json()["applied"] == 1


def test_bad_receipts_are_a_422_naming_each_problem(client, ingest_headers):
    answer = client.post("/api/receipts/sms", headers=ingest_headers, json={"receipts": [
        {"message_id": 0, "status": "read"}]})
    assert answer.status_code == 422
    assert answer.json()["issues"]
    assert client.post("/api/receipts/webhook", headers=ingest_headers, json={"receipts": [
        {"message_id": 1, "status": "delivered"}]}).status_code == 422
    assert client.post("/api/receipts/sms", headers=ingest_headers,
                       json={"receipts": []}).status_code == 422
