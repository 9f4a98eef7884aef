"""The real stack against the simulation: random journeys, random customers, the same result.

Every journey from `journey_generator` is published into one database with its own 50
customers and run by the real stack — sweeps, RQ burst workers, batches, the outbox, delivery —
on a frozen clock moved from one due instant to the next, so the real run sees exactly the
instants the simulation jumps to. Each run is then simulated (`runtime.run.simulation.simulate`,
as the path preview and the dry run do it) from the customer as they were at entry, seeded with
the run's id as the workers seed it, with the workspace's send policy. Per run, the steps
(node, outcome, port, why, when in and out), the messages (node, channel, template, purpose,
final status, reason, content, when sent) and the end (status, reason, when) must be equal.

No event arrives after the entry: the dry run knows no future events, so every wait for an
event times out on both sides. A failure names each differing run's seed; the seed replays the
journey and its customers (`journey_generator`).
"""

from __future__ import annotations

import json
import random
import signal
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from builder.compiled import CompiledJourney
from nodes.kit.profile import Profile
from nodes.kit.rules import evaluate, properties_match
from nodes.kit.spec import ApiTrigger, AudienceTrigger, EventTrigger
from runtime.customers.profiles import load_profiles
from runtime.flow.effects import Effects
from runtime.flow.enrollment import enroll
from runtime.flow.ingest import ingest_event
from runtime.messaging import templating
from runtime.messaging.channels import WebhookAdapter
from runtime.messaging.gate import sent_before
from runtime.messaging.tracking import secret_for
from runtime.messaging.workspace import load_rules
from runtime.run.lifecycle import publish
from runtime.run.simulation import Scenario, SimPath, SimulatedEvent, load_templates, simulate
from runtime.store.db import read_sessionmaker
from runtime.store.models import (
    Customer,
    CustomerTag,
    Event,
    Message,
    MessageStatus,
    Run,
    RunStatus,
    Step,
    Template,
)
from runtime.store.references.coupon_pool import CouponCode, CouponPool
from runtime.store.versions import LiveEntry, compiled
from tests.runtime import journey_generator as generator
from tests.runtime.clocked_worker import set_time
from tests.runtime.harness import START, add_journey, drain, wait_until
from tests.runtime.providers import LOCAL

CUSTOMERS = 50
"""Customers per journey."""

JOURNEYS = {"postgresql": 200, "sqlite": 40}
"""Journeys per run, by database (SQLite is the embedded mode: a smaller portion)."""

FIRST_SEED = 16_000
"""Seeds are FIRST_SEED, FIRST_SEED + 1, …: a failing one replays alone."""

HORIZON = timedelta(days=60)
"""Further than any generated journey can take (its waits add up to a few weeks at most)."""

WAITS = ("flow.delay", "flow.wait_event")


def add_templates(session, webhook_url: str = "http://127.0.0.1:9/hooks") -> dict[str, int]:
    """One template per channel, reading attributes that steps change (points, stage) and the
    API payload (`event`), with defaults where a customer or an entry may lack them; and two
    coupon pools, one that never runs dry and one empty."""
    points = "{{ customer.points | default: 0 }}"
    rows = {
        "email": Template(channel="email", name="Mail", subject="Hi {{ customer.plan }}",
                          source=f"Points {points}, {{{{ customer.stage | default: 'none' }}}}",
                          options={}),
        "sms": Template(channel="sms", name="Text", subject=None,
                        source=f"{{{{ customer.plan }}}}: {points}, "
                               "order {{ event.total | default: 0 }}", options={}),
        "kakao": Template(channel="kakao", name="Kakao", subject=None,
                          source=f"{{{{ customer.plan }}}} 고객님, 포인트 {points}",
                          options={"template_code": "POINTS",
                                   "variables": {"plan": "{{ customer.plan }}"}}),
        "push": Template(channel="push", name="Push",
                         subject="{{ customer.stage | default: 'hi' }}",
                         source="{{ customer.score | default: 0 }} points",
                         options={"deep_link": "shop://points"}),
        "webhook": Template(channel="webhook", name="Hook", subject=None,
                            source='{"id": {{ customer.external_id | json }}, '
                                   '"order": {{ event.order_id | default: "none" | json }}, '
                                   '"points": {{ customer.points | default: 0 | json }}}',
                            options={"url": webhook_url, "method": "POST"}),
    }
    session.add_all(rows.values())
    pools = {"coupons": CouponPool(name="Never runs dry"), "no_coupons": CouponPool(name="Empty")}
    session.add_all(pools.values())
    session.flush()
    session.execute(CouponCode.__table__.insert(), [
        {"pool_id": pools["coupons"].id, "code": f"C{index:06d}"} for index in range(12_000)])
    return {**{channel: row.id for channel, row in rows.items()},
            **{key: pool.id for key, pool in pools.items()}}


