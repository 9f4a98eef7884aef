"""insight_days against a brute-force count over the same random runs, messages and events."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.insight import roll_up
from runtime.insight.measures import to_convert_bucket
from runtime.messaging.tracking import CLICKED, OPENED
from runtime.messaging.unsubscribe import UNSUBSCRIBED_EVENT
from runtime.store.insight_models import InsightDay
from runtime.store.models import (
    Event,
    Message,
    MessageStatus,
)
from tests.runtime.harness import add_customers, golden
from tests.runtime.insight.worlds import converting_run, published_twice

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)  # 15:00 in Seoul
GOAL = "order_completed"
STEPS = ("send_a", "send_b")


def _document() -> dict:
    document = golden("welcome_series", first=1, second=2)
    document["settings"]["goal"] = {"event": GOAL, "within": {"amount": 7, "unit": "days"},
                                    "exit": False, "value": "total"}
    return document


def _world(session: Session, seed: int) -> dict:
    """Random runs over 12 days on two versions, with messages, opens, clicks, unsubscribes
    and goal events (some with a revenue, some without, one as text)."""
    rng = random.Random(seed)
    customers = add_customers(session, 40, NOW - timedelta(days=30))
    journey_id, versions = published_twice(session, _document, NOW - timedelta(days=20))
    runs, messages, events = [], [], []
    for index, customer_id in enumerate(customers):
        entered = NOW - timedelta(days=12) + timedelta(minutes=rng.randrange(12 * 24 * 60))
        run = converting_run(session, rng, journey_id, versions[index % 2], customer_id, index,
                             entered, NOW, 0.5, [0.5, 3, 20, 50, 100])
        converted = run.converted_at
        runs.append(run)
        for offset, node_id in enumerate(STEPS):
            made = entered + timedelta(hours=offset * 10 + 1)
            if made > NOW:
                continue
            status = rng.choice(list(MessageStatus))
            sent = made + timedelta(minutes=5) if status in (
                MessageStatus.SENT, MessageStatus.DELIVERED) else None
            message = Message(run_id=run.id, node_id=node_id, journey_id=journey_id,
                              customer_id=customer_id, channel=rng.choice(["email", "sms"]),
                              status=status, created_at=made, sent_at=sent, updated_at=made)
            session.add(message)
            session.flush()
            messages.append(message)
            if sent is None:
                continue
            props = {"message_id": message.id, "journey_id": journey_id, "node_id": node_id}
            if rng.random() < 0.6:
                events.append(Event(customer_id=customer_id, name=OPENED, properties=props,
                                    occurred_at=sent + timedelta(hours=rng.randrange(1, 40))))
            for link in range(rng.choice([0, 1, 2])):  # a second link, maybe another day
                events.append(Event(customer_id=customer_id, name=CLICKED,
                                    properties={**props, "link": link},
                                    occurred_at=sent + timedelta(hours=rng.randrange(1, 40))))
            if rng.random() < 0.2:
                events.append(Event(customer_id=customer_id, name=UNSUBSCRIBED_EVENT,
                                    properties={"channel": message.channel, "via": "link"},
                                    occurred_at=sent + timedelta(hours=rng.randrange(1, 5))))
        if converted is not None:
            total = rng.choice([12900, "8,500", None])
            events.append(Event(customer_id=customer_id, name=GOAL,
                                properties={} if total is None else {"total": total},
                                occurred_at=converted))
    events = [event for event in events if event.occurred_at <= NOW]  # nothing yet to come
    session.add_all(events)
    session.flush()
    return {"runs": runs, "messages": messages, "events": events}


def _brute_force(world: dict) -> tuple[Counter, dict]:
    """Every figure counted by walking the rows one by one."""
    day = lambda instant: instant.astimezone(SEOUL).date()  # noqa: E731
    versions = {run.id: run.journey_version_id for run in world["runs"]}
    figures: Counter = Counter()
    amounts: defaultdict = defaultdict(float)
    for run in world["runs"]:
        figures[(day(run.entered_at), run.journey_version_id, "", "entered", "")] += 1
    by_id = {message.id: message for message in world["messages"]}
    for message in world["messages"]:
        figures[(day(message.created_at), versions[message.run_id], message.node_id,
                 f"message.{message.status.value}", message.channel)] += 1
    clicked = set()
    for event in sorted(world["events"], key=lambda event: (event.occurred_at, event.id)):
        if event.name in (OPENED, CLICKED):
            message = by_id[event.properties["message_id"]]
            if event.name == CLICKED:
                if message.id in clicked:
                    continue
                clicked.add(message.id)
            figures[(day(event.occurred_at), versions[message.run_id], message.node_id,
                     "opened" if event.name == OPENED else "clicked", message.channel)] += 1
        elif event.name == UNSUBSCRIBED_EVENT:
            before = [message for message in world["messages"]
                      if message.customer_id == event.customer_id and message.sent_at
                      and message.channel == event.properties["channel"]
                      and message.sent_at <= event.occurred_at]
            last = max(before, key=lambda message: (message.sent_at, message.id))
            figures[(day(event.occurred_at), versions[last.run_id], last.node_id,
                     "unsubscribed", last.channel)] += 1
    goal_values = {(event.customer_id, event.occurred_at): event.properties.get("total")
                   for event in world["events"] if event.name == GOAL}
    for run in world["runs"]:
        if run.converted_at is None:
            continue
        raw = goal_values[(run.customer_id, run.converted_at)]
        revenue = float(str(raw).replace(",", "")) if raw is not None else 0.0
        sent = [message for message in world["messages"]
                if message.run_id == run.id and message.sent_at
                and message.sent_at <= run.converted_at]
        node = max(sent, key=lambda message: (message.sent_at, message.id)).node_id \
            if sent else ""
        bucket = to_convert_bucket((run.converted_at - run.entered_at).total_seconds())
        for key in ((day(run.converted_at), run.journey_version_id, "", "converted", bucket),
                    (day(run.converted_at), run.journey_version_id, node, "attributed", "")):
            figures[key] += 1
            amounts[key] += revenue
    return figures, amounts


def _rolled(session: Session) -> tuple[Counter, dict]:
    figures: Counter = Counter()
    amounts: dict = {}
    for row in session.scalars(select(InsightDay)):
        key = (row.day, row.version_id, row.node_id, row.measure, row.dimension)
        figures[key] = row.count
        if row.amount:
            amounts[key] = row.amount
    return figures, amounts


def _roll(session: Session, now: datetime = NOW, force: bool = True) -> dict[str, bool]:
    return roll_up(lambda: nullcontext(session), now, SEOUL, keys=["journey_days"],
                   force=force)


def test_every_figure_equals_a_brute_force_count(session: Session) -> None:
    world = _world(session, seed=7)
    assert _roll(session) == {"journey_days": True}
    expected, revenue = _brute_force(world)
    figures, amounts = _rolled(session)
    assert figures == expected
    assert amounts == {key: value for key, value in revenue.items() if value}
    assert sum(count for key, count in figures.items() if key[3] == "converted") > 3
    assert any(key[3] == "unsubscribed" for key in figures)

    _roll(session)  # rolling again rebuilds the same figures
    assert _rolled(session) == (figures, amounts)


def test_a_late_event_is_counted_on_its_own_day_at_the_next_roll(session: Session) -> None:
    world = _world(session, seed=11)
    _roll(session)
    opened = {event.properties["message_id"] for event in world["events"]
              if event.name == OPENED}
    message = next(message for message in world["messages"] if message.sent_at is not None
                   and message.sent_at < NOW - timedelta(days=8) and message.id not in opened)
    late = Event(customer_id=message.customer_id, name=OPENED,
                 properties={"message_id": message.id}, occurred_at=message.sent_at,
                 received_at=NOW)
    session.add(late)
    session.flush()
    world["events"].append(late)
    # A roll that is not due yet changes nothing; the next one counts the open on its day.
    assert _roll(session, NOW + timedelta(seconds=10), force=False) == {"journey_days": False}
    assert _rolled(session)[0] != _brute_force(world)[0]
    assert _roll(session, NOW + timedelta(minutes=2), force=False) == {"journey_days": True}
    assert _rolled(session)[0] == _brute_force(world)[0]
