"""Simulation: what a journey would do for a customer, in simulated time, with no side effects.

The path preview (one customer) and the dry run (a whole audience) both walk the journey with the
pure engine (`runtime.flow.engine.advance`), exactly as workers do, and replace what workers learn
from the world by what the caller supplies:
- time jumps from one wait to the next instead of passing;
- events are the customer's stored history plus simulated future events (the path preview's
  "what if they do X after 2 hours"); the dry run knows no future events, so every
  wait-for-event times out and no exit criteria or goal ends a run early;
- a send is decided as the outbox would decide it (template, consent, rendering), not queued;
- profile updates change the in-memory profile only.
Reading (templates, segments) goes through a session; nothing is ever written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.compiled import CompiledJourney
from builder.document import Settings
from nodes.kit.profile import EventRecord, Profile
from nodes.kit.rules import Attr, Op, properties_match
from nodes.kit.spec import DateTrigger
from nodes.kit.values import local_instant, parse_day, parse_local_time
from runtime.flow.effects import Effects
from runtime.flow.engine import Advance, RunState, advance, customer_zone
from runtime.messaging.content import send_content
from runtime.messaging.gate import outgoing, quiet_windows, when_blocked
from runtime.messaging.pinned import TemplateCopy
from runtime.messaging.policy import Decision, Rules, Verdict, consent_problem, judge
from runtime.messaging.rendering import RenderError
from runtime.messaging.workspace import load_wording
from runtime.store.models import MessageStatus, RunStatus, Template


@dataclass(frozen=True)
class SimulatedEvent:
    """An event the customer is imagined to do at `at`. The entry event itself (event entry)
    is in the history from the entry on, but resumes no wait and ends no run, as in ingest."""

    name: str
    at: datetime
    properties: Mapping[str, Any] = field(default_factory=dict)
    is_entry: bool = False


@dataclass(frozen=True)
class MessagePreview:
    """What the outbox would do with a send: queue it (with its content), suppress or fail it."""

    channel: str
    purpose: str
    template_id: int | str | None
    template_name: str | None
    status: MessageStatus
    reason: str | None = None
    content: Mapping[str, Any] = field(default_factory=dict)
    goes_at: datetime | None = None
    """When a deferred message would go (the night rule's end, …)."""


@dataclass
class SimStep:
    """One node the customer passes: when they arrive and leave, which way, and why."""

    node_id: str
    outcome: str  # passed | waiting | exited
    port: str | None
    why: str
    entered_at: datetime
    left_at: datetime | None
    next_node: str | None = None
    wait_until: datetime | None = None
    waiting_for: str | None = None
    message: MessagePreview | None = None
    changes: dict[str, Any] | None = None


@dataclass
class SimPath:
    """A customer's whole simulated pass: the steps and how (or whether) it ends."""

    steps: list[SimStep] = field(default_factory=list)
    status: RunStatus = RunStatus.ACTIVE
    end_reason: str | None = None
    ended_at: datetime | None = None
    converted_at: datetime | None = None
    profile: Profile | None = None

    @property
    def waiting(self) -> bool:
        """True when the customer is still waiting when the horizon is reached."""
        return self.status is RunStatus.WAITING


@dataclass(frozen=True)
class Scenario:
    """What every simulated customer shares: the journey, its templates and the horizon."""

    journey: CompiledJourney
    templates: Mapping[int, TemplateCopy]
    horizon_end: datetime
    keep_content: bool = True
    show_changes: bool = True
    rules: Rules | None = None
    """The workspace's send policy (the night rule, caps); None judges no time rule."""
    sent: Mapping[tuple[int, str], list[datetime]] = field(default_factory=dict)
    """Marketing messages each customer got (or is getting) per channel, for the caps."""
    effects: Effects = field(default_factory=Effects)
    """The executors as a preview uses them: they imagine, reading at most."""


# --- reading what a simulation needs -----------------------------------------------------------


def load_templates(session: Session, journey: CompiledJourney) -> dict[int, TemplateCopy]:
    """The templates the journey's send steps use, detached from the session (and the
    workspace's wording of the law's label and line, for rendering them)."""
    load_wording(session)
    wanted = {ref.id for node_id, spec in journey.specs.items()
              for ref in spec.refs(journey.configs[node_id])
              if ref.kind == "template" and isinstance(ref.id, int)}
    if not wanted:
        return {}
    rows = session.scalars(select(Template).where(Template.id.in_(wanted)))
    return {row.id: TemplateCopy(row.id, row.version, row.channel, row.name, row.subject,
                                 row.source, dict(row.options or {})) for row in rows}


# --- one customer --------------------------------------------------------------------------------


def simulate(scenario: Scenario, profile: Profile, entered_at: datetime, seed: str,
             payload: Mapping[str, Any] | None = None,
             events: Sequence[SimulatedEvent] = ()) -> SimPath:
    """Walk one customer from the entry until the run ends or the horizon is reached."""
    journey = scenario.journey
    future = sorted(events, key=lambda event: event.at)
    history = tuple(profile.events)
    path = SimPath(profile=profile)
    state = RunState(node_id=journey.entry_id, seed=seed, payload=dict(payload or {}))
    now = entered_at
    current = profile
    # Events change with time only when some are still to come (the dry run has none).
    moving = bool(future) or any(record.occurred_at > entered_at for record in history)
    while True:
        if moving:
            current = replace(current, events=_events_until(history, future, now))
        outcome = advance(journey, state, current, now, effects=scenario.effects)
        current = outcome.profile
        _record(scenario, path, outcome, now, state.payload)
        if outcome.ended:
            _finish(path, outcome.status, outcome.exit_reason, now)
            break
        state, now, ended = _wait(scenario, path, outcome, state, future, entered_at)
        if ended:
            break
        if now > scenario.horizon_end:
            path.status = RunStatus.WAITING
            break
    path.profile = current
    path.converted_at = converted_at(journey.document.settings, future, entered_at)
    return path


def _events_until(history: tuple[EventRecord, ...], future: Sequence[SimulatedEvent],
                  now: datetime) -> tuple[EventRecord, ...]:
    """What the runtime would load at `now`: stored events and simulated ones up to now."""
    done = tuple(record for record in history if record.occurred_at <= now)
    imagined = tuple(EventRecord(event.name, event.at, dict(event.properties))
                     for event in future if event.at <= now)
    if not imagined:
        return done
    return tuple(sorted(done + imagined, key=lambda record: record.occurred_at))


def _record(scenario: Scenario, path: SimPath, outcome: Advance, now: datetime,
            payload: Mapping[str, Any]) -> None:
    """Turn one `advance` into steps: complete the wait it ended, add what it passed."""
    journey = scenario.journey
    if outcome.finished_wait is not None and path.steps:
        waited = path.steps[-1]
        waited.outcome, waited.port, waited.left_at = "passed", outcome.finished_wait.port, now
        waited.why = f"{waited.why}; {outcome.finished_wait.detail}"
        waited.next_node = journey.leads_to(waited.node_id, waited.port)
    sends = {intent.node_id: intent.send for intent in outcome.sends}
    for record in outcome.steps:
        step = SimStep(record.node_id, record.outcome, record.port, record.detail,
                       record.entered_at, record.left_at,
                       next_node=journey.leads_to(record.node_id, record.port)
                       if record.port else None)
        if record.outcome == "waiting":
            step.wait_until, step.waiting_for = outcome.wake_at, outcome.waiting_for
        if record.node_id in sends:
            # The outbox composes with the profile as the whole advance left it.
            send = sends[record.node_id]
            earlier = [step.entered_at for step in path.steps if step.message is not None
                       and step.message.status is MessageStatus.QUEUED
                       and step.message.channel == send.channel]
            step.message = preview_message(scenario, send, outcome.profile, payload,
                                           record.entered_at, record.node_id, earlier)
        if scenario.show_changes and record.node_id in outcome.changed:
            step.changes = _changes(*outcome.changed[record.node_id])
        path.steps.append(step)


def _changes(before: Profile, after: Profile) -> dict[str, Any]:
    """What a step's effects changed on the profile, for display."""
    return {"attributes": {key: value for key, value in after.attributes.items()
                           if before.attributes.get(key, ...) != value},
            "removed": sorted(set(before.attributes) - set(after.attributes)),
            "tags_added": sorted(after.tags - before.tags),
            "tags_removed": sorted(before.tags - after.tags)}


def preview_message(scenario: Scenario, send, profile: Profile, payload: Mapping[str, Any],
                    at: datetime | None = None, node_id: str | None = None,
                    earlier: Sequence[datetime] = ()) -> MessagePreview:
    """The outbox's decision for one send, made the way `runtime.messaging.messages` makes it; with
    `at`, the send policy's too (the night rule, quiet hours, the caps counting what the
    customer got and the `earlier` sends of this path: deferred or skipped), and the step's
    rate limit named."""
    template = scenario.templates.get(send.template)
    base = {"channel": send.channel, "purpose": send.purpose, "template_id": send.template,
            "template_name": template.name if template else None}
    if template is None:
        return MessagePreview(**base, status=MessageStatus.FAILED,
                              reason=f"template #{send.template} no longer exists")
    if template.channel != send.channel:
        return MessagePreview(**base, status=MessageStatus.FAILED,
                              reason=f"template '{template.name}' is for {template.channel}, "
                                     f"not {send.channel}")
    problem = consent_problem(profile.consent, send.channel, send.purpose)
    if problem:
        return MessagePreview(**base, status=MessageStatus.SUPPRESSED, reason=problem)
    try:
        content = send_content(template, profile, payload, purpose=send.purpose,
                               options=send.options)
    except RenderError as error:
        return MessagePreview(**base, status=MessageStatus.FAILED, reason=error.reason)
    kept = content if scenario.keep_content else {}
    held = _held(scenario, send, profile, at, node_id, earlier)
    if held is not None:
        status = MessageStatus.DEFERRED if held.verdict is Verdict.DEFER \
            else MessageStatus.SUPPRESSED
        return MessagePreview(**base, status=status, reason=held.reason, content=kept,
                              goes_at=held.retry_at)
    limit = getattr(scenario.journey.configs.get(node_id), "per_minute", None)
    spread = f"at most {limit:,} a minute go from this step" if limit else None
    return MessagePreview(**base, status=MessageStatus.QUEUED, content=kept, reason=spread)


def _held(scenario: Scenario, send, profile: Profile, at: datetime | None,
          node_id: str | None, earlier: Sequence[datetime]) -> Decision | None:
    """The send policy's decision when it holds the message back at `at` (None: it goes)."""
    if scenario.rules is None or at is None or send.purpose != "marketing":
        return None
    journey = scenario.journey
    message = outgoing(send.channel, send.purpose, profile.consent, profile.timezone, journey,
                       when_blocked(journey, node_id or ""), quiet_windows(journey))
    counted = [*scenario.sent.get((profile.id, send.channel), ()), *earlier]
    decision = judge(message, scenario.rules, counted, at)
    return None if decision.verdict is Verdict.SEND else decision


def _wait(scenario: Scenario, path: SimPath, outcome: Advance, state: RunState,
          future: Sequence[SimulatedEvent], entered_at: datetime
          ) -> tuple[RunState, datetime, bool]:
    """Move time to when the wait ends: a matching event, an exit event, or the timeout.

    Returns the state to resume from, the time, and whether the run ended meanwhile.
    """
    settings = scenario.journey.document.settings
    wait = dict(outcome.wait or {})
    since = datetime.fromisoformat(wait["since"])
    until = outcome.wake_at
    for event in future:
        if event.is_entry or event.at < since or event.at > until:
            continue
        reason = exit_reason(settings, event, entered_at)
        if reason is not None:
            waited = path.steps[-1]
            waited.left_at, waited.why = event.at, f"{waited.why}; left: {reason}"
            _finish(path, RunStatus.EXITED, reason, event.at)
            return state, event.at, True
        if wait.get("kind") == "event" and _matches_wait(wait, event):
            wait.update(resume=wait["matched"], why=f"did '{event.name}'")
            return _resumed(outcome, state, wait), event.at, False
    return _resumed(outcome, state, wait), until, False


def _resumed(outcome: Advance, state: RunState, wait: dict[str, Any]) -> RunState:
    return RunState(node_id=outcome.node_id, status=RunStatus.WAITING, wait=wait,
                    step_count=outcome.step_count, seed=state.seed, payload=state.payload)


def _matches_wait(wait: Mapping[str, Any], event: SimulatedEvent) -> bool:
    filters = msgspec.convert(wait.get("where", []), list[Attr])
    return event.name == wait["event"] and properties_match(filters, event.properties, event.at)


def exit_reason(settings: Settings, event: SimulatedEvent, entered_at: datetime) -> str | None:
    """Why an event ends a run (exit criteria, or a goal that exits), as ingest decides it."""
    if event.at < entered_at:
        return None
    if settings.exit_when is not None and settings.exit_when.event == event.name:
        return f"exit criteria: did '{event.name}'"
    goal = settings.goal
    if goal is not None and goal.exit and goal.event == event.name and \
            event.at <= entered_at + goal.within.to_timedelta():
        return f"converted: did '{event.name}'"
    return None


def converted_at(settings: Settings, future: Sequence[SimulatedEvent],
                 entered_at: datetime) -> datetime | None:
    """When the customer first does the goal event within the goal's window; None if not."""
    goal = settings.goal
    if goal is None:
        return None
    end = entered_at + goal.within.to_timedelta()
    return next((event.at for event in future
                 if event.name == goal.event and entered_at <= event.at <= end), None)


def _finish(path: SimPath, status: RunStatus, reason: str | None, at: datetime) -> None:
    path.status, path.end_reason, path.ended_at = status, reason, at


# --- when customers enter --------------------------------------------------------------------


def date_entry_at(trigger: DateTrigger, profile: Profile, journey_zone: str,
                  start: datetime) -> datetime | None:
    """The first moment at or after `start` a date entry lets this customer in; None if never."""
    zone = customer_zone(profile.timezone, journey_zone)
    day = parse_day(profile.attributes.get(trigger.attribute), zone)
    if day is None:
        return None
    at = parse_local_time(trigger.at)
    local_start = start.astimezone(zone).date()
    years = range(local_start.year - 1, local_start.year + 2) if trigger.yearly else (day.year,)
    for year in years:
        try:
            occurrence = _in_year(day, year) + timedelta(days=trigger.offset_days)
            instant = local_instant(occurrence, at, zone)
        except OverflowError:
            return None
        if instant >= start:
            return instant
    return None


def _in_year(day, year: int):
    """The same month and day in another year; 29 February is the 28th in common years."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def date_rule(trigger: DateTrigger) -> Attr:
    """The audience that could ever enter a date entry: customers with the attribute set."""
    return Attr(field=trigger.attribute, op=Op.EXISTS)


# --- many customers ------------------------------------------------------------------------------

Z95 = 1.96
"""The normal quantile for a two-sided 95% interval."""


@dataclass
class Tally:
    """What a population's simulated paths add up to, as offsets in seconds from `start`."""

    start: datetime
    simulated: int = 0
    entered: list[float] = field(default_factory=list)
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    ports: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)
    exited: dict[str, int] = field(default_factory=dict)
    completed: dict[str, int] = field(default_factory=dict)
    messages: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, path: SimPath | None) -> None:
        """Count one simulated customer (None: they do not enter within the horizon)."""
        self.simulated += 1
        if path is None or not path.steps:
            return
        self.entered.append(self._offset(path.steps[0].entered_at))
        for step in path.steps:
            self.arrivals.setdefault(step.node_id, []).append(self._offset(step.entered_at))
            if step.port is not None and step.left_at is not None:
                self.ports.setdefault((step.node_id, step.port), []).append(
                    self._offset(step.left_at))
            if step.message is not None:
                statuses = self.messages.setdefault(step.node_id, {})
                status = step.message.status.value
                statuses[status] = statuses.get(status, 0) + 1
        last = path.steps[-1].node_id
        ending = {RunStatus.WAITING: self.waiting, RunStatus.EXITED: self.exited,
                  RunStatus.DONE: self.completed}.get(path.status)
        if ending is not None:
            ending[last] = ending.get(last, 0) + 1

    def _offset(self, moment: datetime) -> float:
        return (moment - self.start).total_seconds()


