"""The simulation on the pure engine: waits, events, exits, goals, horizons, sends, margins."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from builder.compiled import compile_journey
from nodes.kit.profile import EventRecord, Profile
from nodes.kit.spec import DateTrigger
from runtime.run.simulation import (
    Scenario,
    SimulatedEvent,
    Tally,
    TemplateCopy,
    date_entry_at,
    margin,
    random_dependent,
    scaled,
    simulate,
)
from runtime.store.models import MessageStatus, RunStatus
from tests.builder.journeys import document, edge, node

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
TEMPLATE = TemplateCopy(id=1, version=1, channel="email", name="Hello",
                        subject="Hi {{ customer.name }}", source="Hello {{ event.sku }}",
                        options={})


def customer(index: int = 1, **attributes) -> Profile:
    return Profile(id=index, external_id=f"c{index}", created_at=NOW - 400 * 24 * HOUR,
                   email=f"c{index}@example.com", attributes=attributes,
                   consent={"email": True})


def waiting_journey(**settings) -> dict:
    """Entry → email → wait up to 2 days for 'purchase' → (matched) tag 'buyer'."""
    return document(
        [node("in", "entry.api", "API", {}),
         node("mail", "action.send", "Mail", {"channel": "email", "template": 1}),
         node("buy", "flow.wait_event", "Bought?", {
             "event": "purchase", "where": [{"field": "total", "op": "gte", "value": 10}],
             "timeout": {"amount": 2, "unit": "days"}}),
         node("tag", "action.update", "Tag", {"operations": [{"op": "add_tag", "name": "buyer"}]})],
        [edge("in", "mail"), edge("mail", "buy", "next"), edge("buy", "tag", "matched")],
        **settings)


def scenario(doc: dict, horizon: timedelta = timedelta(days=30)) -> Scenario:
    return Scenario(compile_journey(doc), {1: TEMPLATE}, NOW + horizon)


def test_a_matching_event_resumes_the_wait_and_a_non_matching_one_does_not():
    events = [SimulatedEvent("purchase", NOW + 2 * HOUR, {"total": 5}),
              SimulatedEvent("purchase", NOW + 5 * HOUR, {"total": 50})]
    path = simulate(scenario(waiting_journey()), customer(name="Min"), NOW, "s", {"sku": "S1"},
                    events)
    assert [(step.node_id, step.port) for step in path.steps] == [
        ("in", "next"), ("mail", "next"), ("buy", "matched"), ("tag", "next")]
    assert path.steps[2].left_at == NOW + 5 * HOUR == path.steps[3].entered_at
    assert path.status is RunStatus.DONE and path.profile.tags == frozenset({"buyer"})
    assert path.steps[3].changes["tags_added"] == ["buyer"]
    message = path.steps[1].message
    assert message.status is MessageStatus.QUEUED
    assert message.content == {"to": "c1@example.com", "subject": "(광고) Hi Min",
                               "text": "Hello S1"}  # marketing: labelled as KR law asks


def test_without_the_event_the_wait_times_out_and_the_horizon_stops_a_long_wait():
    path = simulate(scenario(waiting_journey()), customer(), NOW, "s")
    assert path.steps[-1].port == "timeout" and path.steps[-1].left_at == NOW + 48 * HOUR
    short = simulate(scenario(waiting_journey(), horizon=HOUR), customer(), NOW, "s")
    assert short.status is RunStatus.WAITING
    assert short.steps[-1].outcome == "waiting" and short.steps[-1].left_at is None
    assert short.steps[-1].wait_until == NOW + 48 * HOUR


def test_exit_criteria_and_goals_act_on_events_during_a_wait():
    leave = waiting_journey(exit_when={"event": "unsubscribe"})
    path = simulate(scenario(leave), customer(), NOW, "s",
                    events=[SimulatedEvent("unsubscribe", NOW + 3 * HOUR)])
    assert path.status is RunStatus.EXITED and path.ended_at == NOW + 3 * HOUR
    assert path.end_reason == "exit criteria: did 'unsubscribe'"

    goal = waiting_journey(goal={"event": "visit", "within": {"amount": 1, "unit": "days"},
                                 "exit": False})
    path = simulate(scenario(goal), customer(), NOW, "s",
                    events=[SimulatedEvent("visit", NOW + 30 * HOUR),
                            SimulatedEvent("visit", NOW + 4 * HOUR)])
    assert path.converted_at == NOW + 4 * HOUR and path.steps[-1].port == "timeout"


def test_the_entry_event_counts_in_history_but_resumes_no_wait():
    path = simulate(scenario(waiting_journey()), customer(), NOW, "s",
                    events=[SimulatedEvent("purchase", NOW, {"total": 99}, is_entry=True)])
    assert path.steps[-1].port == "timeout"


def test_sends_are_decided_as_the_outbox_would():
    no_consent = Profile(id=2, external_id="c2", created_at=NOW, email="x@example.com")
    path = simulate(scenario(waiting_journey()), no_consent, NOW, "s")
    assert path.steps[1].message.status is MessageStatus.SUPPRESSED
    missing = Scenario(compile_journey(waiting_journey()), {}, NOW + HOUR)
    message = simulate(missing, customer(), NOW, "s").steps[1].message
    assert message.status is MessageStatus.FAILED and "no longer exists" in message.reason


def test_conditions_see_past_events_and_time_moves_windows():
    doc = document(
        [node("in", "entry.api", "API", {}),
         node("wait", "flow.delay", "Wait", {"mode": "duration",
                                             "duration": {"amount": 3, "unit": "days"}}),
         node("recent", "flow.condition", "Bought in 7 days?", {"rule": {
             "type": "event", "event": "purchase", "within": {"amount": 7, "unit": "days"}}})],
        [edge("in", "wait"), edge("wait", "recent", "next")])
    bought = Profile(id=3, external_id="c3", created_at=NOW, events=(
        EventRecord("purchase", NOW - 6 * 24 * HOUR),))
    path = simulate(scenario(doc), bought, NOW, "s")
    # Bought 6 days before entry: 9 days before the condition, three days later.
    assert path.steps[-1].port == "no" and path.steps[-1].entered_at == NOW + 72 * HOUR


def test_date_entries_come_round_in_the_customers_time_zone():
    trigger = DateTrigger(attribute="birthday", at="09:00")
    seoul = Profile(id=4, external_id="c4", created_at=NOW, timezone="Asia/Seoul",
                    attributes={"birthday": "1990-03-05"})
    assert date_entry_at(trigger, seoul, "UTC", NOW) == datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
    passed = Profile(id=5, external_id="c5", created_at=NOW, attributes={"birthday": "1990-01-05"})
    assert date_entry_at(trigger, passed, "UTC", NOW) == datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    assert date_entry_at(trigger, customer(), "UTC", NOW) is None


def split_journey() -> dict:
    return document(
        [node("in", "entry.api", "API", {}),
         node("score", "flow.condition", "30+?", {"rule": {
             "type": "attr", "field": "score", "op": "gte", "value": 30}}),
         node("ab", "flow.random", "A/B", {"variants": [
             {"key": "a", "label": "A", "percent": 50}, {"key": "b", "label": "B",
                                                         "percent": 50}]})],
        [edge("in", "score"), edge("score", "ab", "yes")])


def test_margins_are_zero_only_when_nothing_is_sampled_or_drawn():
    assert random_dependent(compile_journey(split_journey())) == set()  # nothing after ab
    assert margin(300, 1000, 1000) == 0
    assert margin(300, 1000, 1000, drawn=True) > 0
    assert margin(30, 100, 10_000) > margin(300, 1000, 10_000) > margin(3000, 9000, 10_000)
    assert margin(0, 1000, 10_000) > 0  # a count of 0 in the sample is not a certain 0
    assert scaled(30, 100, 10_000) == 3000 and scaled(30, 100, 100) == 30


def test_the_95_percent_margin_covers_the_real_count_about_95_percent_of_the_time():
    """Sample, scale, and compare with a fresh 'real run' (new draws on every customer)."""
    plan = scenario(split_journey())
    population = [customer(index, score=index % 100) for index in range(1500)]
    covered, trials = 0, 60
    for trial in range(trials):
        sample = random.Random(trial).sample(population, 300)
        estimate = Tally(start=NOW)
        for profile in sample:
            estimate.add(simulate(plan, profile, NOW, f"preview{trial}:{profile.id}"))
        real = sum(1 for profile in population if any(
            step.port == "a" for step in simulate(plan, profile, NOW, f"run{trial}:{profile.id}")
            .steps))
        count = len(estimate.ports.get(("ab", "a"), []))
        guess = scaled(count, 300, 1500)
        covered += abs(guess - real) <= margin(count, 300, 1500, drawn=True)
    assert covered / trials >= 0.85  # 95% expected; 0.85 is 3.5 standard errors below
