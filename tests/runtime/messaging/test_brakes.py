"""Brakes that hold: pause, a step's pause, archive and "stop all sending" keep every unsent
message unsent — queued, deferred by the send policy, or retrying — and a resume releases each
exactly once, judged afresh. The SMS provider is a local HTTP server: what it receives is what
was sent.

The big cases make their deferred messages on a frozen clock (a daily cap of one SMS defers each
customer's second text to the next day, a day long past on the real clock), then hand them to
real `wayline worker` processes on the real clock, for which they are due at once.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from runtime.flow.ingest import ingest_event
from runtime.messaging import brakes
from runtime.messaging.providers import HttpProviderAdapter
from runtime.messaging.workspace import FrequencyCap, SendPolicy, save_send_policy
from runtime.run import lifecycle
from runtime.store.models import (
    Customer,
    Journey,
    JourneyStatus,
    Message,
    MessageStatus,
    Run,
    RunStatus,
)
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import (
    add_customers,
    add_journey,
    add_template,
    dispatch,
    drain,
    move,
    wait_until,
)

MANY = 1000
QUIET = 3.0
"""Seconds real workers run while a brake holds: several sweeps (two a second) find nothing."""
NIGHT_OWL = {"sms": {"marketing": True, "night": True}}
"""SMS consent at any hour: only the cap defers, never the real clock's night."""


def received(provider) -> Counter:
    """How many times the provider received each message id (its idempotency key)."""
    return Counter(int(request.headers["Idempotency-Key"]) for request in provider.requests)


