"""Send policy end to end: consent, night-time, frequency caps and quiet hours, through the real
runtime (batches, the delivery sweep, RQ burst workers) on SQLite and PostgreSQL, with the
clock frozen and moved. Every message held back is in the ledger with its reason and next try,
and the SMS provider (a local HTTP server) receives exactly the messages sent, when they are.

The clock starts at Monday 2026-03-02 00:00 UTC: 09:00 in Seoul, Sunday 19:00 in New York.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from runtime.flow.ingest import ingest_event
from runtime.messaging.workspace import FrequencyCap, SendPolicy, save_send_policy
from runtime.run.lifecycle import publish
from runtime.store.models import Customer, Message, MessageStatus
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template, dispatch, move

HOUR = timedelta(hours=1)
SEOUL_EVENING = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 22:00 Seoul, 08:00 New York
NEXT_SEOUL_MORNING = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 08:00 Seoul, Tuesday


pytestmark = pytest.mark.usefixtures("sms_provider")  # texts go to a local provider


def received(provider) -> list[int]:
    """The ids of the messages the provider received, in order (their idempotency keys)."""
    return [int(request.headers["Idempotency-Key"]) for request in provider.requests]


def send_journey(template: int, event: str, purpose: str = "marketing",
                 when_blocked: str = "defer", **settings: Any) -> dict[str, Any]:
    """event entry → one SMS."""
    return document(
        [node("entry", "entry.event", "Trigger", {"event": event}),
         node("send", "action.send", "Text", {"channel": "sms", "template": template,
                                               "purpose": purpose,
                                               "when_blocked": when_blocked})],
        [edge("entry", "send")], **settings)


def start(rt, journeys: dict[str, dict[str, Any]], customers: dict[str, dict[str, Any]],
          policy: SendPolicy | None = None) -> dict[str, int]:
    """Customers (external id → fields), published journeys (event → document), the policy."""
    now = rt.clock.now()
    ids = {}
    with rt.sessions() as session:
        for external_id, fields in customers.items():
            (ids[external_id],) = add_customers(session, 1, now, **fields)
            session.execute(update(Customer).where(Customer.id == ids[external_id])
                            .values(external_id=external_id))
        for name, doc in journeys.items():
            publish(session, add_journey(session, doc, name), now)
        if policy is not None:
            save_send_policy(session, policy, now)
        session.commit()
    return ids


def trigger(rt, event: str, *external_ids: str) -> None:
    """The event for each customer, at the clock's now, and the runs it starts worked off."""
    now = rt.clock.now()
    started = []
    with rt.sessions() as session:
        for external_id in external_ids:
            started += ingest_event(session, external_id, event, {}, now, now).runs_to_dispatch
        session.commit()
    dispatch(rt, started)


def ledger(rt) -> dict[tuple[str, str], Message]:
    """Messages by (customer external id, journey name)."""
    from runtime.store.models import Journey

    with rt.sessions() as session:
        rows = session.execute(select(Message, Customer.external_id, Journey.name)
                               .join(Customer, Customer.id == Message.customer_id)
                               .join(Journey, Journey.id == Message.journey_id)).all()
        session.expunge_all()
    return {(external_id, name): message for message, external_id, name in rows}


def sms_template(rt) -> int:
    with rt.sessions() as session:
        template = add_template(session, "sms", "Sale", None, "Spring sale starts today")
        session.commit()
    return template


def test_no_consent_suppresses_marketing_but_not_transactional(wayline, sms_provider):
    rt = wayline
    template = sms_template(rt)
    start(rt, {"Promo": send_journey(template, "promo"),
               "Receipt": send_journey(template, "paid", purpose="transactional")},
          {"minji": {"consent": {"email": True}, "timezone": "Asia/Seoul"}})
    trigger(rt, "promo", "minji")
    trigger(rt, "paid", "minji")

    messages = ledger(rt)
    promo, receipt = messages[("minji", "Promo")], messages[("minji", "Receipt")]
    assert promo.status is MessageStatus.SUPPRESSED
    assert promo.reason == "no marketing consent for sms"
    assert promo.next_attempt_at is None
    assert receipt.status is MessageStatus.SENT and receipt.reason is None
    assert received(sms_provider) == [receipt.id]