def add_generated(session, seed: int, templates: dict[str, int], now: datetime
                  ) -> Generated:
    """The seed's journey (a draft) and its customers."""
    rng = random.Random(seed)
    document = generator.journey(rng, seed, now, templates)
    people = generator.customers(rng, seed, CUSTOMERS, now)
    rows = [Customer(created_at=now, updated_at=now,
                     **{key: value for key, value in person.items()
                        if key not in ("tags", "events", "entry_amount")}) for person in people]
    session.add_all(rows)
    session.flush()
    for row, person in zip(rows, people, strict=True):
        session.add_all(CustomerTag(customer_id=row.id, tag=tag) for tag in person["tags"])
        session.add_all(Event(customer_id=row.id, received_at=now, **event)
                        for event in person["events"])
    journey_id = add_journey(session, document, f"Generated {seed}")
    return Generated(seed, journey_id, document, [row.id for row in rows], people)


@dataclass
class Generated:
    """One seed's journey, as published, and its customers (ids and what made them)."""

    seed: int
    journey_id: int
    document: dict[str, Any]
    customer_ids: list[int]
    people: list[dict[str, Any]]
    plan: CompiledJourney | None = None
    version_id: int = 0
    profiles: dict[int, Profile] = field(default_factory=dict)
    """The customers as they were before anyone entered: what the simulation starts from."""


def publish_all(rt, seeds: range, webhook_url: str = "http://127.0.0.1:9/hooks"
                ) -> dict[int, Generated]:
    """Publish every seed's journey at START and let its customers in (segment entries at
    publish, API entries by call, event entries by their event); seed → Generated.

    Event entries go first: each event is matched against every live journey, so they are
    cheapest while few are live."""
    made = {}
    with rt.sessions() as session:
        templates = add_templates(session, webhook_url)
        for seed in seeds:
            made[seed] = add_generated(session, seed, templates, START)
        for one in sorted(made.values(), key=lambda one: not _is_event_entry(one)):
            version = publish(session, one.journey_id, START)
            one.version_id = version.id
            one.plan = compiled(session, version.id, version.document)
            one.profiles = load_profiles(session, one.customer_ids, START, one.plan.event_names)
            enter(session, one)
        session.commit()
    return made


def _is_event_entry(one: Generated) -> bool:
    return one.document["nodes"][0]["type"] == "entry.event"


def enter(session, one: Generated) -> None:
    """Let the customers of an API or event entry in, as calls and events do."""
    trigger = one.plan.specs[one.plan.entry_id].trigger(one.plan.configs[one.plan.entry_id])
    if isinstance(trigger, EventTrigger):
        for person in one.people:
            ingest_event(session, person["external_id"], trigger.event,
                         {"amount": person["entry_amount"]}, START, START)
    elif isinstance(trigger, ApiTrigger):
        # `enroll_api` does this per customer, after finding the journey among all live ones
        # (slow over hundreds of journeys); the same INSERT … SELECT, a payload at a time.
        entry = LiveEntry(one.journey_id, one.version_id, one.plan, trigger)
        for index, payload in enumerate(generator.payloads(random.Random(one.seed))):
            enroll(session, entry, Customer.id.in_(one.customer_ids[index::3]), START,
                   payload=payload)


def should_enter(one: Generated) -> list[int]:
    """The customers the entry lets in, by the rule language's Python back end."""
    trigger = one.plan.specs[one.plan.entry_id].trigger(one.plan.configs[one.plan.entry_id])
    if isinstance(trigger, EventTrigger):
        return [customer_id for customer_id, person in zip(one.customer_ids, one.people,
                                                           strict=True)
                if properties_match(trigger.where, {"amount": person["entry_amount"]}, START)]
    if isinstance(trigger, AudienceTrigger):
        return [customer_id for customer_id in one.customer_ids
                if evaluate(trigger.rule, one.profiles[customer_id], START).matched]
    return list(one.customer_ids)


