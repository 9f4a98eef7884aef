"""Rate limits spread a big send and drop nothing: a step's messages a minute, a journey's, a
provider's messages a second, and entries a minute — through the real runtime, with a local SMS
provider, the clock moved minute by minute. And "only if they still match the entry audience":
a customer who left it gets no message, with the reason."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from runtime.messaging.workspace import ProviderRate, SendPolicy, save_send_policy
from runtime.run.lifecycle import publish
from runtime.store.models import Customer, Message, MessageStatus, Run
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template, drain, move

MINUTE = timedelta(minutes=1)
NIGHT_OWL = {"sms": {"marketing": True, "night": True}}
EVERYONE = {"type": "and", "rules": []}


def blast(rt, customers: int, step: dict | None = None, rule: dict | None = None,
          **settings) -> int:
    """Everyone (or `rule`) → one text (its config extended by `step`), published."""
    with rt.sessions() as session:
        add_customers(session, customers, rt.clock.now(), consent=NIGHT_OWL,
                      attributes={"plan": "pro"})
        template = add_template(session, "sms", "Sale", None, "Spring sale")
        journey = add_journey(session, document(
            [node("in", "entry.segment", "Audience", {"rule": rule or EVERYONE}),
             node("text", "action.send", "Text", {"channel": "sms", "template": template,
                                                  **(step or {})})],
            [edge("in", "text")], **settings), "Spring sale")
        publish(session, journey, rt.clock.now())
        session.commit()
    return journey


def per_minute(rt, provider, minutes: int) -> list[int]:
    """Texts the provider received in each simulated minute, the clock moved a minute a time."""
    drain(rt)
    counts = [len(provider.requests)]
    for _ in range(minutes - 1):
        move(rt, MINUTE)
        counts.append(len(provider.requests) - sum(counts))
    return counts


def sent(rt) -> Counter:
    with rt.sessions() as session:
        return Counter(session.scalars(select(Message.status)))


def test_a_step_limited_to_600_a_minute_spreads_3000_texts_over_5_minutes(wayline, sms_provider):
    rt = wayline
    blast(rt, 3000, step={"per_minute": 600})
    assert per_minute(rt, sms_provider, 6) == [600, 600, 600, 600, 600, 0]
    assert sent(rt) == {MessageStatus.SENT: 3000}
    keys = Counter(request.headers["Idempotency-Key"] for request in sms_provider.requests)
    assert set(keys.values()) == {1}  # each once
    with rt.sessions() as session:
        times = Counter(session.scalars(select(Message.sent_at)))
    assert sorted(times.values()) == [600] * 5  # five minutes of simulated time


def test_a_waiting_message_says_why(wayline, sms_provider):
    rt = wayline
    blast(rt, 150, step={"per_minute": 100})
    drain(rt)
    with rt.sessions() as session:
        waiting = Counter(session.execute(select(Message.status, Message.reason)
                                          .where(Message.status != MessageStatus.SENT)).all())
    assert waiting == {(MessageStatus.QUEUED,
                        "waiting its turn: this step sends at most 100 a minute"): 50}


def test_a_journey_limit_and_a_providers_tps(wayline, sms_provider):
    rt = wayline
    with rt.sessions() as session:
        save_send_policy(session, SendPolicy(
            provider_rates=[ProviderRate(channel="sms", per_second=50)]), rt.clock.now())
        session.commit()
    blast(rt, 120)
    drain(rt)
    assert len(sms_provider.requests) == 50  # the provider's second is full
    move(rt, timedelta(seconds=1))
    assert len(sms_provider.requests) == 100
    move(rt, timedelta(seconds=1))
    assert sent(rt) == {MessageStatus.SENT: 120}


def test_a_journeys_own_messages_a_minute(wayline, sms_provider):
    rt = wayline
    blast(rt, 250, max_messages_per_minute=100)
    assert per_minute(rt, sms_provider, 3) == [100, 100, 50]


def test_entries_a_minute_make_the_rest_wait_their_turn(wayline, sms_provider):
    rt = wayline
    journey = blast(rt, 250, max_entries_per_minute=100)
    with rt.sessions() as session:
        starts = Counter(session.scalars(select(Run.wake_at).where(Run.journey_id == journey)))
    now = rt.clock.now()
    assert starts == {now: 100, now + MINUTE: 100, now + 2 * MINUTE: 50}
    assert per_minute(rt, sms_provider, 3) == [100, 100, 50]


def test_only_customers_still_in_the_entry_audience_get_the_message(wayline, sms_provider):
    rt = wayline
    pro = {"type": "attr", "field": "plan", "op": "eq", "value": "pro"}
    with rt.sessions() as session:
        save_send_policy(session, SendPolicy(), rt.clock.now())
        session.commit()
    rt.clock.advance(timedelta(hours=13))  # 22:00 in Seoul
    with rt.sessions() as session:
        add_customers(session, 2, rt.clock.now(), consent={"sms": True},
                      attributes={"plan": "pro"})
        template = add_template(session, "sms", "Sale", None, "Spring sale")
        journey = add_journey(session, document(
            [node("in", "entry.segment", "Pro plan", {"rule": pro}),
             node("text", "action.send", "Text", {"channel": "sms", "template": template,
                                                  "recheck_audience": True})],
            [edge("in", "text")]), "Pro only")
        publish(session, journey, rt.clock.now())
        session.commit()
    drain(rt)  # both texts wait for the morning
    with rt.sessions() as session:
        first = session.scalar(select(Customer.id).order_by(Customer.id))
        session.execute(update(Customer).where(Customer.id == first)
                        .values(attributes={"plan": "free"}))  # downgraded overnight
        session.commit()
    move(rt, timedelta(hours=11))  # 09:00
    with rt.sessions() as session:
        rows = dict(session.execute(select(Message.customer_id, Message.reason)).all())
        statuses = dict(session.execute(select(Message.customer_id, Message.status)).all())
    assert statuses[first] is MessageStatus.SUPPRESSED
    assert rows[first] == "not sent: no longer in the journey's entry audience"
    assert len(sms_provider.requests) == 1


def test_event_entries_beyond_the_minutes_limit_wait_their_turn(wayline, sms_provider):
    from runtime.flow.ingest import ingest_event

    rt = wayline
    with rt.sessions() as session:
        add_customers(session, 5, rt.clock.now(), consent=NIGHT_OWL)
        template = add_template(session, "sms", "Sale", None, "Spring sale")
        journey = add_journey(session, document(
            [node("in", "entry.event", "Visited", {"event": "visit"}),
             node("text", "action.send", "Text", {"channel": "sms", "template": template})],
            [edge("in", "text")], max_entries_per_minute=2), "Visitors")
        publish(session, journey, rt.clock.now())
        session.commit()
    for index in range(5):  # one event at a time, all in the same minute
        with rt.sessions() as session:
            ingest_event(session, f"c{index}", "visit", {}, rt.clock.now(), rt.clock.now())
            session.commit()
    with rt.sessions() as session:
        starts = Counter(session.scalars(select(Run.wake_at).where(Run.journey_id == journey)))
    now = rt.clock.now()
    assert starts == {now: 2, now + MINUTE: 2, now + 2 * MINUTE: 1}