def test_night_time_defers_by_the_customers_own_clock(wayline, sms_provider):
    rt = wayline
    template = sms_template(rt)
    start(rt, {"Promo": send_journey(template, "promo")},
          {"seoul": {"timezone": "Asia/Seoul"}, "new_york": {"timezone": "America/New_York"},
           "no_zone": {}})  # no zone of their own: the journey's (Asia/Seoul)
    rt.clock.advance(SEOUL_EVENING - rt.clock.now())
    trigger(rt, "promo", "seoul", "new_york", "no_zone")

    messages = ledger(rt)
    seoul, new_york = messages[("seoul", "Promo")], messages[("new_york", "Promo")]
    assert new_york.status is MessageStatus.SENT and new_york.sent_at == SEOUL_EVENING
    for waiting in (seoul, messages[("no_zone", "Promo")]):
        assert waiting.status is MessageStatus.DEFERRED
        assert waiting.reason == "night-time: no marketing 21:00–08:00 (Asia/Seoul)"
        assert waiting.next_attempt_at == NEXT_SEOUL_MORNING
    assert received(sms_provider) == [new_york.id]

    move(rt, NEXT_SEOUL_MORNING - rt.clock.now() - timedelta(minutes=1))
    assert ledger(rt)[("seoul", "Promo")].status is MessageStatus.DEFERRED  # 07:59: not yet
    move(rt, timedelta(minutes=1))
    seoul = ledger(rt)[("seoul", "Promo")]
    assert seoul.status is MessageStatus.SENT and seoul.sent_at == NEXT_SEOUL_MORNING
    assert seoul.attempts == 1  # the night was not a failed attempt
    assert sorted(received(sms_provider)) == sorted(
        [new_york.id, seoul.id, ledger(rt)[("no_zone", "Promo")].id])


def test_night_consent_and_transactional_purpose_are_exempt(wayline):
    rt = wayline
    template = sms_template(rt)
    start(rt, {"Promo": send_journey(template, "promo"),
               "Receipt": send_journey(template, "paid", purpose="transactional")},
          {"owl": {"timezone": "Asia/Seoul",
                   "consent": {"sms": {"marketing": True, "night": True}}},
           "sleeper": {"timezone": "Asia/Seoul", "consent": {"sms": True}}},
          SendPolicy(frequency_caps=[FrequencyCap(channel="sms", limit=1, days=1)]))
    rt.clock.advance(SEOUL_EVENING - rt.clock.now())
    trigger(rt, "promo", "owl", "sleeper")
    trigger(rt, "paid", "owl", "sleeper")

    messages = ledger(rt)
    assert messages[("owl", "Promo")].status is MessageStatus.SENT
    assert messages[("sleeper", "Promo")].status is MessageStatus.DEFERRED
    # Transactional: neither the night nor the cap (owl already had today's one) holds it.
    assert messages[("owl", "Receipt")].status is MessageStatus.SENT
    assert messages[("sleeper", "Receipt")].status is MessageStatus.SENT


def test_frequency_cap_defers_or_skips_as_the_send_step_says(wayline, sms_provider):
    rt = wayline
    template = sms_template(rt)
    customers = start(
        rt, {"Welcome": send_journey(template, "signup"),
             "Sale": send_journey(template, "sale"),
             "Flash": send_journey(template, "flash", when_blocked="skip")},
        {"minji": {"timezone": "Asia/Seoul"}},
        SendPolicy(frequency_caps=[FrequencyCap(channel="sms", limit=1, days=1)]))
    trigger(rt, "signup", "minji")  # 09:00 Seoul: the day's one
    rt.clock.advance(HOUR)
    trigger(rt, "sale", "minji")
    trigger(rt, "flash", "minji")

    messages = ledger(rt)
    assert messages[("minji", "Welcome")].status is MessageStatus.SENT
    sale, flash = messages[("minji", "Sale")], messages[("minji", "Flash")]
    reason = "frequency cap: 1 sms marketing message per day reached"
    assert sale.status is MessageStatus.DEFERRED and sale.reason == reason
    # The cap frees at midnight in Seoul; the night rule then holds it until 08:00.
    assert sale.next_attempt_at == NEXT_SEOUL_MORNING
    assert flash.status is MessageStatus.SUPPRESSED
    assert flash.reason == reason + "; skipped, as the send step says"
    assert flash.next_attempt_at is None
    assert received(sms_provider) == [messages[("minji", "Welcome")].id]

    move(rt, NEXT_SEOUL_MORNING - rt.clock.now())
    sale = ledger(rt)[("minji", "Sale")]
    assert sale.status is MessageStatus.SENT and sale.sent_at == NEXT_SEOUL_MORNING
    with rt.sessions() as session:
        counted = session.scalars(select(Message.status).where(
            Message.customer_id == customers["minji"])).all()
    assert sorted(counted) == ["sent", "sent", "suppressed"]
    assert received(sms_provider) == [messages[("minji", "Welcome")].id, sale.id]