def scaled(count: int, sample: int, population: int) -> int:
    """A sample count scaled up to the population (the count itself when all were simulated)."""
    if sample == 0 or sample >= population:
        return count
    return round(count * population / sample)


def margin(count: int, sample: int, population: int, drawn: bool = False) -> int:
    """The 95% margin (±, in customers) within which the real run's count should land.

    Two sources of error: sampling (when fewer than the whole audience were simulated), with
    the Agresti–Coull share (+2/+4, so a count of 0 still has a margin) and the
    finite-population correction; and, for counts after a random split (`drawn`), the draw
    itself, which the real run makes again independently (twice the binomial variance).
    """
    if sample == 0:
        return 0
    share = (count + 2) / (sample + 4)
    variance = 0.0
    if sample < population:
        correction = (population - sample) / (population - 1)
        variance += share * (1 - share) / (sample + 4) * correction * population ** 2
    if drawn:
        variance += 2 * population * share * (1 - share)
    return int(Z95 * variance ** 0.5 + 0.999999)


def random_dependent(journey: CompiledJourney) -> set[str]:
    """Nodes whose counts depend on a random draw: every node after a random split."""
    found: set[str] = set()
    frontier = [node_id for node_id, spec in journey.specs.items() if spec.random]
    while frontier:
        node_id = frontier.pop()
        for (source, _port), target in journey.routes.items():
            if source == node_id and target not in found:
                found.add(target)
                frontier.append(target)
    return found