# --- the simulation's side ---------------------------------------------------------------------


def simulate_runs(rt, made: dict[int, Generated],
                  started: dict[int, datetime] | None = None) -> dict[int, SimPath]:
    """Every run simulated from its customer as they were before entering, by run id; from
    the instant its first step really ran when `started` says (after a worker died)."""
    started = started or {}
    paths = {}
    with rt.sessions() as session:
        rules = load_rules(session)
        runs = session.execute(select(Run.id, Run.journey_id, Run.customer_id, Run.entered_at,
                                      Run.payload)).all()
        by_journey = defaultdict(list)
        for run in runs:
            by_journey[run.journey_id].append(run)
        for one in made.values():
            its_runs = by_journey[one.journey_id]
            assert sorted(run.customer_id for run in its_runs) == should_enter(one), one.seed
            scenario = Scenario(one.plan, load_templates(session, one.plan), START + HORIZON,
                                rules=rules, sent=sent_before(session, one.customer_ids,
                                                              rules, START),
                                effects=Effects(reading=read_sessionmaker(rt.engine)))
            trigger = one.plan.specs[one.plan.entry_id].trigger(
                one.plan.configs[one.plan.entry_id])
            for run in its_runs:
                paths[run.id] = simulate(scenario, one.profiles[run.customer_id],
                                         started.get(run.id, run.entered_at), str(run.id),
                                         run.payload,
                                         _entry_events(trigger, one, run))
    return paths


def _entry_events(trigger, one: Generated, run) -> list[SimulatedEvent]:
    """The entry event of an event entry, as the dry run gives it (with its properties)."""
    if not isinstance(trigger, EventTrigger):
        return []
    person = one.people[one.customer_ids.index(run.customer_id)]
    return [SimulatedEvent(trigger.event, START, {"amount": person["entry_amount"]},
                           is_entry=True)]


def expected(path: SimPath, kinds: dict[str, str]) -> dict[str, Any]:
    """What the real run should have left behind, by the simulation."""
    steps, messages = {}, {}
    for step in path.steps:
        why = step.why
        if kinds[step.node_id] in WAITS and step.left_at != step.entered_at:
            why = why.rsplit("; ", 1)[-1]  # the simulation keeps why it waited, too
        steps[step.node_id] = (step.outcome, step.port, why, step.entered_at, step.left_at)
        if step.message is not None:
            messages[step.node_id] = _final(step.message, step.entered_at)
    return {"end": (path.status, path.end_reason, path.ended_at), "steps": steps,
            "messages": messages}


def _final(message, at: datetime) -> tuple:
    """A message as the ledger should hold it once delivery is done: one queued now is sent
    now; one deferred is sent when the policy lets it go (and the ledger drops the reason it
    waited once it goes); the others stay as decided."""
    status, reason, sent_at = message.status, message.reason, None
    if status is MessageStatus.QUEUED:
        status, sent_at = MessageStatus.SENT, at
    elif status is MessageStatus.DEFERRED:
        status, reason, sent_at = MessageStatus.SENT, None, message.goes_at
    return (message.channel, message.purpose, message.template_id, status, reason,
            dict(message.content), sent_at)


# --- the real side -----------------------------------------------------------------------------


def next_instant(rt) -> datetime | None:
    """The earliest moment something is due: a run's wake-up or a held message's retry."""
    with rt.sessions() as session:
        wake = session.scalar(select(func.min(Run.wake_at)).where(
            Run.ended_at.is_(None), Run.wake_at.is_not(None)))
        retry = session.scalar(select(func.min(Message.next_attempt_at)).where(
            Message.status.in_((MessageStatus.QUEUED, MessageStatus.DEFERRED))))
    due = [moment for moment in (wake, retry) if moment is not None]
    return min(due) if due else None


def run_to_the_end(rt) -> int:
    """Move the clock to each due instant in turn and let the real stack work; the instants."""
    drain(rt)
    instants = 0
    while (due := next_instant(rt)) is not None:
        assert due <= START + HORIZON, f"something is still due at {due}"
        rt.clock.set(max(due, rt.clock.now()))
        drain(rt)
        instants += 1
    return instants


