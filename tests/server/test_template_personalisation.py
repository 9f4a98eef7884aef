"""Personalisation over the real app: a missing variable is a warning where it can be seen
(an attribute no customer has) and a recorded failure at send time otherwise, never a blank;
per-customer previews render exactly what a send step stores."""

from __future__ import annotations

from sqlalchemy import select

from runtime.store.models import Message, MessageStatus
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import drain
from tests.server.test_events import publish


def customer(client, headers, external_id: str, **fields) -> None:
    answer = client.put(f"/api/customers/{external_id}", headers=headers, json=fields)
    assert answer.status_code == 200, answer.text


def create(client, **template) -> dict:
    answer = client.post("/api/templates/", json=template)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_an_attribute_no_customer_has_is_a_warning_on_the_field(client, ingest_headers):
    customer(client, ingest_headers, "c1", attributes={"first_name": "민지", "tier": "gold"})
    made = create(client, channel="email", name="Welcome",
                  subject="{{ customer.first_nam }}님 환영해요",
                  source="{{ customer.first_name }}님, {{ customer.attributes.tier }} 등급이에요",
                  options={"html": "<p>{{ customer.coupon | default: '없음' }}</p>"})
    assert [(w["field"], w["message"][:25]) for w in made["warnings"]] == [
        ("subject", "No customer has 'first_na"), ("options.html", "No customer has 'coupon',")]

    fixed = client.patch(f"/api/templates/{made['id']}", json={
        "subject": "{{ customer.first_name }}님 환영해요"}).json()
    assert [w["field"] for w in fixed["warnings"]] == ["options.html"]


def test_a_missing_value_at_send_time_is_a_recorded_failure(client, ingest_headers, app_context):
    customer(client, ingest_headers, "has", phone="01012345678", attributes={"name": "민지"},
             consent={"sms": True})
    customer(client, ingest_headers, "lacks", phone="01087654321", consent={"sms": True})
    template = create(client, channel="sms", name="Hello",
                      source="{{ customer.name }}님 안녕하세요")
    publish(client, document(
        [node("in", "entry.event", "Visited", {"event": "visit"}),
         node("text", "action.send", "Hello", {"channel": "sms", "template": template["id"],
                                                "purpose": "transactional"})],
        [edge("in", "text")]))
    for external_id in ("has", "lacks"):
        client.post("/api/events", headers=ingest_headers,
                    json={"external_id": external_id, "name": "visit"})
    drain(app_context.runtime)
    with app_context.reading() as session:
        sent, failed = session.scalars(select(Message).order_by(Message.id)).all()
    assert sent.status is MessageStatus.SENT and sent.content["text"] == "민지님 안녕하세요"
    assert failed.status is MessageStatus.FAILED and failed.content == {}
    assert "this customer has no customer.name" in failed.reason


def test_a_preview_for_a_customer_renders_what_the_send_stores(client, ingest_headers):
    customer(client, ingest_headers, "c1", phone="01012345678", attributes={"name": "민지"})
    kakao = create(client, channel="kakao", name="Shipped",
                   source="{{ customer.name }}님, 배송 시작!",
                   options={"template_code": "SHIP_1",
                            "variables": {"name": "{{ customer.name }}"}})
    preview = client.post(f"/api/templates/{kakao['id']}/render", json={
        "external_id": "c1", "purpose": "marketing",
        "fallback_text": "{{ customer.name }}님 배송 시작 " + "안내 " * 20}).json()
    content = preview["content"]
    assert preview["error"] is None and preview["customer"] == "c1"
    assert content["text"] == "(광고) 민지님, 배송 시작!"
    assert (content["template_code"], content["variables"]) == ("SHIP_1", {"name": "민지"})
    assert content["fallback"]["type"] == "LMS" and content["fallback"]["bytes"] == 123
    assert content["fallback"]["text"].startswith("(광고) 민지님 배송 시작")

    plain = client.post(f"/api/templates/{kakao['id']}/render", json={"external_id": "c1"})
    assert plain.json()["content"]["text"] == "민지님, 배송 시작!"

    sms = create(client, channel="sms", name="Short", source="{{ customer.name }}님 안녕")
    short = client.post(f"/api/templates/{sms['id']}/render", json={
        "external_id": "c1", "purpose": "transactional"}).json()["content"]
    assert (short["type"], short["bytes"]) == ("SMS", 11)

    missing = client.post(f"/api/templates/{sms['id']}/render", json={
        "sample": {"attributes": {}}, "purpose": "transactional"}).json()
    assert missing["content"] is None and "has no customer.name" in missing["error"]
