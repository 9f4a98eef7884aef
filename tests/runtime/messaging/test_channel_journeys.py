"""Channels end to end: journeys send through real local HTTP servers standing in for the
SMS, KakaoTalk and push providers, on SQLite and PostgreSQL with real Redis and RQ workers.

An event enters each customer; the send step renders the template with their attributes and
the event's properties; delivery jobs call the providers; the clock is moved for retries.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from runtime.flow.ingest import ingest_event
from runtime.messaging.channels import WebhookAdapter
from runtime.messaging.compliance import MessageRules, install_rules
from runtime.messaging.fallback import FALLBACK_VISIT
from runtime.messaging.providers import HttpProviderAdapter
from runtime.run.lifecycle import publish
from runtime.store.models import Customer, Message, MessageStatus, Template
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, dispatch, drain, move

NAME = {"name": "민지"}


@pytest.fixture
def rules():
    """No advertising label here (these are transactional sends; test_compliance covers it)."""
    previous = install_rules(MessageRules())
    yield
    install_rules(previous)


@pytest.fixture
def providers(wayline, http_server):
    """Local providers for SMS, KakaoTalk and push wired into the runtime's adapters."""
    made = {}
    for channel, account in (("sms", {"sender": "0212345678"}), ("kakao", {"sender_key": "sk"}),
                             ("push", {})):
        endpoint = http_server()
        made[channel] = endpoint
        wayline.adapters[channel] = HttpProviderAdapter(channel, endpoint.url, "key", account,
                                                        timeout=2)
    yield made
    for channel in made:
        wayline.adapters[channel].close()


def template(session, channel: str, source: str, **fields) -> int:
    taken = session.scalar(select(func.count()).select_from(Template))
    row = Template(channel=channel, name=f"{channel} {taken + 1}", source=source,
                   subject=fields.pop("subject", None), options=fields)
    session.add(row)
    session.flush()
    return row.id


def send_journey(template_id: int, channel: str, **config) -> dict:
    """Event `order` → send on `channel` → end."""
    return document(
        [node("entry", "entry.event", "Ordered", {"event": "order"}),
         node("send", "action.send", "Tell them",
              {"channel": channel, "template": template_id, "purpose": "transactional",
               **config})],
        [edge("entry", "send")])


def run_journey(rt, channel: str, source: str, customers: int = 1, config=None,
                consent=None, sweep: bool = True, **template_fields) -> list[Message]:
    now = rt.clock.now()
    with rt.sessions() as session:
        if not session.scalar(select(func.count()).select_from(Customer)):
            more = {"consent": consent} if consent is not None else {}
            add_customers(session, customers, now, attributes=NAME, **more)
        template_id = template(session, channel, source, **template_fields)
        journey = add_journey(session, send_journey(template_id, channel, **(config or {})))
        publish(session, journey, now)
        session.commit()
    started = []
    with rt.sessions() as session:
        for index in range(customers):
            started += ingest_event(session, f"c{index}", "order", {"item": "운동화"}, now,
                                    now).runs_to_dispatch
        session.commit()
    dispatch(rt, started)  # the batch, then its delivery jobs (and what they queue), in burst
    if sweep:
        drain(rt)
    return messages(rt)


def messages(rt) -> list[Message]:
    with rt.sessions() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_each_channel_reaches_its_own_provider(wayline, providers, rules):
    run_journey(wayline, "push", "{{ event.item }} 배송 시작", subject="{{ customer.name }}님",
                deep_link="shop://orders/{{ event.item }}", data={"kind": "shipping"})
    assert providers["push"].requests[0].body["title"] == "민지님"
    assert providers["push"].requests[0].body["deep_link"] == "shop://orders/운동화"
    assert providers["push"].requests[0].body["data"] == {"kind": "shipping"}
    assert providers["sms"].requests == [] and providers["kakao"].requests == []
    [message] = messages(wayline)
    assert message.status is MessageStatus.SENT
    assert providers["push"].requests[0].headers["Idempotency-Key"] == str(message.id)


def test_sms_or_lms_by_the_rendered_bytes(wayline, providers, rules):
    short = "{{ customer.name }}님, {{ event.item }} 주문 완료"  # 24 bytes rendered
    long = short + " " + "감사합니다 " * 10  # 24 + 1 + 110 bytes
    run_journey(wayline, "sms", short)
    run_journey(wayline, "sms", long)
    first, second = (request.body for request in providers["sms"].requests)
    assert (first["type"], first["bytes"], first["text"]) == ("SMS", 24, "민지님, 운동화 주문 완료")
    assert (second["type"], second["bytes"]) == ("LMS", 135)
    assert [message.content["type"] for message in messages(wayline)] == ["SMS", "LMS"]


def test_kakao_failure_falls_back_to_sms_and_the_ledger_keeps_both(wayline, providers, rules):
    providers["kakao"].otherwise = (400, {}, '{"error": "not a KakaoTalk user"}')
    run_journey(wayline, "kakao", "{{ customer.name }}님, 주문이 접수되었어요.",
                config={"fallback_text": "[샵] {{ customer.name }}님 주문 접수"},
                template_code="ORDER_OK", variables={"name": "{{ customer.name }}"},
                sweep=False)  # the fallback goes at once, without waiting for a sweep

    assert providers["kakao"].requests[0].body["variables"] == {"name": "민지"}
    [text] = providers["sms"].requests
    assert text.body["text"] == "[샵] 민지님 주문 접수" and text.body["type"] == "SMS"
    kakao, sms = messages(wayline)
    assert (kakao.channel, kakao.status) == ("kakao", MessageStatus.FAILED)
    assert "answered 400" in kakao.reason and "not a KakaoTalk user" in kakao.provider_answer
    assert (sms.channel, sms.status) == ("sms", MessageStatus.SENT)
    assert (sms.run_id, sms.node_id, sms.visit) == (kakao.run_id, "send",
                                                   kakao.visit + FALLBACK_VISIT)
    assert sms.content["fallback_of"] == kakao.id
    assert text.headers["Idempotency-Key"] == str(sms.id) != str(kakao.id)