def observed(rt) -> dict[int, dict[str, Any]]:
    """What the real stack left behind, per run, in the shape of `expected`."""
    found: dict[int, dict[str, Any]] = {}
    with rt.sessions() as session:
        for run in session.execute(select(Run.id, Run.status, Run.exit_reason, Run.ended_at)):
            found[run.id] = {"end": (run.status, run.exit_reason, run.ended_at), "steps": {},
                             "messages": {}}
        for step in session.scalars(select(Step)):
            found[step.run_id]["steps"][step.node_id] = (
                step.outcome, step.port, step.detail, step.entered_at, step.left_at)
        for message in session.scalars(select(Message)):
            assert message.node_id not in found[message.run_id]["messages"], "sent twice"
            found[message.run_id]["messages"][message.node_id] = (
                message.channel, message.purpose, message.template_id, message.status,
                message.reason, dict(message.content or {}), message.sent_at)
    return found


# --- comparing ---------------------------------------------------------------------------------


def differences(rt, made: dict[int, Generated], paths: dict[int, SimPath],
                real: dict[int, dict[str, Any]], shown: int = 3) -> list[str]:
    """A report of every run whose real result differs from its simulation (the first few in
    full, with the seed, the journey and the customer)."""
    with rt.sessions() as session:
        runs = session.execute(select(Run.id, Run.customer_id, Customer.external_id)
                               .join(Customer, Customer.id == Run.customer_id)).all()
    found = []
    for run_id, _customer_id, external_id in sorted(runs):
        seed = int(external_id.split("-")[0][1:])
        document = made[seed].document
        kinds = {node["id"]: node["type"] for node in document["nodes"]}
        want = expected(paths[run_id], kinds)
        if want == real[run_id]:
            continue
        if len(found) < shown:
            found.append(_report(seed, external_id, document, paths[run_id], want,
                                 real[run_id]))
        else:
            found.append(f"seed {seed}, customer {external_id}")
    return found


def _report(seed: int, external_id: str, document: dict[str, Any], path: SimPath,
            want: dict[str, Any], got: dict[str, Any]) -> str:
    lines = [f"seed {seed}, customer {external_id}",
             f"  simulated path: {[(step.node_id, step.port) for step in path.steps]}"]
    for part in ("end", "steps", "messages"):
        if want[part] == got[part]:
            continue
        if part == "end":
            lines.append(f"  end: simulated {want[part]} real {got[part]}")
            continue
        for key in sorted(set(want[part]) | set(got[part])):
            if want[part].get(key) != got[part].get(key):
                lines.append(f"  {part} {key}: simulated {want[part].get(key)}\n"
                             f"  {' ' * len(part)} {key}:      real {got[part].get(key)}")
    lines.append(f"  journey: {json.dumps(document)}")
    return "\n".join(lines)


def test_random_journeys_run_as_the_simulation_says(wayline, dialect, monkeypatch):
    # The render budget is wall-clock time: on a loaded machine one side (the simulation or the
    # run) can pass it where the other doesn't, for a two-line template (a CI run did so). What
    # is compared here is the journeys' logic, so the budget is made too long to be reached;
    # tests/server/test_render_budget_live.py and the templating tests hold the budget itself.
    monkeypatch.setattr(templating, "RENDER_BUDGET", 60.0)
    rt = wayline
    seeds = range(FIRST_SEED, FIRST_SEED + JOURNEYS[dialect])
    made = publish_all(rt, seeds)
    paths = simulate_runs(rt, made)
    assert len(paths) > 0.5 * len(seeds) * CUSTOMERS
    assert not [run for run, path in paths.items() if path.waiting], "horizon too short"
    run_to_the_end(rt)
    assert_as_simulated(rt, made, paths)


def assert_as_simulated(rt, made: dict[int, Generated], paths: dict[int, SimPath],
                        late: tuple[datetime, dict[int, datetime]] | None = None) -> None:
    """Every run as simulated. `late` = (redriven, started): a message of a run started at
    START may have been sent at `redriven` instead (its delivery was leased to the killed
    worker, and went when the lease ran out)."""
    real = observed(rt)
    if late is not None:
        _excuse_late_deliveries(real, *late)
    assert set(real) == set(paths)
    found = differences(rt, made, paths, real)
    assert not found, f"{len(found)} runs differ:\n" + "\n".join(found)
    assert all(status in (RunStatus.DONE, RunStatus.EXITED) for status, *_ in
               (result["end"] for result in real.values()))


