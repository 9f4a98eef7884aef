"""The `stages` roller and the board's reads, against brute force over the same rows on SQLite
and PostgreSQL: each customer in the furthest stage they match, moves recorded once and
credited to the right journey, rolling twice changing nothing, medians and conversions."""

from __future__ import annotations

import random
import statistics
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import select

from nodes.kit.rules import Attr, CountOp, EventCount, HasTag, Op, matches
from runtime.customers.profiles import load_profiles
from runtime.insight import roll_up
from runtime.insight.stage_reads import (
    moving_journeys,
    stage_conversions,
    stage_history,
    stage_sizes,
    time_in_stage,
)
from runtime.insight.stages import NO_STAGE, SETTING_KEY, Stage, StageDefinitions
from runtime.store.models import (
    Customer,
    CustomerTag,
    Event,
    Journey,
    JourneyStatus,
    JourneyVersion,
    Run,
    WorkspaceSetting,
)
from runtime.store.stage_models import CustomerStage, StageMove

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)

STAGES = StageDefinitions(stages=[
    Stage("signed_up", "Signed up", Attr(field="signed_up", op=Op.EXISTS)),
    Stage("buyer", "Buyer", Attr(field="orders", op=Op.GTE, value=1)),
    Stage("loyal", "Loyal", Attr(field="orders", op=Op.GTE, value=3)),
    Stage("vip", "VIP", HasTag(tag="vip")),
    Stage("referrer", "Referrer", EventCount(event="referral_sent", op=CountOp.GTE, count=1)),
])


def _roll(session, now):
    roll_up(lambda: nullcontext(session), now, SEOUL, keys=["stages"], force=True)


def _use_stages(session, definitions=STAGES):
    session.merge(WorkspaceSetting(key=SETTING_KEY, value=msgspec.to_builtins(definitions),
                                   updated_at=T0))
    session.flush()


def _customers(session, count=80, seed=7):
    rnd = random.Random(seed)
    ids = []
    for index in range(count):
        attributes = {"orders": rnd.choice([0, 0, 1, 2, 3, 4])}
        if rnd.random() < 0.85:
            attributes["signed_up"] = "2026-01-01"
        customer = Customer(external_id=f"c{index}", attributes=attributes, consent={},
                            created_at=T0 - timedelta(days=30), updated_at=T0)
        session.add(customer)
        session.flush()
        ids.append(customer.id)
        if rnd.random() < 0.2:
            session.add(CustomerTag(customer_id=customer.id, tag="vip"))
        if rnd.random() < 0.1:
            session.add(Event(customer_id=customer.id, name="referral_sent", properties={},
                              occurred_at=T0 - timedelta(days=2), received_at=T0))
    session.flush()
    return ids


def _brute_force(session, ids, now, definitions=STAGES):
    """Each customer's stage by the rule language's Python back end: the last stage matched."""
    profiles = load_profiles(session, ids, now)
    placed = {}
    for customer_id in ids:
        stage = NO_STAGE
        for candidate in definitions.stages:
            if matches(candidate.rule, profiles[customer_id], now):
                stage = candidate.key
        placed[customer_id] = stage
    return placed


def _placed(session):
    return {row.customer_id: row.stage for row in session.scalars(select(CustomerStage))}


def _moves(session):
    return session.scalars(select(StageMove).order_by(StageMove.id)).all()


def _set_orders(session, customer_id, orders):
    customer = session.get(Customer, customer_id)
    customer.attributes = {**customer.attributes, "orders": orders}
    session.flush()


def _journey(session, name):
    journey = Journey(name=name, status=JourneyStatus.LIVE, draft={})
    session.add(journey)
    session.flush()
    version = JourneyVersion(journey_id=journey.id, number=1, document={}, published_at=T0)
    session.add(version)
    session.flush()
    return journey, version


def _run(session, journey, version, customer_id, entered, ended=None, key="e"):
    session.add(Run(journey_id=journey.id, journey_version_id=version.id,
                    customer_id=customer_id, entry_key=key, node_id="start",
                    entered_at=entered, ended_at=ended))
    session.flush()


def test_customers_are_placed_in_the_furthest_stage_they_match(session):
    _use_stages(session)
    ids = _customers(session)
    _roll(session, T0)
    expected = _brute_force(session, ids, T0)
    assert _placed(session) == expected
    assert len(set(expected.values())) >= 4  # the data reaches most stages
    assert _moves(session) == []  # the first roll places everyone without moves
    day, sizes = stage_sizes(session)
    assert day == T0.astimezone(SEOUL).date()
    counts = {}
    for stage in expected.values():
        counts[stage] = counts.get(stage, 0) + 1
    assert sizes == counts
    since = {row.customer_id: row.since for row in session.scalars(select(CustomerStage))}

    _roll(session, T0 + timedelta(minutes=10))  # again: nothing changed, nothing moves
    assert _placed(session) == expected
    assert {row.customer_id: row.since
            for row in session.scalars(select(CustomerStage))} == since
    assert _moves(session) == []
    assert stage_history(session, day, day) == sorted(
        (day, stage, count) for stage, count in counts.items())


