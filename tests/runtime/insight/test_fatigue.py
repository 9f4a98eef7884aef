"""The fatigue summary and its reads, against a brute-force count over the same rows, on
SQLite and PostgreSQL: random messages (every status, purpose and channel) and unsubscribes,
some on the edges of Seoul's weeks."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from runtime.insight import fatigue, roll_up
from runtime.insight.rollers.fatigue import SENT
from runtime.messaging.policy import Cap
from runtime.messaging.unsubscribe import UNSUBSCRIBED_EVENT
from runtime.store.fatigue_models import (
    CustomerWeek,
    CustomerWeekChannel,
    FatigueProfile,
    FatigueWeek,
)
from runtime.store.models import Event, Message, MessageStatus
from tests.runtime.insight.fatigue_world import World, seoul

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 3, 18, 3, 0, tzinfo=UTC)  # Wednesday noon in Seoul
THIS_WEEK = date(2026, 3, 16)
CHANNELS = ("sms", "email", "kakao")
CAPS = {"sms": Cap(limit=2, days=7), "email": Cap(limit=3, days=5)}


def populate(world: World, rng: random.Random, messages: int) -> None:
    """Random messages over five weeks before NOW, and unsubscribes and other events."""
    start = NOW - timedelta(days=35)
    span = int((NOW - start).total_seconds())
    edges = [seoul(2026, 3, 8, 23, 50), seoul(2026, 3, 9, 0, 5), seoul(2026, 3, 15, 23, 59),
             seoul(2026, 3, 16, 0, 0), seoul(2026, 3, 1, 23, 30)]
    for _ in range(messages):
        run = rng.choice(world.runs)
        status = rng.choice(list(MessageStatus))
        if rng.random() < 0.3:
            sent_at = rng.choice(edges)
            created_at = sent_at - timedelta(minutes=rng.randrange(0, 600))
        else:
            created_at = start + timedelta(seconds=rng.randrange(span))
            sent_at = min(created_at + timedelta(minutes=rng.randrange(0, 3 * 24 * 60)), NOW)
        world.message(run, created_at, status,
                      sent_at if status in SENT or rng.random() < 0.3 else None,
                      rng.choice(CHANNELS), rng.choice(("marketing", "marketing",
                                                         "transactional")))
    for _ in range(len(world.runs) // 2):
        occurred = start + timedelta(seconds=rng.randrange(span))
        world.event(rng.choice(world.runs), rng.choice((UNSUBSCRIBED_EVENT, "purchase")),
                    occurred, occurred)


def brute(session) -> tuple[dict, dict]:
    """customer_weeks and customer_week_channels rows, counted one message at a time."""
    monday = lambda instant: fatigue.monday(instant.astimezone(SEOUL).date())  # noqa: E731
    weeks: dict[tuple[date, int], list[int]] = defaultdict(lambda: [0, 0])
    channels: Counter = Counter()
    for message in session.scalars(select(Message)):
        if message.status not in SENT or message.sent_at is None:
            continue
        week = monday(message.sent_at)
        weeks[week, message.customer_id][0] += 1
        if message.purpose == "marketing":
            weeks[week, message.customer_id][1] += 1
            channels[week, message.customer_id, message.channel] += 1
    left = {(monday(e.occurred_at), e.customer_id) for e in session.scalars(
        select(Event).where(Event.name == UNSUBSCRIBED_EVENT))}
    rows = {key: (sent, marketing, key in left or (key[0] + timedelta(days=7), key[1]) in left)
            for key, (sent, marketing) in weeks.items()}
    return rows, dict(channels)


def stored(session) -> tuple[dict, dict]:
    weeks = {(r.week, r.customer_id): (r.messages, r.marketing, bool(r.unsubscribed))
             for r in session.scalars(select(CustomerWeek))}
    channels = {(r.week, r.customer_id, r.channel): r.marketing
                for r in session.scalars(select(CustomerWeekChannel))}
    return weeks, channels


def histogram(session) -> set:
    """The weekly histogram rows and the profile rows."""
    return {(r.week, r.scope, r.messages, r.customers, r.unsubscribed)
            for r in session.scalars(select(FatigueWeek))} | {
        (r.week, r.profile, r.customers) for r in session.scalars(select(FatigueProfile))}


def roll(session, now: datetime = NOW) -> None:
    assert roll_up(lambda: nullcontext(session), now, SEOUL, keys=["fatigue"],
                   force=True) == {"fatigue": True}


@pytest.fixture
def world(session) -> World:
    return World(session, 40)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_summary_and_its_reads_agree_with_a_count_of_every_message(session, world, seed):
    populate(world, random.Random(seed), 500)
    roll(session)
    weeks, channels = brute(session)
    assert stored(session) == (weeks, channels)
    assert weeks  # the random rows did make some weeks

    intents = fatigue.weekly_intents(CAPS)
    assert [(i.channel, i.per_week) for i in intents] == [("email", 4), ("sms", 2)]
    over_by_week: dict[date, set[int]] = defaultdict(set)
    for (week, customer_id, channel), count in channels.items():
        limit = {i.channel: i.per_week for i in intents}.get(channel)
        if limit is not None and count > limit:
            over_by_week[week].add(customer_id)
    trend = fatigue.over_caps_trend(session, THIS_WEEK, 6, intents)
    assert [t.week for t in trend] == [THIS_WEEK - timedelta(days=7 * n) for n in range(5, -1, -1)]
    for point in trend:
        week_rows = {c: v for (w, c), v in weeks.items() if w == point.week}
        assert (point.messaged, point.over) == (len(week_rows), len(over_by_week[point.week]))
        assert fatigue.over_caps_count(session, point.week, intents) == point.over
        got = fatigue.distribution(session, point.week)
        for bucket in got:
            want_all = sum(1 for v in week_rows.values() if fatigue.bucket_of(v[0]) ==
                           bucket.messages)
            want_marketing = sum(1 for v in week_rows.values() if v[1] and
                                 fatigue.bucket_of(v[1]) == bucket.messages)
            assert (bucket.customers, bucket.marketing_customers) == (want_all, want_marketing)
        paged, after = [], None
        while True:
            page = fatigue.over_caps_page(session, point.week, intents, after, 3)
            paged += page
            if len(page) < 3:
                break
            after = page[-1].customer_id
        assert [p.customer_id for p in paged] == sorted(over_by_week[point.week])
        for row in paged:
            assert (row.messages, row.marketing) == week_rows[row.customer_id][:2]
            assert row.channels == {ch: n for (w, c, ch), n in channels.items()
                                    if w == point.week and c == row.customer_id
                                    and ch in CAPS}

    first = THIS_WEEK - timedelta(days=35)
    leaving = {b.messages: (b.customers, b.unsubscribed)
               for b in fatigue.unsubscribes_by_frequency(session, first, THIS_WEEK)}
    want: dict[str, list[int]] = {b: [0, 0] for b in fatigue.BUCKETS}
    for (week, _customer), (sent, _marketing, left) in weeks.items():
        if first <= week <= THIS_WEEK:
            want[fatigue.bucket_of(sent)][0] += 1
            want[fatigue.bucket_of(sent)][1] += left
    assert leaving == {b: tuple(v) for b, v in want.items()}


def test_rolling_twice_changes_nothing(session, world):
    populate(world, random.Random(3), 300)
    roll(session)
    before = stored(session), histogram(session)
    roll(session, NOW + timedelta(minutes=6))
    assert (stored(session), histogram(session)) == before


def test_a_message_sent_after_its_week_was_rolled_is_counted_at_the_next_roll(session, world):
    run = world.runs[0]
    late_sunday = seoul(2026, 3, 15, 23, 40)  # made last week, sent this week
    waiting = world.message(run, late_sunday, MessageStatus.DEFERRED)
    queued = world.message(run, NOW - timedelta(hours=1), MessageStatus.QUEUED)
    roll(session)
    assert stored(session) == ({}, {})
    waiting.status, waiting.sent_at = MessageStatus.SENT, seoul(2026, 3, 16, 8, 0)
    queued.status, queued.sent_at = MessageStatus.DELIVERED, NOW + timedelta(minutes=1)
    session.flush()
    roll(session, NOW + timedelta(minutes=6))
    assert stored(session) == ({(THIS_WEEK, run.customer_id): (2, 2, False)},
                               {(THIS_WEEK, run.customer_id, "sms"): 2})


def test_an_unsubscribe_received_late_marks_an_old_week_and_the_one_before(session, world):
    run = world.runs[1]
    old_week = THIS_WEEK - timedelta(days=28)
    world.message(run, seoul(2026, 2, 17, 10), MessageStatus.SENT, seoul(2026, 2, 17, 10))
    roll(session)
    assert stored(session)[0] == {(old_week, run.customer_id): (1, 1, False)}
    # Occurred on Monday 00:30 of the next week (still Sunday in UTC), reported only now.
    world.event(run, UNSUBSCRIBED_EVENT, seoul(2026, 2, 23, 0, 30), NOW + timedelta(minutes=2))
    roll(session, NOW + timedelta(minutes=6))
    assert stored(session)[0] == {(old_week, run.customer_id): (1, 1, True)}
    assert (old_week, "all", 1, 1, 1) in histogram(session)


def test_suppressed_failed_and_waiting_messages_are_not_counted(session, world):
    run = world.runs[2]
    at = seoul(2026, 3, 10, 12)
    for status in (MessageStatus.SUPPRESSED, MessageStatus.FAILED, MessageStatus.QUEUED,
                   MessageStatus.DEFERRED, MessageStatus.HELD):
        world.message(run, at, status, at)
    roll(session)
    assert stored(session) == ({}, {})
    assert fatigue.distribution(session, date(2026, 3, 9))[0].customers == 0


def test_without_caps_nobody_is_over(session, world):
    populate(world, random.Random(4), 100)
    roll(session)
    assert fatigue.weekly_intents({}) == []
    assert fatigue.over_caps_count(session, THIS_WEEK, []) == 0
    assert all(t.over == 0 for t in fatigue.over_caps_trend(session, THIS_WEEK, 4, []))
    assert fatigue.over_caps_page(session, THIS_WEEK, [], None, 10) == []
    assert fatigue.weekly_intents({"sms": Cap(limit=1, days=14)})[0].per_week == 1
