"""Brand Message end to end: a journey sends a Kakao Brand Message through the generic JSON
provider configured by settings (WAYLINE_BRAND_URL), to a real local HTTP server; the provider
refuses it for good, and the runtime sends the labelled text by SMS instead. Real workers, Redis
and SQLite / PostgreSQL; the clock is moved into the 20:50–08:00 cut-off to see messages wait.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from runtime.flow.ingest import ingest_event
from runtime.messaging.channels import adapters_from_settings
from runtime.messaging.compliance import MessageRules, install_rules
from runtime.run.lifecycle import publish
from runtime.store.models import Message, MessageStatus, Template
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, dispatch, drain, move

CONSENT = {"brand": True, "sms": True}
OPT_OUT = "무료수신거부 080-555-0100"


@pytest.fixture
def labelled(wayline):
    """The advertising label and the opt-out line, as a Korean workspace sets them (workers
    install the rules from the settings)."""
    wayline.settings = replace(wayline.settings, ad_label="(광고)", opt_out_line=OPT_OUT)
    previous = install_rules(MessageRules(ad_label="(광고)", opt_out_line=OPT_OUT))
    yield
    install_rules(previous)


@pytest.fixture
def brand_provider(wayline, http_server):
    """Brand Messages and texts by the settings' providers, each a local server."""
    brand, sms = http_server(), http_server()
    settings = replace(wayline.settings, brand_url=brand.url, brand_api_key="bk",
                       brand_sender_key="profile-1", sms_url=sms.url, sms_sender="0212345678")
    made = adapters_from_settings(settings)
    for channel in ("brand", "sms"):
        wayline.adapters[channel] = made[channel]
    yield brand, sms
    for channel in ("brand", "sms"):
        made[channel].close()


def _send(wayline, options: dict, consent: dict | None = None) -> list[Message]:
    now = wayline.clock.now()
    with wayline.sessions() as session:
        add_customers(session, 1, now, attributes={"name": "민지"}, consent=consent or CONSENT)
        template = Template(channel="brand", name="주말 특가", subject=None,
                            source="{{ customer.name }}님, 주말 특가가 열렸어요.",
                            options=options)
        session.add(template)
        session.flush()
        journey = add_journey(session, document(
            [node("entry", "entry.event", "Visited", {"event": "visit"}),
             node("send", "action.send", "Brand Message",
                  {"channel": "brand", "template": template.id, "purpose": "marketing"})],
            [edge("entry", "send")]))
        publish(session, journey, now)
        session.commit()
    with wayline.sessions() as session:
        started = ingest_event(session, "c0", "visit", {}, now, now).runs_to_dispatch
        session.commit()
    dispatch(wayline, started)
    return _messages(wayline)


def _messages(wayline) -> list[Message]:
    with wayline.sessions() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_a_refused_brand_message_falls_back_to_a_labelled_sms(wayline, brand_provider,
                                                             labelled):
    brand, sms = brand_provider
    brand.otherwise = (400, {}, '{"code": "3016", "error": "not a marketing-consented user"}')
    _send(wayline, {"targeting": "I", "format": "wide", "image": 7,
                    "image_link": "https://shop.example/sale",
                    "buttons": {"특가 보기": "https://shop.example/sale"}})

    [asked] = brand.requests
    assert asked.headers["X-Api-Key"] == "bk"
    assert asked.body["code"] == "FW" and asked.body["sender_key"] == "profile-1"
    assert asked.body["targeting"] == "I" and asked.body["image"] == {
        "asset": 7, "link": "https://shop.example/sale"}
    assert asked.body["text"].startswith("(광고) 민지님, 주말 특가")
    assert asked.body["buttons"][0]["name"] == "특가 보기"
    [text] = sms.requests
    assert text.body["text"] == asked.body["text"]  # the labelled text, opt-out line and all
    assert text.body["text"].endswith(OPT_OUT) and text.body["type"] == "SMS"  # 62 bytes
    first, fallback = _messages(wayline)
    assert (first.channel, first.status) == ("brand", MessageStatus.FAILED)
    assert "answered 400" in first.reason
    assert (fallback.channel, fallback.status) == ("sms", MessageStatus.SENT)
    assert fallback.content["fallback_of"] == first.id


def test_a_brand_message_waits_out_the_providers_closed_hours(wayline, brand_provider,
                                                              labelled):
    brand, _sms = brand_provider
    start = wayline.clock.now()  # 09:00 in Seoul
    wayline.clock.advance(timedelta(hours=11, minutes=55))  # 20:55: Kakao takes no Brand Message
    [waiting] = _send(wayline, {"targeting": "I", "format": "text"},
                      consent={"brand": {"marketing": True, "night": True}, "sms": True})
    assert waiting.status is MessageStatus.DEFERRED  # night-time consent does not open them
    assert "provider closed hours" in waiting.reason and brand.requests == []
    opens = start + timedelta(hours=23)  # 08:00 the next morning in Seoul
    assert waiting.next_attempt_at.replace(tzinfo=UTC) == opens
    move(wayline, opens - wayline.clock.now())
    drain(wayline)
    [sent] = _messages(wayline)
    assert sent.status is MessageStatus.SENT and len(brand.requests) == 1
