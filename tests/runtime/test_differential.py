"""The real stack against the simulation: random journeys, random customers, the same result.

Every journey from `journey_generator` is published into one database with its own 50
customers and run by the real stack — sweeps, RQ burst workers, batches, the outbox, delivery —
on a frozen clock moved from one due instant to the next, so the real run sees exactly the
instants the simulation jumps to. Each run is then simulated (`runtime.simulation.simulate`,
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
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from builder.document import compile_journey
from runtime.gate import sent_before
from runtime.lifecycle import publish
from runtime.models import (
    Customer,
    CustomerTag,
    Event,
    JourneyVersion,
    Message,
    MessageStatus,
    Run,
    RunStatus,
    Step,
    Template,
)
from runtime.profiles import load_profiles
from runtime.simulation import Scenario, SimPath, load_templates, simulate
from runtime.workspace import load_rules
from tests.runtime import journey_generator as generator
from tests.runtime.harness import START, add_journey, drain

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
    """One template per channel, reading attributes that steps change (points, stage)."""
    rows = {
        "email": Template(channel="email", name="Mail", subject="Hi {{ customer.plan }}",
                          source="Points {{ customer.points | default: 0 }}, "
                                 "{{ customer.stage | default: 'none' }}", options={}),
        "sms": Template(channel="sms", name="Text", subject=None,
                        source="{{ customer.plan }}: {{ customer.points | default: 0 }}",
                        options={}),
        "kakao": Template(channel="kakao", name="Kakao", subject=None,
                          source="{{ customer.plan }} 고객님, 포인트 {{ customer.points | default: 0 }}",
                          options={"template_code": "POINTS",
                                   "variables": {"plan": "{{ customer.plan }}"}}),
        "push": Template(channel="push", name="Push", subject="{{ customer.stage | default: 'hi' }}",
                         source="{{ customer.score | default: 0 }} points",
                         options={"deep_link": "shop://points"}),
        "webhook": Template(channel="webhook", name="Hook", subject=None,
                            source='{"id": {{ customer.external_id | json }}, '
                                   '"points": {{ customer.points | default: 0 | json }}}',
                            options={"url": webhook_url, "method": "POST"}),
    }
    session.add_all(rows.values())
    session.flush()
    return {channel: row.id for channel, row in rows.items()}


def add_generated(session, seed: int, templates: dict[str, int], now: datetime
                  ) -> tuple[int, dict[str, Any]]:
    """The seed's journey (a draft) and its customers; (journey id, document)."""
    rng = random.Random(seed)
    document = generator.journey(rng, seed, now, templates)
    people = generator.customers(rng, seed, CUSTOMERS, now)
    rows = [Customer(created_at=now, updated_at=now,
                     **{key: value for key, value in person.items()
                        if key not in ("tags", "events")}) for person in people]
    session.add_all(rows)
    session.flush()
    for row, person in zip(rows, people, strict=True):
        session.add_all(CustomerTag(customer_id=row.id, tag=tag) for tag in person["tags"])
        session.add_all(Event(customer_id=row.id, received_at=now, **event)
                        for event in person["events"])
    return add_journey(session, document, f"Generated {seed}"), document


def publish_all(rt, seeds: range) -> dict[int, dict[str, Any]]:
    """Publish every seed's journey at START (its audience enters); seed → document."""
    documents = {}
    with rt.sessions() as session:
        templates = add_templates(session)
        for seed in seeds:
            journey_id, documents[seed] = add_generated(session, seed, templates, START)
            publish(session, journey_id, START)
        session.commit()
    return documents


# --- the simulation's side ---------------------------------------------------------------------


def simulate_runs(rt) -> dict[int, SimPath]:
    """Every run simulated from its customer as they are now (before any step), by run id."""
    with rt.sessions() as session:
        runs = session.execute(select(Run.id, Run.customer_id, Run.journey_version_id,
                                      Run.entered_at)).all()
        rules = load_rules(session)
        by_version = defaultdict(list)
        for run in runs:
            by_version[run.journey_version_id].append(run)
        paths = {}
        for version_id, its_runs in by_version.items():
            plan = compile_journey(session.get(JourneyVersion, version_id).document)
            ids = [run.customer_id for run in its_runs]
            scenario = Scenario(plan, load_templates(session, plan), START + HORIZON,
                                rules=rules, sent=sent_before(session, ids, rules, START))
            profiles = load_profiles(session, ids, START, plan.event_names)
            for run in its_runs:
                paths[run.id] = simulate(scenario, profiles[run.customer_id], run.entered_at,
                                         str(run.id))
    return paths


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


def differences(rt, documents: dict[int, dict[str, Any]], paths: dict[int, SimPath],
                real: dict[int, dict[str, Any]], shown: int = 3) -> list[str]:
    """A report of every run whose real result differs from its simulation (the first few in
    full, with the seed, the journey and the customer)."""
    with rt.sessions() as session:
        runs = session.execute(select(Run.id, Run.customer_id, Customer.external_id)
                               .join(Customer, Customer.id == Run.customer_id)).all()
    found = []
    for run_id, _customer_id, external_id in sorted(runs):
        seed = int(external_id.split("-")[0][1:])
        kinds = {node["id"]: node["type"] for node in documents[seed]["nodes"]}
        want = expected(paths[run_id], kinds)
        if want == real[run_id]:
            continue
        if len(found) < shown:
            found.append(_report(seed, external_id, documents[seed], paths[run_id], want,
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


def test_random_journeys_run_as_the_simulation_says(wayline, dialect):
    rt = wayline
    seeds = range(FIRST_SEED, FIRST_SEED + JOURNEYS[dialect])
    documents = publish_all(rt, seeds)
    paths = simulate_runs(rt)
    assert len(paths) > 0.5 * len(seeds) * CUSTOMERS
    assert not [run for run, path in paths.items() if path.waiting], "horizon too short"
    run_to_the_end(rt)
    real = observed(rt)
    assert set(real) == set(paths)
    found = differences(rt, documents, paths, real)
    assert not found, f"{len(found)} runs differ:\n" + "\n".join(found)
    assert all(status in (RunStatus.DONE, RunStatus.EXITED) for status, *_ in
               (result["end"] for result in real.values()))
