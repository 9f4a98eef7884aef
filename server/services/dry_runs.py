"""Population dry run: the draft's whole entry audience simulated, counted per node and output.

Each customer is walked by the pure engine (`runtime.run.simulation`) from their entry to the
horizon; what they pass is counted with the time they got there, for the canvas to draw on the
edges ("3,120 reach 'Send coupon' within 2 days"). An audience larger than the sample limit is
simulated on a uniform random sample and scaled, each count with its 95% margin.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from datetime import datetime, timedelta

from sqlalchemy import select

from builder.compiled import CompiledJourney
from builder.document import port_of
from nodes.kit.rules import All
from nodes.kit.spec import ApiTrigger, DateTrigger, EventTrigger
from nodes.kit.values import Duration, Unit
from runtime.audience.query import customers, load_profiles, session_clause
from runtime.errors import InvalidInputError
from runtime.flow.effects import Effects
from runtime.messaging.gate import sent_before
from runtime.messaging.workspace import load_rules
from runtime.run import lifecycle
from runtime.run.simulation import (
    Scenario,
    SimulatedEvent,
    Tally,
    date_entry_at,
    load_templates,
    margin,
    random_dependent,
    scaled,
    simulate,
)
from runtime.store.query_budget import DRY_RUN_BUDGET, time_budget
from server.context import Wayline
from server.schemas.previews import (
    DryRun,
    DryRunIn,
    DryRunNode,
    DryRunPort,
    Estimate,
    Timeline,
    Window,
)
from server.services.previews import Entry, compiled_draft, draft_entry

HORIZON = Duration(amount=30, unit=Unit.DAYS)
"""How far ahead a dry run looks when the request does not say."""

MAX_HORIZON = timedelta(days=366)
"""The furthest a dry run looks ahead (a year, so yearly date entries come round once)."""

SAMPLE_LIMIT = 20_000
"""Audiences larger than this are simulated on a uniform random sample of this size."""

WINDOWS = (("1 hour", 3_600), ("1 day", 86_400), ("7 days", 604_800))
"""The 'within' counts given for every node and output, besides the whole horizon."""

BUCKETS = ((timedelta(days=2), 3_600), (timedelta(days=14), 21_600),
           (timedelta(days=120), 86_400))
"""Timeline bucket width by horizon: hourly up to 2 days, 6-hourly to 14, daily to 120, else
weekly (604,800 s)."""


def dry_run(wl: Wayline, journey_id: int, data: DryRunIn) -> DryRun:
    """Simulate the draft's entry audience up to the horizon; counts per node and output."""
    began = time.perf_counter()
    horizon = (data.horizon or HORIZON).to_timedelta()
    if horizon > MAX_HORIZON:
        raise InvalidInputError("A dry run looks at most a year ahead; shorten the horizon.",
                                [{"field": "horizon", "message": "at most 366 days"}])
    limit = data.sample_limit or SAMPLE_LIMIT
    with wl.reading() as session, time_budget(session, DRY_RUN_BUDGET):
        journey = lifecycle.get_journey(session, journey_id)
        plan = compiled_draft(wl, session, journey)
        entry = draft_entry(wl, session, journey)
        now = wl.now()
        rule = entry.rule if entry.rule is not None else All()
        ids = list(session.scalars(select(customers.c.id).where(
            session_clause(session, rule, now))))
        chosen = ids if len(ids) <= limit else random.Random(data.seed).sample(ids, limit)
        profiles = load_profiles(session, chosen, now, plan.event_names)
        templates = load_templates(session, plan)
        rules = load_rules(session)
        sent = sent_before(session, chosen, rules, now)
    scenario = Scenario(plan, templates, now + horizon, keep_content=False, show_changes=False,
                        rules=rules, sent=sent, effects=Effects(reading=wl.reading))
    tally = _simulate_all(scenario, entry, plan, profiles, sorted(chosen), now)
    result = _result(journey_id, plan, entry, tally, len(ids), now, scenario.horizon_end)
    result.took_ms = round((time.perf_counter() - began) * 1000)
    return result


def _simulate_all(scenario: Scenario, entry: Entry, plan: CompiledJourney, profiles,
                  chosen: list[int], now: datetime) -> Tally:
    trigger = entry.trigger
    payload = dict(getattr(plan.configs[plan.entry_id], "sample_payload", None) or {}) \
        if isinstance(trigger, ApiTrigger) else {}
    zone = plan.document.settings.timezone
    tally = Tally(start=now)
    for customer_id in chosen:
        profile = profiles.get(customer_id)
        if profile is None:  # deleted since it was counted
            continue
        entered_at = date_entry_at(trigger, profile, zone, now) \
            if isinstance(trigger, DateTrigger) else now
        if entered_at is None or entered_at > scenario.horizon_end:
            tally.add(None)
            continue
        events = [SimulatedEvent(trigger.event, entered_at, {}, is_entry=True)] \
            if isinstance(trigger, EventTrigger) else []
        tally.add(simulate(scenario, profile, entered_at, f"preview:{customer_id}", payload,
                           events))
    return tally