def test_cap_counts_messages_written_together(wayline):
    rt = wayline
    template = sms_template(rt)
    start(rt, {f"Journey {n}": send_journey(template, "sale") for n in range(3)},
          {"minji": {"timezone": "Asia/Seoul"}},
          SendPolicy(frequency_caps=[FrequencyCap(channel="sms", limit=2, days=7)]))
    trigger(rt, "sale", "minji")  # three journeys, one event, one batch

    statuses = sorted(message.status.value for message in ledger(rt).values())
    assert statuses == ["deferred", "sent", "sent"]
    deferred = next(m for m in ledger(rt).values() if m.status is MessageStatus.DEFERRED)
    # Two sent today (Monday) in a 7-day window: the next Monday, 08:00 in Seoul.
    assert deferred.next_attempt_at == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)


def test_quiet_hours_and_quiet_days_of_a_journey(wayline):
    rt = wayline
    template = sms_template(rt)
    start(rt, {"Lunch": send_journey(template, "promo",
                                     quiet_hours=[{"start": "12:00", "end": "13:00"}],
                                     quiet_days=["sat", "sun"])},
          {"minji": {"timezone": "Asia/Seoul"}})
    rt.clock.advance(timedelta(hours=3, minutes=30))  # 12:30 Seoul, Monday
    trigger(rt, "promo", "minji")
    lunch = ledger(rt)[("minji", "Lunch")]
    assert lunch.status is MessageStatus.DEFERRED
    assert lunch.reason == "quiet hours: no marketing 12:00–13:00 (Asia/Seoul)"
    assert lunch.next_attempt_at == datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 13:00 Seoul
    move(rt, timedelta(minutes=30))
    assert ledger(rt)[("minji", "Lunch")].status is MessageStatus.SENT


def test_quiet_days_chain_into_the_night(wayline):
    rt = wayline
    template = sms_template(rt)
    start(rt, {"Weekdays": send_journey(template, "promo", quiet_days=["sat", "sun"])},
          {"minji": {"timezone": "Asia/Seoul"}})
    rt.clock.advance(datetime(2026, 3, 7, 1, 0, tzinfo=UTC) - rt.clock.now())  # Sat 10:00
    trigger(rt, "promo", "minji")
    held = ledger(rt)[("minji", "Weekdays")]
    assert held.reason == "quiet hours: no marketing all day on Sat, Sun (Asia/Seoul)"
    # Monday 00:00 ends the weekend but starts the night: Monday 08:00 Seoul.
    assert held.next_attempt_at == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)


def test_a_deferred_message_is_checked_again_when_its_time_comes(wayline):
    rt = wayline
    template = sms_template(rt)
    ids = start(rt, {"Promo": send_journey(template, "promo")},
                {"minji": {"timezone": "Asia/Seoul"}})
    rt.clock.advance(SEOUL_EVENING - rt.clock.now())
    trigger(rt, "promo", "minji")
    with rt.sessions() as session:  # she opts out during the night
        session.execute(update(Customer).where(Customer.id == ids["minji"])
                        .values(consent={"sms": {"marketing": False}}))
        session.commit()
    move(rt, NEXT_SEOUL_MORNING - rt.clock.now())

    promo = ledger(rt)[("minji", "Promo")]
    assert promo.status is MessageStatus.SUPPRESSED
    assert promo.reason == "no marketing consent for sms"
    assert promo.attempts == 0 and promo.sent_at is None
