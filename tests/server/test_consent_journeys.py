"""The built-in consent journeys: switched on, Wayline makes and publishes them; a consent
change is confirmed at once (information: at night too, but not to a customer who refused
information texts); two years to the day after a consent, the reminder goes, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from runtime.errors import InvalidInputError
from runtime.store.audit import Actor
from runtime.store.models import Customer, Event, Journey, JourneyStatus, Message, MessageStatus
from server.services.consent_journeys import get_consent_journeys, switch_consent_journey
from tests.runtime.harness import drain

PUBLISHER = Actor("user", "3", "Pat Publisher")
SENDER, WITHDRAW = "봄날상점", "무료수신거부 080-123-4567"


def messages_of(wl, external_id: str) -> list[Message]:
    with wl.reading() as session:
        return list(session.scalars(select(Message).join(
            Customer, Customer.id == Message.customer_id).where(
            Customer.external_id == external_id).order_by(Message.id)))


def test_switching_on_makes_a_live_journey_and_off_pauses_it(app_context):
    with pytest.raises(InvalidInputError) as refused:
        switch_consent_journey(app_context, PUBLISHER, "confirmation", True, "", "")
    assert {issue.field for issue in refused.value.issues} == {"sender_name", "withdraw"}
    shown = switch_consent_journey(app_context, PUBLISHER, "confirmation", True, SENDER,
                                   WITHDRAW)
    (first, reminder) = shown.journeys
    assert (first.kind, first.on, first.status) == ("confirmation", True, "live")
    assert (reminder.on, reminder.journey_id) == (False, None)
    off = switch_consent_journey(app_context, PUBLISHER, "confirmation", False)
    assert off.journeys[0].status == "paused"
    again = switch_consent_journey(app_context, PUBLISHER, "confirmation", True, SENDER,
                                   WITHDRAW)
    assert again.journeys[0].journey_id == first.journey_id  # resumed, not made again
    assert get_consent_journeys(app_context).journeys[0].status == "live"
    with app_context.reading() as session:
        assert session.scalar(select(Journey.status).where(
            Journey.id == first.journey_id)) is JourneyStatus.LIVE


def test_a_consent_change_is_confirmed_at_once_as_information(client, ingest_headers,
                                                               app_context):
    rt = app_context.runtime
    switch_consent_journey(app_context, PUBLISHER, "confirmation", True, SENDER, WITHDRAW)
    rt.clock.advance(timedelta(hours=14))  # 23:00 in Seoul: no advertising now
    for external_id, body in (
            ("texted", {"phone": "010-1111-2222", "consent": {"sms": True}}),
            ("mailed", {"email": "mail@example.kr", "consent": {"email": True}}),
            ("no_info", {"phone": "010-3333-4444",
                         "consent": {"sms": {"granted": False, "transactional": False}}})):
        answer = client.put(f"/api/customers/{external_id}", headers=ingest_headers, json=body)
        assert answer.status_code in (200, 201), answer.text
    drain(rt)

    [text] = messages_of(app_context, "texted")
    assert (text.channel, text.purpose, text.status) == ("sms", "transactional",
                                                         MessageStatus.SENT)
    assert SENDER in text.content["text"] and WITHDRAW in text.content["text"]
    assert "님, 2026-03-02에 문자 광고성 정보 수신 동의 처리가 완료" in text.content["text"]
    [mail] = messages_of(app_context, "mailed")
    assert mail.channel == "email" and "이메일 광고성 정보 수신 동의" in mail.content["text"]
    [refused] = messages_of(app_context, "no_info")
    assert refused.status is MessageStatus.SUPPRESSED
    assert refused.reason == "the customer refused transactional sms"

    drain(rt)  # a second sweep announces nothing twice
    assert len(messages_of(app_context, "texted")) == 1


def test_the_reminder_goes_two_years_after_consent_once(client, ingest_headers, app_context):
    rt = app_context.runtime
    switch_consent_journey(app_context, PUBLISHER, "reminder", True, SENDER, WITHDRAW)
    client.put("/api/customers/loyal", headers=ingest_headers, json={
        "phone": "010-5555-6666", "consent": {"sms": True}})
    client.put("/api/customers/gone", headers=ingest_headers, json={
        "phone": "010-7777-8888", "consent": {"sms": True}})
    drain(rt)
    rt.clock.advance(timedelta(days=365))
    client.put("/api/customers/gone", headers=ingest_headers, json={"consent": {"sms": False}})
    drain(rt)
    assert messages_of(app_context, "loyal") == []  # one year: nothing yet

    rt.clock.advance(timedelta(days=366))  # 2028-03-02: two years to the day (2028 is leap)
    drain(rt)
    [reminder] = messages_of(app_context, "loyal")
    assert reminder.purpose == "transactional"
    assert "2026-03-02에 문자 광고성 정보 수신에 동의하셨습니다" in reminder.content["text"]
    assert messages_of(app_context, "gone") == []  # withdrew: no reminder

    rt.clock.advance(timedelta(hours=1))
    rt.redis.flushdb()  # even the sweeper's day mark lost: the event's key still holds
    drain(rt)
    assert len(messages_of(app_context, "loyal")) == 1
    with app_context.reading() as session:
        assert session.scalar(select(Event.dedup_key).where(
            Event.name == "consent_anniversary")).endswith(":sms:2026-03-02:2")