def test_moves_are_recorded_once_and_credited_to_the_journey_that_moved_them(session):
    _use_stages(session)
    ids = _customers(session)
    welcome, welcome_v = _journey(session, "Welcome")
    winback, winback_v = _journey(session, "Win back")
    _roll(session, T0)
    before = _placed(session)
    plain = [i for i in ids if before[i] in ("signed_up", "buyer")][:6]
    assert len(plain) == 6
    # Customer 0: in Welcome since after their stage began (credited). Customer 1: Win back
    # ended before they entered their stage, Welcome after (Welcome credited). Customer 2: a
    # run that ended before their stage began only (no journey). Others: no runs.
    _run(session, welcome, welcome_v, plain[0], T0 + timedelta(hours=1))
    _run(session, winback, winback_v, plain[1], T0 - timedelta(days=9), T0 - timedelta(days=8))
    _run(session, welcome, welcome_v, plain[1], T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    _run(session, winback, winback_v, plain[2], T0 - timedelta(days=9), T0 - timedelta(days=8))
    _run(session, winback, winback_v, plain[3], T0 + timedelta(days=2))  # after the move
    for customer_id in plain:
        _set_orders(session, customer_id, 3)
    new = Customer(external_id="new", attributes={"signed_up": "2026-11-02", "orders": 1},
                   consent={}, created_at=T0 + timedelta(hours=5), updated_at=T0)
    session.add(new)
    session.flush()
    moved_at = T0 + timedelta(days=1)
    _roll(session, moved_at)
    after = _brute_force(session, [*ids, new.id], moved_at)
    assert _placed(session) == after
    expected = sorted((i, before.get(i, NO_STAGE), after[i]) for i in after
                      if before.get(i, NO_STAGE) != after[i])
    rows = _moves(session)
    assert sorted((m.customer_id, m.from_stage, m.to_stage) for m in rows) == expected
    assert (new.id, NO_STAGE, "buyer") in expected
    assert all(m.moved_at == moved_at for m in rows)
    credited = {m.customer_id: m.journey_id for m in rows}
    assert credited[plain[0]] == welcome.id
    assert credited[plain[1]] == welcome.id
    assert credited[plain[2]] is None
    assert credited[plain[3]] is None
    assert credited[new.id] is None

    _roll(session, moved_at)  # the same roll again: recorded once
    _roll(session, moved_at + timedelta(minutes=10))
    assert len(_moves(session)) == len(rows)
    journeys = moving_journeys(session, T0, moved_at + timedelta(days=1))
    by_transition = {}
    for move in rows:
        if move.journey_id is not None:
            key = (move.from_stage, move.to_stage, move.journey_id)
            by_transition[key] = by_transition.get(key, 0) + 1
    assert {(j.from_stage, j.to_stage, j.journey_id): j.moves
            for j in journeys} == by_transition
    assert sum(by_transition.values()) == 2 and {j.journey_name for j in journeys} == {"Welcome"}


def test_time_in_stage_and_conversion_are_the_medians_of_the_moves(session):
    _use_stages(session)
    ids = []
    for n in range(5):
        customer = Customer(external_id=f"m{n}", attributes={"signed_up": "2026-01-01",
                                                             "orders": 0},
                            consent={}, created_at=T0, updated_at=T0)
        session.add(customer)
        session.flush()
        ids.append(customer.id)
    _roll(session, T0)  # everyone in signed_up, no moves
    # Each customer buys (signed_up → buyer) at a different hour, then some become loyal.
    for hour, customer_id in enumerate(ids, start=1):
        _set_orders(session, customer_id, 1)
        _roll(session, T0 + timedelta(hours=hour))
    for days, customer_id in ((1, ids[0]), (3, ids[1]), (4, ids[2])):
        _set_orders(session, customer_id, 3)
        _roll(session, T0 + timedelta(days=days))
    _set_orders(session, ids[2], 0)  # goes back: leaves loyal after a day
    _roll(session, T0 + timedelta(days=5))
    until = T0 + timedelta(days=6)
    rows = _moves(session)
    # Brute force over the moves: a stay ends at the customer's next move.
    stays, further = {}, {}
    order = [stage.key for stage in STAGES.stages]
    for move in rows:
        later = [m for m in rows if m.customer_id == move.customer_id and m.id > move.id]
        if later:
            stays.setdefault(move.to_stage, []).append(
                (later[0].moved_at - move.moved_at).total_seconds())
        ahead = [m for m in later if order.index(m.to_stage) > order.index(move.to_stage)]
        if ahead:
            further.setdefault(move.to_stage, []).append(
                (ahead[0].moved_at - move.moved_at).total_seconds())
    measured = time_in_stage(session, T0, until)
    assert measured["buyer"].moves == 5
    assert measured["buyer"].timed == len(stays["buyer"]) == 3
    assert abs(measured["buyer"].median_seconds - statistics.median(stays["buyer"])) < 0.01
    assert abs(measured["loyal"].median_seconds - 86_400) < 0.01  # one stay: a day
    converted = stage_conversions(session, T0, until)
    assert converted["buyer"].timed == len(further["buyer"]) == 3
    assert abs(converted["buyer"].median_seconds - statistics.median(further["buyer"])) < 0.01
    assert converted["signed_up"].moves == 1  # the first roll placed them: only one went back
    assert stage_sizes(session)[1]["buyer"] == 2  # ids[3] and ids[4]
