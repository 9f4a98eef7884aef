"""Coverage: the untouched counts, breakdowns, list and reserved tags equal a brute-force reading
of the same runs and messages, on SQLite and PostgreSQL, as the record grows between rolls."""

from __future__ import annotations

import random
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from runtime.insight import coverage, coverage_reads, roll_up
from runtime.store.coverage_models import CoverageBreakdown, CoverageDay, CustomerTouch
from runtime.store.models import (
    Customer,
    CustomerTag,
    Journey,
    JourneyVersion,
    Message,
    MessageStatus,
    Run,
    RunStatus,
    Segment,
)

ZONE = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3, hours=5)
WINDOWS = (1, 7, 30, 90, 365)
COUNTRIES = ("KR", "JP", "US", None)
PLANS = ("free", "pro", None)


def _roll(session, now):
    return roll_up(lambda: nullcontext(session), now, ZONE, keys=["coverage"], force=True)


def _instant(rng, now, days_back):
    return now - timedelta(seconds=rng.randint(0, days_back * 86_400))


def _customers(session, rng, count, now):
    rows = []
    for number in range(count):
        attributes = {}
        if (country := rng.choice(COUNTRIES)) is not None:
            attributes["country"] = country
        if (plan := rng.choice(PLANS)) is not None:
            attributes["plan"] = plan
        if rng.random() < 0.7:
            attributes["last_purchase_at"] = _instant(rng, now, 200).date().isoformat()
        rows.append(Customer(external_id=f"c{number}", email=f"c{number}@example.kr",
                             attributes=attributes, created_at=now - timedelta(days=400)))
    session.add_all(rows)
    session.flush()
    return rows


def _journeys(session, count=3):
    made = []
    for number in range(count):
        journey = Journey(name=f"j{number}", draft={})
        session.add(journey)
        session.flush()
        version = JourneyVersion(journey_id=journey.id, number=1, document={})
        session.add(version)
        session.flush()
        made.append(version)
    return made


def _record(session, rng, customers, versions, now, days_back, runs, messages):
    """Random runs (some still open) and messages (some never sent) stamped before `now`."""
    open_pairs = {(run.journey_id, run.customer_id) for run in
                  session.scalars(select(Run).where(Run.ended_at.is_(None)))}
    made = []
    for _ in range(runs):
        customer, version = rng.choice(customers), rng.choice(versions)
        entered = _instant(rng, now, days_back)
        ended = None if rng.random() < 0.3 else min(entered + timedelta(
            hours=rng.randint(0, 24 * 40)), now)
        if ended is None and (version.journey_id, customer.id) in open_pairs:
            ended = entered
        if ended is None:
            open_pairs.add((version.journey_id, customer.id))
        run = Run(journey_id=version.journey_id, journey_version_id=version.id,
                  customer_id=customer.id, entry_key=f"k{rng.random()}", node_id="entry",
                  status=RunStatus.WAITING if ended is None else RunStatus.DONE,
                  entered_at=entered, ended_at=ended)
        session.add(run)
        made.append(run)
    session.flush()
    for number in range(messages):
        run = rng.choice(made)
        created = _instant(rng, now, days_back)
        status = rng.choice(list(MessageStatus))
        sent = (min(created + timedelta(hours=rng.randint(0, 72)), now)
                if status in (MessageStatus.SENT, MessageStatus.DELIVERED) else None)
        session.add(Message(run_id=run.id, node_id=f"n{number}", journey_id=run.journey_id,
                            customer_id=run.customer_id, channel="email", status=status,
                            created_at=created, sent_at=sent))
    session.flush()


def _untouched(session, now, days):
    """Brute force: every customer no sent message and no run reached in [now − days, now]."""
    since = now - timedelta(days=days)
    touched = {m.customer_id for m in session.scalars(select(Message))
               if m.sent_at is not None and since <= m.sent_at <= now}
    touched |= {r.customer_id for r in session.scalars(select(Run))
                if r.entered_at <= now and (r.ended_at is None or r.ended_at >= since)}
    return {c.id for c in session.scalars(select(Customer))} - touched


def _bucket(bought, now):
    if bought is None:
        return "never"
    if bought >= (now - timedelta(days=30)).date().isoformat():
        return "<30d"
    return "30-90d" if bought >= (now - timedelta(days=90)).date().isoformat() else ">90d"


def _breakdown(session, ids, now):
    counted = {"country": {}, "plan": {}, "last_purchase_at": {}}
    for customer in session.scalars(select(Customer).where(Customer.id.in_(ids))):
        for name in ("country", "plan"):
            value = customer.attributes.get(name, "")
            counted[name][value] = counted[name].get(value, 0) + 1
        bucket = _bucket(customer.attributes.get("last_purchase_at"), now)
        counted["last_purchase_at"][bucket] = counted["last_purchase_at"].get(bucket, 0) + 1
    return counted