def test_without_fallback_text_the_kakao_text_goes_and_off_means_off(wayline, providers, rules):
    providers["kakao"].otherwise = (400, {}, "blocked")
    run_journey(wayline, "kakao", "주문이 접수되었어요.", template_code="ORDER_OK")
    assert providers["sms"].requests[0].body["text"] == "주문이 접수되었어요."
    run_journey(wayline, "kakao", "배송이 시작되었어요.", config={"sms_fallback": False},
                template_code="SHIPPED")
    assert len(providers["sms"].requests) == 1
    assert [m.channel for m in messages(wayline)] == ["kakao", "sms", "kakao"]


def test_a_transient_failure_is_retried_then_sent(wayline, providers, rules):
    providers["sms"].answers = [(503, {"Retry-After": "60"}, "busy")]
    [message] = run_journey(wayline, "sms", "주문 완료")
    assert message.status is MessageStatus.QUEUED
    assert message.reason.startswith("retrying: the sms provider")
    move(wayline, timedelta(seconds=67))  # 60 s as asked, and up to 10% jitter
    [message] = messages(wayline)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    first, second = providers["sms"].requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]


def test_kakao_still_failing_when_retries_run_out_falls_back(wayline, providers, rules):
    providers["kakao"].otherwise = (500, {}, "kakao is down")
    run_journey(wayline, "kakao", "주문이 접수되었어요.", template_code="ORDER_OK")
    for _ in range(6):
        move(wayline, timedelta(hours=1))
    kakao, sms = messages(wayline)
    assert kakao.status is MessageStatus.FAILED and kakao.reason.startswith("gave up after 5")
    assert sms.status is MessageStatus.SENT and len(providers["kakao"].requests) == 5


def test_a_permanent_failure_is_recorded_with_the_reason(wayline, providers, rules):
    providers["push"].otherwise = (404, {}, '{"error": "no device for c0"}')
    [message] = run_journey(wayline, "push", "세일 시작")
    assert message.status is MessageStatus.FAILED
    assert "answered 404" in message.reason and "no device for c0" in message.provider_answer
    assert "no device" not in message.reason  # the provider's words are kept apart
    assert len(providers["push"].requests) == 1


def test_a_text_longer_than_an_lms_fails_before_any_provider_call(wayline, providers, rules):
    [message] = run_journey(wayline, "sms", "{{ customer.name }}" + "가" * 1000)
    assert message.status is MessageStatus.FAILED
    assert "more than the 2,000 bytes an LMS may carry" in message.reason
    assert providers["sms"].requests == []


def test_a_webhook_step_calls_its_url_with_method_headers_and_json_body(wayline, http_server,
                                                                        webhook, rules):
    endpoint = http_server()
    wayline.adapters["webhook"] = webhook
    run_journey(wayline, "webhook",
                '{"customer": {{ customer.external_id | json }}, "item": {{ event.item | json }}}',
                url=endpoint.url + "/{{ customer.external_id }}", method="PATCH",
                headers={"Authorization": "Bearer {{ customer.external_id }}"})
    [request] = endpoint.requests
    [message] = messages(wayline)
    assert (request.method, request.path) == ("PATCH", "/hooks/order/c0")
    assert request.headers["Authorization"] == "Bearer c0"
    assert request.headers["Idempotency-Key"] == str(message.id)
    assert request.body == {"customer": "c0", "item": "운동화"}
    assert message.status is MessageStatus.SENT


def test_a_fallback_without_text_consent_is_suppressed_with_the_reason(wayline, providers,
                                                                         rules):
    providers["kakao"].otherwise = (400, {}, "not a KakaoTalk user")
    run_journey(wayline, "kakao", "이번 주 세일!", config={"purpose": "marketing"},
                consent={"kakao": True}, template_code="SALE")
    kakao, sms = messages(wayline)
    assert kakao.status is MessageStatus.FAILED
    assert sms.status is MessageStatus.SUPPRESSED and sms.content["fallback_of"] == kakao.id
    assert "no marketing consent for sms" in sms.reason
    assert providers["sms"].requests == []


def test_a_template_past_a_render_limit_fails_its_message_with_the_reason(wayline, providers,
                                                                          rules):
    [message] = run_journey(wayline, "sms", "{% for i in (1..100000000) %}x{% endfor %}")
    assert message.status is MessageStatus.FAILED
    assert message.reason.startswith("Message, line 1: the template loops more than 10,000 times")
    assert providers["sms"].requests == []


def test_a_webhook_to_an_internal_address_fails_once_and_calls_nothing(wayline, http_server,
                                                                       rules):
    endpoint = http_server()
    wayline.adapters["webhook"] = WebhookAdapter(timeout=2.0)  # nothing allow-listed
    [message] = run_journey(wayline, "webhook", '{"customer": "{{ customer.external_id }}"}',
                            url=endpoint.url + "/{{ customer.external_id }}")
    move(wayline, timedelta(hours=2))  # no retry comes: the address will not become public
    [message] = messages(wayline)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "127.0.0.1 is a loopback address" in message.reason
    assert endpoint.requests == []
    wayline.adapters["webhook"].close()