def two_texts(template: int) -> dict:
    """Everyone → text → text: with a cap of one a day, the second waits for tomorrow."""
    return document(
        [node("entry", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("first", "action.send", "Hello", {"channel": "sms", "template": template}),
         node("second", "action.send", "Reminder", {"channel": "sms", "template": template})],
        [edge("entry", "first"), edge("first", "second", "next")])


def deferred_journeys(rt, names: tuple[str, ...], customers: int) -> dict[str, int]:
    """Journeys (by name → id), published together: each customer's first text of the day is
    sent, every other one is deferred to the next day."""
    now = rt.clock.now()
    with rt.sessions() as session:
        add_customers(session, customers, now, consent=NIGHT_OWL, timezone="Asia/Seoul")
        save_send_policy(session, SendPolicy(
            frequency_caps=[FrequencyCap(channel="sms", limit=1, days=1)]), now)
        template = add_template(session, "sms", "Sale", None, "Spring sale starts today")
        ids = {name: add_journey(session, two_texts(template), name) for name in names}
        for journey_id in ids.values():
            lifecycle.publish(session, journey_id, now)
        session.commit()
    drain(rt)
    for _ in range(5):  # a call the loaded machine timed out is retried a little later
        if not unsent(rt, "first"):
            break
        move(rt, timedelta(minutes=2))
    return ids


def unsent(rt, node_id: str | None = None) -> Counter:
    """Statuses of the messages not sent yet (of one step, or all)."""
    query = select(Message.status).where(Message.status != MessageStatus.SENT)
    if node_id is not None:
        query = query.where(Message.node_id == node_id)
    with rt.sessions() as session:
        return Counter(session.scalars(query))


def statuses(rt, node_id: str = "second") -> Counter:
    with rt.sessions() as session:
        return Counter(session.scalars(select(Message.status).where(Message.node_id == node_id)))


def seconds(rt, journey_id: int | None = None) -> list[int]:
    """Ids of the second texts (of one journey, or all)."""
    query = select(Message.id).where(Message.node_id == "second")
    if journey_id is not None:
        query = query.where(Message.journey_id == journey_id)
    with rt.sessions() as session:
        return list(session.scalars(query))


def act(rt, action, *args) -> None:
    with rt.sessions() as session:
        action(session, *args, rt.clock.now())
        session.commit()


def test_pause_holds_a_thousand_deferred_texts_and_resume_sends_each_once(
        wayline, sms_provider, workers):
    rt = wayline
    journey = deferred_journeys(rt, ("Promo",), MANY)["Promo"]
    firsts = len(sms_provider.requests)
    assert firsts == MANY and statuses(rt) == {MessageStatus.DEFERRED: MANY}
    act(rt, lambda session, now: lifecycle.pause(session, journey, now, "checking the copy"))
    assert statuses(rt) == {MessageStatus.HELD: MANY}

    workers(**sms_provider.settings)
    workers(**sms_provider.settings)
    time.sleep(QUIET)
    assert len(sms_provider.requests) == firsts, "a held message reached the provider"
    assert statuses(rt) == {MessageStatus.HELD: MANY}

    act(rt, lambda session, now: lifecycle.resume(session, journey, now))
    wait_until(lambda: len(sms_provider.requests) >= firsts + MANY, 120, "the released texts",
               lambda: f"{statuses(rt)}, received {len(sms_provider.requests)}")
    time.sleep(1)  # and nothing more after them
    counts = received(sms_provider)
    assert {counts[message_id] for message_id in seconds(rt)} == {1}
    assert len(sms_provider.requests) == firsts + MANY
    assert statuses(rt) == {MessageStatus.SENT: MANY}


def test_archive_sends_none_of_them_and_says_why(wayline, sms_provider, workers):
    rt = wayline
    journey = deferred_journeys(rt, ("Promo",), MANY)["Promo"]
    firsts = len(sms_provider.requests)
    act(rt, lambda session, now: lifecycle.archive(session, journey, now))
    workers(**sms_provider.settings)
    time.sleep(QUIET)
    assert len(sms_provider.requests) == firsts
    with rt.sessions() as session:
        ledger = Counter(session.execute(select(Message.status, Message.reason)
                                         .where(Message.node_id == "second")).all())
    assert ledger == {(MessageStatus.SUPPRESSED, brakes.ARCHIVED): MANY}


def test_stop_all_sending_holds_two_journeys_and_resume_releases_them(
        wayline, sms_provider, workers):
    rt = wayline
    deferred_journeys(rt, ("Promo", "Sale"), MANY // 2)
    firsts = len(sms_provider.requests)
    waiting = unsent(rt)[MessageStatus.DEFERRED]
    assert firsts == MANY // 2 and waiting == 3 * MANY // 2
    stop = brakes.SendingStop("minji@example.kr", rt.clock.now(), "wrong price")
    act(rt, lambda session, now: brakes.set_sending(session, stop, now))
    act(rt, lambda session, now: save_send_policy(session, SendPolicy(), now))  # no cap today
    workers(**sms_provider.settings)
    time.sleep(QUIET)
    assert len(sms_provider.requests) == firsts
    assert unsent(rt) == {MessageStatus.DEFERRED: waiting}  # each keeps its place

    act(rt, lambda session, now: brakes.set_sending(session, None, now))
    wait_until(lambda: len(sms_provider.requests) >= firsts + waiting, 120, "the released texts",
               lambda: f"{unsent(rt)}, received {len(sms_provider.requests)}")
    time.sleep(1)
    assert set(received(sms_provider).values()) == {1}
    assert len(sms_provider.requests) == firsts + waiting and not unsent(rt)
    with rt.sessions() as session:
        journeys = set(session.scalars(select(Message.journey_id)))
    assert len(journeys) == 2


# --- in-process, on the frozen clock ------------------------------------------------------------


def test_a_retrying_message_is_held_too_and_resume_rechecks_consent(wayline, http_server):
    rt = wayline
    endpoint = http_server(answers=[(503, {}, "busy")] * 2)
    rt.adapters["sms"] = HttpProviderAdapter("sms", endpoint.url, "key",
                                             {"sender": "0212345678"}, timeout=2)
    journey = _one_text_journey(rt, customers=2)
    drain(rt)
    assert statuses(rt, "first") == {MessageStatus.QUEUED: 2}  # retrying after 30 s
    act(rt, lambda session, now: lifecycle.pause(session, journey, now))
    move(rt, timedelta(minutes=10))
    assert len(endpoint.requests) == 2 and statuses(rt, "first") == {MessageStatus.HELD: 2}

    with rt.sessions() as session:  # one customer withdraws consent while it is paused
        first = session.scalars(select(Message).order_by(Message.id)).first()
        session.execute(update(Customer).where(Customer.id == first.customer_id)
                        .values(consent={"sms": False}))
        session.commit()
    act(rt, lambda session, now: lifecycle.resume(session, journey, now))
    move(rt, timedelta(seconds=1))
    with rt.sessions() as session:
        rows = session.execute(select(Message.customer_id, Message.status, Message.reason)
                               .order_by(Message.id)).all()
    assert rows[0][1:] == (MessageStatus.SUPPRESSED, "no marketing consent for sms")
    assert rows[1][1] is MessageStatus.SENT
    assert len(endpoint.requests) == 3  # two failed tries, then the one still wanted


def test_a_paused_step_holds_customers_before_it_until_it_resumes(wayline, sms_provider):
    rt = wayline
    journey = _one_text_journey(rt, customers=3, pause_step="first")
    drain(rt)
    assert len(sms_provider.requests) == 0
    with rt.sessions() as session:
        runs = session.execute(select(Run.node_id, Run.status, Run.wake_at)).all()
    assert runs == [("first", RunStatus.WAITING, None)] * 3

    act(rt, lambda session, now: lifecycle.resume_step(session, journey, "first", now))
    drain(rt)
    assert len(sms_provider.requests) == 3
    assert statuses(rt, "first") == {MessageStatus.SENT: 3}


def test_pausing_a_step_holds_its_queued_messages(wayline, sms_provider):
    rt = wayline
    journey = _one_text_journey(rt, customers=2, night=True)
    drain(rt)
    assert statuses(rt, "first") == {MessageStatus.DEFERRED: 2}
    act(rt, lambda session, now: lifecycle.pause_step(session, journey, "first", now))
    with rt.sessions() as session:
        assert set(session.scalars(select(Message.reason))) == {brakes.STEP_PAUSED}
    move(rt, timedelta(hours=12))  # 10:00 in Seoul: the night is over, the step still paused
    assert len(sms_provider.requests) == 0
    act(rt, lambda session, now: lifecycle.resume_step(session, journey, "first", now))
    move(rt, timedelta(seconds=1))
    assert statuses(rt, "first") == {MessageStatus.SENT: 2}


def test_a_message_already_claimed_when_the_journey_pauses_is_held_at_the_last_look(
        wayline, sms_provider):
    from runtime.messaging.delivery import deliver, lease

    rt = wayline
    journey = _one_text_journey(rt, customers=1, night=True)
    drain(rt)  # deferred until 08:00 in Seoul
    now = rt.clock.now() + timedelta(hours=12)  # 10:00: the sweep would send it
    with rt.sessions() as session:
        (message_id,) = session.scalars(select(Message.id))
        held = lease(session, [message_id], now, 60)
        session.commit()
        # Paused after the sweep leased it, before its delivery job ran: the status flips
        # under the lease, as a pause by another person would.
        session.execute(update(Journey).where(Journey.id == journey)
                        .values(status=JourneyStatus.PAUSED))
        session.commit()
        report = deliver(session, held.ids, rt.adapters, now, leased_until=held.until)
    assert report.held == [message_id] and report.sent == []
    assert statuses(rt, "first") == {MessageStatus.HELD: 1}
    assert len(sms_provider.requests) == 0


def test_a_customer_who_left_by_the_exit_criteria_gets_no_waiting_message(wayline, sms_provider):
    rt = wayline
    extra = [node("day", "flow.delay", "A day later",
                  {"mode": "duration", "duration": {"amount": 2, "unit": "days"}})]
    _one_text_journey(rt, customers=1, night=True, then=extra, exit_when={"event": "purchased"})
    drain(rt)  # the text waits for the morning, the customer in the two-day delay
    assert statuses(rt, "first") == {MessageStatus.DEFERRED: 1}
    with rt.sessions() as session:
        customer = session.scalars(select(Customer)).one()
        ingest_event(session, customer.external_id, "purchased", {}, rt.clock.now(),
                     rt.clock.now())
        session.commit()
    move(rt, timedelta(days=1))
    with rt.sessions() as session:
        message = session.scalars(select(Message)).one()
    assert message.status is MessageStatus.SUPPRESSED
    assert message.reason == ("not sent: the customer left the journey "
                              "(exit criteria: did 'purchased')")
    assert len(sms_provider.requests) == 0


def _one_text_journey(rt, customers: int, pause_step: str | None = None, night: bool = False,
                      then: list[dict] = (), **settings) -> int:
    """Everyone → one marketing text (→ the `then` nodes), published; at Seoul's night when
    `night` is asked."""
    consent = {"sms": True} if night else NIGHT_OWL
    if night:
        rt.clock.advance(timedelta(hours=13))  # 22:00 in Seoul
    with rt.sessions() as session:
        add_customers(session, customers, rt.clock.now(), consent=consent,
                      timezone="Asia/Seoul")
        template = add_template(session, "sms", "Sale", None, "Spring sale starts today")
        doc = document(
            [node("entry", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
             node("first", "action.send", "Hello", {"channel": "sms", "template": template}),
             *then],
            [edge("entry", "first"), *(edge(a["id"], b["id"], "next") for a, b in zip(
                [{"id": "first"}, *then], then, strict=False))], **settings)
        journey = add_journey(session, doc, "Promo")
        session.commit()
    with rt.sessions() as session:
        lifecycle.publish(session, journey, rt.clock.now())
        if pause_step:
            lifecycle.pause_step(session, journey, pause_step, rt.clock.now())
        session.commit()
    dispatch(rt, [])
    return journey
