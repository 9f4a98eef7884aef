"""The pure engine: advance one customer through a compiled journey. No IO, no clock.

`advance()` starts where the run is and moves through consecutive instant steps (condition →
update → send …) until the customer waits, ends or exits, returning everything the caller
must write: the run's new state, the step rows, the sends and the profile as updated. The same
function drives the workers, the path preview and the dry run, so a preview is what happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from builder.compiled import CompiledJourney
from nodes.kit.profile import Profile
from nodes.kit.rules import properties_match
from nodes.kit.spec import Exit, Go, StepContext, WaitForEvent, WaitUntil
from runtime.flow.effects import Effects, SendIntent
from runtime.flow.run_status import after
from runtime.store.models import RunStatus

MAX_STEPS_PER_RUN = 200
"""A run that takes more steps than this is stopped: a safety net against runaway journeys."""

END_OF_PATH = "end of path"


@dataclass(frozen=True)
class RunState:
    """Where a run is: its node, whether it is waiting and for what, and its step count."""

    node_id: str
    status: RunStatus = RunStatus.ACTIVE
    wait: Mapping[str, Any] | None = None
    step_count: int = 0
    seed: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)
    run_id: int | None = None


@dataclass(frozen=True)
class StepRecord:
    """One row of the step log. `left_at` is None while the customer waits at the step."""

    node_id: str
    outcome: str  # passed | waiting | exited | ended
    port: str | None
    detail: str
    entered_at: datetime
    left_at: datetime | None
    visit: int = 1


@dataclass
class Advance:
    """What one call to `advance` decided; the caller writes it all in one transaction."""

    node_id: str
    status: RunStatus
    wake_at: datetime | None = None
    waiting_for: str | None = None
    wait: dict[str, Any] | None = None
    step_count: int = 0
    exit_reason: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    finished_wait: StepRecord | None = None
    sends: list[SendIntent] = field(default_factory=list)
    profile: Profile | None = None
    profile_changed: bool = False
    changed: dict[str, tuple[Profile, Profile]] = field(default_factory=dict)
    """The profile before and after each step whose effects changed it (for previews)."""
    ended_at: datetime | None = None
    """When the run ended, in journey time (None while it goes on)."""

    @property
    def ended(self) -> bool:
        """True when the run is over (reached an end, or exited)."""
        return self.status in (RunStatus.DONE, RunStatus.EXITED)


HELD = "held"
"""The wait kind of a run held before a paused step."""


def resume_port(state: RunState, now: datetime) -> tuple[str | None, str]:
    """The port a due waiting run continues through, and why; (None, '') if it is not waiting.

    A wait that an event already matched carries `resume`; otherwise the wait timed out or
    the delay is over.
    """
    wait = state.wait or {}
    if "resume" in wait:
        return wait["resume"], wait.get("why", "the event arrived")
    if state.status is not RunStatus.WAITING or wait.get("kind") == HELD:
        return None, ""  # a run held before a paused step runs that step now
    if wait.get("kind") == "event":
        return wait["timeout"], f"'{wait['event']}' did not happen in time"
    return wait.get("port", "next"), "the wait is over"


def advance(journey: CompiledJourney, state: RunState, profile: Profile, now: datetime,
            max_steps: int = MAX_STEPS_PER_RUN, paused: frozenset[str] = frozenset(),
            effects: Effects | None = None, at: datetime | None = None) -> Advance:
    """Move a run forward from its node until it waits, ends or exits — or reaches a step in
    `paused`, before which it holds (waiting with no time: `runtime.messaging.brakes` wakes it).
    Decisions' effects are carried out by `effects` (the pure ones alone when None).

    Journey time: `at` is when the run reached its node (it entered, its timer fell due, the
    event it waited for happened), `now` when a worker got there. Steps run at journey time:
    a wait starts at `at`, so a delay ends `at` + its length, and a wait for an event that
    the customer did since (in the profile's history, up to `now`) is over at that event.
    """
    effects = effects or Effects()
    at = min(at or now, now)
    result = Advance(node_id=state.node_id, status=RunStatus.ACTIVE,
                     step_count=state.step_count, profile=profile)
    node_id: str | None = state.node_id
    port, why = resume_port(state, now)
    if port is not None:
        arrived = _datetime(state.wait.get("since")) if state.wait else None
        result.finished_wait = StepRecord(node_id, "passed", port, why, arrived or at, at)
        node_id = journey.leads_to(node_id, port)
    zone = customer_zone(profile.timezone, journey.document.settings.timezone)
    seen: set[str] = set()
    while node_id is not None:
        if result.step_count >= max_steps or node_id in seen:
            return _exit(result, node_id, at, f"stopped after {result.step_count} steps "
                         "(a journey may not loop)")
        if node_id in paused:
            return _hold(result, node_id, at)
        seen.add(node_id)
        result.node_id = node_id
        result.step_count += 1
        ctx = StepContext(profile=result.profile, now=at, timezone=zone, node_id=node_id,
                          seed=f"{state.seed}:{node_id}", payload=state.payload)
        decision = journey.specs[node_id].run(journey.configs[node_id], ctx)
        if isinstance(decision, Exit):
            return _exit(result, node_id, at, decision.reason, decision.why)
        left = at
        if isinstance(decision, WaitForEvent):
            happened = _happened(decision, result.profile, at, min(decision.until, now))
            if happened is not None:  # done since the customer got here: the wait is over
                result.steps.append(StepRecord(node_id, "passed", decision.matched,
                                               f"did '{decision.event}'", at, happened))
                at = happened
                node_id = journey.leads_to(node_id, decision.matched)
                continue
        if isinstance(decision, WaitUntil | WaitForEvent):
            if decision.until > now:
                return _wait(result, node_id, decision, at)
            left = max(at, decision.until)  # over already, in journey time
        port = _port_now(decision)
        why = decision.why
        if isinstance(decision, Go) and decision.effects:
            port, why = _apply(result, node_id, decision, effects, state, now)
        result.steps.append(StepRecord(node_id, "passed", port, why, at, left))
        at = left
        node_id = journey.leads_to(node_id, port)
    result.status = after(result.status, "end")
    result.exit_reason, result.ended_at = END_OF_PATH, at
    return result


def _happened(decision: WaitForEvent, profile: Profile, since: datetime,
              until: datetime) -> datetime | None:
    """When the customer first did the awaited event after `since`, up to `until` (its filters
    met), from the history loaded with the profile; None if they didn't. An event at `since`
    itself is the one that brought the customer here (an entry, an earlier wait's event)."""
    for event in profile.events:
        if event.name == decision.event and since < event.occurred_at <= until and \
                properties_match(decision.where, event.properties, until):
            return event.occurred_at
    return None


def _port_now(decision: Go | WaitUntil | WaitForEvent) -> str:
    """The port a decision leaves by at once (a wait already over times out or moves on)."""
    if isinstance(decision, Go):
        return decision.port
    if isinstance(decision, WaitForEvent):
        return decision.timeout
    return decision.port


def _apply(result: Advance, node_id: str, decision: Go, effects: Effects, state: RunState,
           now: datetime) -> tuple[str, str]:
    """Carry out a decision's effects in order; the port and why the step leaves by (an
    effect's result may choose another port, and then the later effects are not applied)."""
    step = effects.step(node_id, result.profile, now, state.run_id)
    port, why = decision.port, decision.why
    for effect in decision.effects:
        chosen = effects.apply(effect, step)
        if chosen is not None:
            port, why = chosen, step.why or why
            break
    result.sends.extend(step.sends)
    if step.profile is not result.profile:
        result.changed[node_id] = (result.profile, step.profile)
        result.profile, result.profile_changed = step.profile, True
    return port, why


def _wait(result: Advance, node_id: str, decision: WaitUntil | WaitForEvent,
          at: datetime) -> Advance:
    result.status = after(result.status, "wait")
    result.wake_at = decision.until
    if isinstance(decision, WaitForEvent):
        result.waiting_for = decision.event
        result.wait = {"kind": "event", "event": decision.event, "since": at.isoformat(),
                       "where": msgspec.to_builtins(list(decision.where)),
                       "matched": decision.matched, "timeout": decision.timeout}
    else:
        result.wait = {"kind": "until", "port": decision.port, "since": at.isoformat()}
    result.steps.append(StepRecord(node_id, "waiting", None, decision.why, at, None))
    return result


def _hold(result: Advance, node_id: str, at: datetime) -> Advance:
    """Stop before a paused step; no step row yet (the step writes its own when it runs)."""
    result.node_id = node_id
    result.status = after(result.status, "wait")
    result.wait = {"kind": HELD, "since": at.isoformat()}
    return result


def _exit(result: Advance, node_id: str, at: datetime, reason: str, why: str = "") -> Advance:
    result.node_id = node_id  # where it stopped, as its last step row says
    result.status = after(result.status, "exit")
    result.exit_reason, result.ended_at = reason, at
    result.steps.append(StepRecord(node_id, "exited", None, why or reason, at, at))
    return result


def _datetime(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@cache
def zone(name: str) -> ZoneInfo | None:
    """A time zone by IANA name; None for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def customer_zone(customer: str | None, journey: str) -> ZoneInfo:
    """The customer's time zone, falling back to the journey's (then UTC)."""
    return (customer and zone(customer)) or zone(journey) or ZoneInfo("UTC")