def _spread(plan: CompiledJourney, nodes: list[DryRunNode], entered: int) -> list[str]:
    """How long the rate limits stretch the journey's sends and entries (none is dropped)."""
    notes = []
    settings = plan.document.settings
    per_entry = getattr(settings, "max_entries_per_minute", None)
    if per_entry and entered > per_entry:
        notes.append(f"Entries: about {entered:,} at most {per_entry:,} a minute, so the last "
                     f"enter about {-(-entered // per_entry):,} minutes after the first.")
    whole = getattr(settings, "max_messages_per_minute", None)
    total = 0
    for node in nodes:
        queued = (node.messages or {}).get("queued")
        if queued is None:
            continue
        total += queued.count
        limit = getattr(plan.configs.get(node.node_id), "per_minute", None)
        if limit and queued.count > limit:
            notes.append(f"'{node.label}': about {queued.count:,} messages at most {limit:,} a "
                         f"minute, so they go out over about {-(-queued.count // limit):,} "
                         "minutes.")
    if whole and total > whole:
        notes.append(f"The journey sends at most {whole:,} messages a minute: about {total:,} "
                     f"go out over about {-(-total // whole):,} minutes.")
    return notes


def _result(journey_id: int, plan: CompiledJourney, entry: Entry, tally: Tally,
            population: int, start: datetime, end: datetime) -> DryRun:
    sample = tally.simulated
    drawn = random_dependent(plan)
    horizon = int((end - start).total_seconds())
    windows = [(label, seconds) for label, seconds in WINDOWS if seconds < horizon]
    windows.append(("horizon", horizon))
    width = next((size for span, size in BUCKETS if end - start <= span), 604_800)
    buckets = -(-horizon // width)

    def estimate(count: int, is_drawn: bool = False) -> Estimate:
        return Estimate(count=scaled(count, sample, population),
                        margin=margin(count, sample, population, is_drawn))

    def within(times: list[float], is_drawn: bool) -> list[Window]:
        ordered = sorted(times)
        return [Window(label=label, seconds=seconds,
                       count=estimate(bisect_right(ordered, seconds), is_drawn))
                for label, seconds in windows]

    nodes = []
    for node in plan.document.nodes:
        times, is_drawn = tally.arrivals.get(node.id, []), node.id in drawn
        timeline = [0] * buckets
        for offset in times:
            timeline[min(int(offset // width), buckets - 1)] += 1
        sent = tally.messages.get(node.id)
        nodes.append(DryRunNode(
            node_id=node.id, label=plan.label(node.id), kind=node.type,
            reached=estimate(len(times), is_drawn), within=within(times, is_drawn),
            waiting_at_horizon=estimate(tally.waiting.get(node.id, 0), is_drawn),
            completed_here=estimate(tally.completed.get(node.id, 0), is_drawn),
            exited_here=estimate(tally.exited.get(node.id, 0), is_drawn),
            timeline=[scaled(count, sample, population) for count in timeline],
            messages={status: estimate(count, is_drawn) for status, count in sent.items()}
            if sent else None))
    ports = [DryRunPort(node_id=node_id, port=port, label=label, edge_id=edge_id,
                        target=plan.leads_to(node_id, port),
                        count=estimate(len(times), is_drawn),
                        within=within(times, is_drawn))
             for node_id, port, label, edge_id, is_drawn in _ports(plan, drawn)
             for times in [tally.ports.get((node_id, port), [])]]
    return DryRun(
        journey_id=journey_id, audience=population, simulated=sample,
        sampled=sample < population, confidence=0.95, entered=estimate(len(tally.entered)),
        start=start, horizon_end=end, timeline=Timeline(start=start, bucket_seconds=width,
                                                         buckets=buckets),
        nodes=nodes, ports=ports, entry=entry.info(),
        notes=[*entry.notes, *_notes(plan, entry, sample, population),
               *_spread(plan, nodes, len(tally.entered) and scaled(len(tally.entered), sample,
                                                                  population))], took_ms=0)


def _ports(plan: CompiledJourney, drawn: set[str]):
    """(node, port, label, edge id, depends on a draw) for every output of every node."""
    edges = {(edge.source, port_of(edge, plan.specs.get(edge.source),
                                   plan.configs.get(edge.source))): edge.id
             for edge in plan.document.edges}
    for node in plan.document.nodes:
        spec, config = plan.specs[node.id], plan.configs[node.id]
        is_drawn = node.id in drawn or spec.random
        for port in spec.ports_for(config):
            yield node.id, port.key, port.label, edges.get((node.id, port.key)), is_drawn


def _notes(plan: CompiledJourney, entry: Entry, sample: int, population: int) -> list[str]:
    notes = []
    trigger = entry.trigger
    if sample < population:
        notes.append(f"{population:,} customers are in the entry audience; a uniform random "
                     f"sample of {sample:,} was simulated and every count scaled up, with its "
                     "95% margin.")
    if isinstance(trigger, EventTrigger):
        notes.append(f"Everyone who could enter is simulated as if they did '{trigger.event}' "
                     "at the start; in reality each enters when they do it.")
    if isinstance(trigger, ApiTrigger):
        notes.append("Every customer is simulated as if your systems put them in at the start, "
                     "with the entry's sample payload.")
    if isinstance(trigger, DateTrigger):
        notes.append(f"Customers enter on their own '{trigger.attribute}'; those whose date "
                     "comes after the horizon do not enter within it.")
    notes += list(dict.fromkeys(spec.preview_note for spec in plan.specs.values()
                                if spec.preview_note))
    settings = plan.document.settings
    if settings.goal is not None or settings.exit_when is not None:
        notes.append("Goals and exit criteria act on future events, so nobody leaves early by "
                     "them here.")
    if any(spec.random for spec in plan.specs.values()):
        notes.append("Random splits draw per customer here and per entry in the real run: "
                     "counts after a split carry the margin of that draw.")
    return notes