# --- with a worker killed ----------------------------------------------------------------------

KILLED_JOURNEYS = 24
"""Journeys in the run whose first worker is killed (1,200 runs: two batches)."""

KILL_SEED = 17_000


def test_a_worker_killed_mid_run_changes_nothing_but_when(wayline, workers, http_server,
                                                         dialect, tmp_path):
    """Real `wayline worker` processes, on a clock the test moves, take the entries; the first
    is killed (-9) while it holds runs, a fresh one re-drives them once their claim is stale
    (2 s later), and the rest runs in-process. Every run must still be what the simulation
    says — started when due (journey time), and sent when a worker could: a dead worker may
    delay messages, nothing else; nothing lost, nothing done twice."""
    if dialect != "postgresql":
        pytest.skip("worker processes on PostgreSQL only (SQLite's are in test_faults)")
    rt = wayline
    clock = tmp_path / "clock"
    set_time(clock, START)
    hooks = http_server()  # webhooks always go out: to a real local receiver here
    made = publish_all(rt, range(KILL_SEED, KILL_SEED + KILLED_JOURNEYS), hooks.url)
    settings = {"launcher": "tests.runtime.clocked_worker", "test_clock_file": str(clock),
                "claim_timeout": "1", "webhook_allow": "127.0.0.1/32",
                # The same key as this process, so the unsubscribe links they sign agree.
                "secret_key": secret_for(rt.settings)}
    first = workers(**settings)
    wait_until(lambda: claimed(rt) > 0, 60, "the first worker to claim runs")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert claimed(rt) > 0, "the kill should land while the worker holds runs"
    fresh = workers(**settings)
    recovered = START + timedelta(seconds=2)  # past the 1 s claim timeout
    set_time(clock, recovered)
    wait_until(lambda: is_settled(rt, recovered), 120, "the fresh worker to re-drive the runs")
    fresh.terminate()
    fresh.wait(timeout=30)
    rt.clock.set(recovered)
    rt.adapters["webhook"] = WebhookAdapter(timeout=2.0, allow=LOCAL)
    started = first_steps(rt)
    # Journey time: the runs the dead worker held still start when they were due, not when
    # the fresh worker got to them; only their messages leave later.
    assert set(started.values()) == {START}
    paths = simulate_runs(rt, made, started)
    run_to_the_end(rt)
    rt.adapters["webhook"].close()
    assert_as_simulated(rt, made, paths, late=(recovered, started))
    with rt.sessions() as session:
        hooked = set(session.scalars(select(Message.id).where(
            Message.channel == "webhook", Message.status == MessageStatus.SENT)))
    # A delivery re-driven after the kill may call again, with the same idempotency key.
    assert {int(request.headers["Idempotency-Key"]) for request in hooks.requests} == hooked


def _excuse_late_deliveries(real, redriven: datetime, started: dict[int, datetime]) -> None:
    for run_id, result in real.items():
        for node_id, message in result["messages"].items():
            if started[run_id] == START and message[3] is MessageStatus.SENT \
                    and message[-1] == redriven:
                result["messages"][node_id] = (*message[:-1], START)


def claimed(rt) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(Run).where(
            Run.claimed_by.is_not(None)))


def is_settled(rt, now: datetime) -> bool:
    """Nothing due, held or queued at `now`."""
    with rt.sessions() as session:
        busy = session.scalar(select(func.count()).select_from(Run).where(
            Run.ended_at.is_(None), (Run.wake_at <= now) | Run.claimed_by.is_not(None)))
        sending = session.scalar(select(func.count()).select_from(Message).where(
            Message.status == MessageStatus.QUEUED, Message.next_attempt_at <= now))
    return not busy and not sending and not rt.steps.count and not rt.deliveries.count


def first_steps(rt) -> dict[int, datetime]:
    """When each run's entry step ran, by run id."""
    with rt.sessions() as session:
        return dict(session.execute(select(Step.run_id, func.min(Step.entered_at))
                                    .group_by(Step.run_id)).all())
