"""One customer's path through the draft, simulated on the pure engine with the send policy
(`runtime.run.simulation`): every step, with times, ports, messages and reasons."""


from collections.abc import Mapping
from datetime import datetime
from typing import Any

from builder.compiled import CompiledJourney
from nodes.kit.profile import Profile
from nodes.kit.rules import (
    evaluate,
    explain,
    properties_match,
)
from nodes.kit.spec import ApiTrigger, DateTrigger, EventTrigger
from nodes.kit.values import Duration, Unit
from runtime.audience.query import (
    load_profiles,
    rule_event_names,
)
from runtime.flow.effects import Effects
from runtime.messaging.gate import sent_before
from runtime.messaging.workspace import load_rules
from runtime.run import lifecycle
from runtime.run.simulation import (
    Scenario,
    SimPath,
    SimulatedEvent,
    date_entry_at,
    load_templates,
    simulate,
)
from server.context import Wayline
from server.schemas.previews import (
    Changes,
    MessageOut,
    PathIn,
    PathPreview,
    PathStep,
)
from server.services.previews import Entry, compiled_draft, draft_entry, find_customer

PATH_HORIZON = Duration(amount=90, unit=Unit.DAYS)
"""How far ahead a path preview looks when the request does not say."""


def preview_path(wl: Wayline, journey_id: int, data: PathIn) -> PathPreview:
    """Simulate one customer through the draft: every step, with times, ports and reasons."""
    horizon = (data.horizon or PATH_HORIZON).to_timedelta()
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        plan = compiled_draft(wl, session, journey)
        entry = draft_entry(wl, session, journey)
        customer = find_customer(session, data.external_id)
        now = wl.now()
        names = plan.event_names | (rule_event_names(entry.rule) if entry.rule else set())
        profile = load_profiles(session, [customer.id], now, names)[customer.id]
        templates = load_templates(session, plan)
        rules = load_rules(session)
        sent = sent_before(session, [customer.id], rules, now)
    start = data.start_at or now
    payload = data.payload if data.payload is not None else _sample_payload(plan)
    entered_at, why = entry_moment(entry, plan, profile, start, payload, data.payload is None)
    if entered_at is None:
        return path_preview(journey_id, plan, profile, None, why, start + horizon,
                            entry.notes)
    events = [SimulatedEvent(event.name, entered_at + event.after.to_timedelta(),
                             event.properties) for event in data.events]
    if isinstance(entry.trigger, EventTrigger):
        events.append(SimulatedEvent(entry.trigger.event, entered_at, payload, is_entry=True))
    scenario = Scenario(plan, templates, entered_at + horizon, rules=rules, sent=sent,
                        effects=Effects(reading=wl.reading))
    path = simulate(scenario, profile, entered_at, f"preview:{profile.id}", payload, events)
    return path_preview(journey_id, plan, profile, path, why, scenario.horizon_end,
                        [*entry.notes, *_path_notes(plan)], entered_at)


def entry_moment(entry: Entry, plan: CompiledJourney, profile: Profile, start: datetime,
                 payload: Mapping[str, Any], assumed: bool) -> tuple[datetime | None, str]:
    """When the customer would enter from `start`, and why; (None, why not) if they would not."""
    trigger = entry.trigger
    if isinstance(trigger, DateTrigger):
        when = date_entry_at(trigger, profile, plan.document.settings.timezone, start)
        if when is None:
            return None, (f"'{trigger.attribute}' is {profile.attributes.get(trigger.attribute)!r}"
                          ", which gives no entry date from then on")
        return when, f"enters on their '{trigger.attribute}' ({when.isoformat()})"
    if isinstance(trigger, ApiTrigger):
        missing = [name for name in trigger.required_fields if name not in payload]
        if missing:
            return None, f"the payload lacks {', '.join(missing)}, so the call would be refused"
        return start, "entered by an API call"
    if isinstance(trigger, EventTrigger) and trigger.where and not assumed and \
            not properties_match(trigger.where, payload, start):
        return None, f"the '{trigger.event}' event's properties do not pass the entry's filters"
    if entry.rule is not None:
        verdict = evaluate(entry.rule, profile, start)
        if not verdict.matched:
            return None, f"does not match the entry audience: {explain(verdict)}"
        return start, f"matches the entry audience: {explain(verdict)}"
    return start, "enters"


def _sample_payload(plan: CompiledJourney) -> dict[str, Any]:
    config = plan.configs[plan.entry_id]
    return dict(getattr(config, "sample_payload", None) or {})


def _path_notes(plan: CompiledJourney) -> list[str]:
    if any(spec.random for spec in plan.specs.values()):
        return ["Random splits draw anew for each entry: this preview shows one possible draw; "
                "the real run may take another path with the chances shown on the split."]
    return []


def path_preview(journey_id: int, plan: CompiledJourney, profile: Profile, path: SimPath | None,
                 why: str, horizon_end: datetime, notes: list[str],
                 entered_at: datetime | None = None) -> PathPreview:
    """A simulated path as the API shows it."""
    final = path.profile if path is not None and path.profile is not None else profile
    status = "not_entered" if path is None else path.status.value
    if status == "active":
        status = "waiting"
    return PathPreview(
        journey_id=journey_id, external_id=profile.external_id, entered=path is not None,
        entry_why=why, entered_at=entered_at, status=status,
        end_reason=path.end_reason if path else None, ended_at=path.ended_at if path else None,
        converted_at=path.converted_at if path else None, horizon_end=horizon_end,
        steps=[_step(plan, step) for step in path.steps] if path else [],
        attributes_after=dict(final.attributes), tags_after=sorted(final.tags), notes=notes)


def _step(plan: CompiledJourney, step) -> PathStep:
    message = None
    if step.message is not None:
        sent = step.message
        message = MessageOut(channel=sent.channel, purpose=sent.purpose,
                             template_id=sent.template_id, template_name=sent.template_name,
                             status=sent.status.value, reason=sent.reason,
                             content=dict(sent.content), goes_at=sent.goes_at)
    return PathStep(node_id=step.node_id, label=plan.label(step.node_id),
                    kind=plan.specs[step.node_id].key, outcome=step.outcome, port=step.port,
                    why=step.why, entered_at=step.entered_at, left_at=step.left_at,
                    next_node_id=step.next_node, wait_until=step.wait_until,
                    waiting_for=step.waiting_for, message=message,
                    changes=Changes(**step.changes) if step.changes else None)