def _check(session, now):
    for days in WINDOWS:
        expected = _untouched(session, now, days)
        line = coverage_reads.headline(session, days, now, ZONE)
        everyone = len(session.scalars(select(Customer.id)).all())
        assert (line.customers, line.untouched) == (everyone, len(expected)), days
        listed, after = [], None
        while page := coverage_reads.untouched_page(session, days, now, after, limit=7):
            listed += [row.id for row in page]
            after = page[-1].id
        assert listed == sorted(expected), days
        if days in coverage.STANDARD_WINDOWS:
            assert coverage_reads.breakdown(session, days)[1] == _breakdown(session, expected, now)


@pytest.mark.parametrize("seed", [1, 2])
def test_counts_list_and_breakdown_equal_brute_force_as_the_record_grows(session, seed):
    rng = random.Random(seed)
    customers = _customers(session, rng, 80, NOW)
    versions = _journeys(session)
    _record(session, rng, customers, versions, NOW, 400, runs=120, messages=160)
    _roll(session, NOW)
    _check(session, NOW)

    # Between rolls: new runs and messages, and some open runs end.
    for run in session.scalars(select(Run).where(Run.ended_at.is_(None))):
        if rng.random() < 0.5:
            run.ended_at, run.status = NOW + timedelta(hours=rng.randint(1, 70)), RunStatus.DONE
    _record(session, rng, customers, versions, LATER, 2, runs=30, messages=40)
    _roll(session, LATER)
    _check(session, LATER)


def test_rolling_twice_changes_nothing(session):
    rng = random.Random(7)
    customers = _customers(session, rng, 40, NOW)
    _record(session, rng, customers, _journeys(session), NOW, 120, runs=60, messages=80)
    session.add(Segment(name="untouched", rule={"type": "tag", "tag": "untouched-30d"}))
    _roll(session, NOW)
    first = _summaries(session)
    _roll(session, NOW)
    assert _summaries(session) == first


def _summaries(session):
    return (sorted((t.customer_id, t.last_touched_at, t.touched_until)
                   for t in session.scalars(select(CustomerTouch))),
            sorted((d.day, d.window_days, d.customers, d.untouched)
                   for d in session.scalars(select(CoverageDay))),
            sorted((b.day, b.window_days, b.attribute, b.value, b.untouched)
                   for b in session.scalars(select(CoverageBreakdown))),
            sorted((t.customer_id, t.tag) for t in session.scalars(select(CustomerTag))))


def _tagged(session, tag):
    return set(session.scalars(select(CustomerTag.customer_id).where(CustomerTag.tag == tag)))


def test_the_reserved_tag_follows_the_untouched_customers(session):
    rng = random.Random(11)
    customers = _customers(session, rng, 50, NOW)
    versions = _journeys(session)
    _record(session, rng, customers, versions, NOW, 100, runs=50, messages=50)
    session.add(Segment(name="quiet", rule={"type": "all", "rules": [
        {"type": "tag", "tag": "untouched-30d"}]}))
    gone = Segment(name="gone", rule={"type": "tag", "tag": "untouched-12d"})
    session.add(gone)
    _roll(session, NOW)
    assert _tagged(session, "untouched-30d") == _untouched(session, NOW, 30)
    assert _tagged(session, "untouched-12d") == _untouched(session, NOW, 12)
    session.delete(gone)  # no segment names the 12-day tag any more: it goes on the next roll

    # Some of them get a message, one enters a journey, and time passes for the others.
    quiet = sorted(_tagged(session, "untouched-30d"))
    run = Run(journey_id=versions[0].journey_id, journey_version_id=versions[0].id,
              customer_id=quiet[0], entry_key="later", node_id="entry", entered_at=LATER)
    session.add(run)
    session.flush()
    for customer_id in quiet[1:4]:
        session.add(Message(run_id=run.id, node_id=f"n{customer_id}", journey_id=run.journey_id,
                            customer_id=customer_id, channel="sms", status=MessageStatus.SENT,
                            created_at=LATER - timedelta(days=2), sent_at=LATER))
    session.flush()
    _roll(session, LATER)
    assert _tagged(session, "untouched-30d") == _untouched(session, LATER, 30)
    assert not _tagged(session, "untouched-30d") & set(quiet[:4])
    assert _tagged(session, "untouched-12d") == set()


def test_the_trend_keeps_one_count_a_day_and_today_live(session):
    rng = random.Random(3)
    customers = _customers(session, rng, 30, NOW)
    _record(session, rng, customers, _journeys(session), NOW, 60, runs=30, messages=30)
    for day in range(3):
        _roll(session, NOW + timedelta(days=day))
    now = NOW + timedelta(days=3)
    trend = coverage_reads.trend(session, 30, now, ZONE)
    assert [point.day for point in trend] == [date(2026, 6, 1) + timedelta(days=day)
                                              for day in range(4)]
    assert [point.untouched for point in trend] == [
        len(_untouched(session, NOW + timedelta(days=day), 30)) for day in range(4)]
    line = coverage_reads.headline(session, 30, now, ZONE)
    assert (line.previous_day, line.previous_untouched) == (trend[-2].day, trend[-2].untouched)
