"""Previews: who enters a journey (and why, or why not), one customer's path, a population dry run.

Nothing here writes: audiences are counted in SQL, paths are simulated by `runtime.run.simulation`
on the pure engine, and the dry run simulates the whole entry audience (a uniform random
sample of it when it is larger than the sample limit, with the margin that brings).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builder.compiled import CompiledJourney, InvalidJourneyError, compile_journey
from nodes.kit.nesting import first_too_deep
from nodes.kit.profile import BUILTIN_FIELDS, Profile
from nodes.kit.rules import (
    RELATIVE,
    All,
    AnyOf,
    Attr,
    CountOp,
    EventCount,
    HasTag,
    Not,
    Op,
    Rule,
    Verdict,
    count_events,
    evaluate,
    explain,
    leaves,
    profile_value,
    properties_match,
    rule_problems,
)
from nodes.kit.spec import ApiTrigger, AudienceTrigger, DateTrigger, EventTrigger, Trigger
from nodes.kit.values import Duration, Unit
from runtime.audience.query import (
    count_audience,
    customers,
    load_profiles,
    plan_audience_queries,
    rule_event_names,
    session_clause,
)
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.flow.effects import Effects
from runtime.messaging.gate import sent_before
from runtime.messaging.workspace import load_rules
from runtime.run import lifecycle
from runtime.run.simulation import (
    Scenario,
    SimPath,
    SimulatedEvent,
    date_entry_at,
    date_rule,
    load_templates,
    simulate,
)
from runtime.store.models import Customer, Journey, Segment
from runtime.store.query_budget import PREVIEW_BUDGET, time_budget
from server.context import Wayline
from server.schemas.previews import (
    AudienceCustomer,
    AudienceIn,
    AudiencePreview,
    Changes,
    Clause,
    EntryInfo,
    ExplainIn,
    Explanation,
    MessageOut,
    PathIn,
    PathPreview,
    PathStep,
)

SHOWN_ATTRIBUTES = 6
"""Attributes shown per customer in an audience page: the rule's first, then others."""

PATH_HORIZON = Duration(amount=90, unit=Unit.DAYS)
"""How far ahead a path preview looks when the request does not say."""

WIRING = ("port.", "graph.")
"""Codes of issues about how steps are connected, which do not stop an audience count."""

PAGE_WINDOW = 20_000
"""Customer ids the first window of an audience page looks through (each next one doubles)."""

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wayline-audience")
"""Runs an audience count beside its first page, so a preview costs the slower of the two."""


@dataclass
class Entry:
    """A journey's entry as previews need it: the trigger, the audience rule, a sentence."""

    node_id: str
    kind: str
    label: str
    trigger: Trigger
    rule: Rule | None
    summary: str
    notes: list[str] = field(default_factory=list)
    journey_zone: str = "UTC"

    def info(self) -> EntryInfo:
        """The entry as the API shows it."""
        rule = None if self.rule is None else msgspec.to_builtins(self.rule)
        return EntryInfo(node_id=self.node_id, kind=self.kind, label=self.label,
                         summary=self.summary, rule=rule)


# --- audience ----------------------------------------------------------------------------------


def preview_audience(wl: Wayline, data: AudienceIn) -> AudiencePreview:
    """The exact count of customers matching a rule and one page of them."""
    _check_rule(data.rule)
    return _audience(wl, data.rule, data.limit, data.after)


def journey_audience(wl: Wayline, journey_id: int, limit: int = 20,
                     after: int | None = None) -> AudiencePreview:
    """Who enters a journey's draft: its entry's audience, counted, with a page of it."""
    with wl.reading() as session:
        entry = draft_entry(wl, session, lifecycle.get_journey(session, journey_id))
    if entry.rule is None:
        return AudiencePreview(count=None, customers=[], next_after=None, evaluated_at=wl.now(),
                               took_ms=0, entry=entry.info(), notes=entry.notes)
    preview = _audience(wl, entry.rule, limit, after)
    preview.entry, preview.notes = entry.info(), entry.notes
    return preview


def _audience(wl: Wayline, rule: Rule, limit: int, after: int | None) -> AudiencePreview:
    began, now = time.perf_counter(), wl.now()
    counted = _POOL.submit(_count, wl, rule, now)
    with wl.reading() as session, time_budget(session, PREVIEW_BUDGET):
        rows = _page(session, rule, now, limit + 1, after, counted)
    count = counted.result()
    shown = _shown_attributes(rule)
    page = [AudienceCustomer(id=row.id, external_id=row.external_id, email=row.email,
                             phone=row.phone, created_at=row.created_at,
                             attributes=_attributes(row.attributes or {}, shown))
            for row in rows[:limit]]
    return AudiencePreview(count=count, customers=page,
                           next_after=page[-1].id if len(rows) > limit else None,
                           evaluated_at=now, took_ms=round((time.perf_counter() - began) * 1000))


def _count(wl: Wayline, rule: Rule, now: datetime) -> int:
    with wl.reading() as session, time_budget(session, PREVIEW_BUDGET):
        return count_audience(session, rule, now)


def _page(session: Session, rule: Rule, now: datetime, limit: int, after: int | None,
          counted: Future[int] | None = None) -> list[Any]:
    """The first `limit` matches after `after`, in id order, found window by window.

    Planners can't estimate how many rows a JSON rule keeps, so a plain ORDER BY id LIMIT may
    sort a full scan. Id windows that double in size read only as far as the matches go; the
    count running beside the page stops the search once every match is found (or there are
    none), so a rare rule costs no more than its count.
    """
    plan_audience_queries(session)
    clause = session_clause(session, rule, now)
    c = customers.c
    columns = (c.id, c.external_id, c.email, c.phone, c.created_at, c.attributes)
    low = after or 0
    last = session.scalar(select(func.max(c.id))) or 0
    found: list[Any] = []
    size = PAGE_WINDOW
    while low < last and len(found) < limit:
        high = low + size
        found += session.execute(select(*columns).where(c.id > low, c.id <= high, clause)
                                 .order_by(c.id).limit(limit - len(found))).all()
        low, size = high, size * 2
        if counted is not None and counted.done() and after is None and \
                len(found) >= counted.result():
            break
    return found


def _shown_attributes(rule: Rule) -> list[str]:
    named = [leaf.field for leaf in leaves(rule) if isinstance(leaf, Attr)]
    return list(dict.fromkeys(name for name in named if name not in BUILTIN_FIELDS))


def _attributes(attributes: Mapping[str, Any], first: list[str]) -> dict[str, Any]:
    names = [name for name in first if name in attributes]
    names += [name for name in attributes if name not in names]
    return {name: attributes[name] for name in names[:max(SHOWN_ATTRIBUTES, len(first))]}


# --- why / why not -----------------------------------------------------------------------------


def explain_rule(wl: Wayline, data: ExplainIn) -> Explanation:
    """Whether one customer matches a rule now, clause by clause."""
    _check_rule(data.rule)
    with wl.reading() as session:
        customer = _customer(session, data.external_id)
        now = wl.now()
        profile = load_profiles(session, [customer.id], now, rule_event_names(data.rule))
        return _explanation(data.rule, profile[customer.id], now)


def explain_journey(wl: Wayline, journey_id: int, external_id: str) -> Explanation:
    """Whether one customer would enter a journey's draft, and why or why not."""
    with wl.reading() as session:
        entry = draft_entry(wl, session, lifecycle.get_journey(session, journey_id))
        customer = _customer(session, external_id)
        now = wl.now()
        rule = entry.rule if entry.rule is not None else All()
        profile = load_profiles(session, [customer.id], now, rule_event_names(rule))
        found = _explanation(rule, profile[customer.id], now)
        if isinstance(entry.trigger, DateTrigger):
            _explain_date(entry, profile[customer.id], now, found)
    found.entry, found.notes = entry.info(), [*entry.notes, *found.notes]
    return found


def _explanation(rule: Rule, profile: Profile, now: datetime) -> Explanation:
    verdict = evaluate(rule, profile, now)
    parts = clauses(rule, verdict, profile, now)
    failed = [part for part in parts if not part.matched and part.kind not in
              ("and", "or", "not")] if not verdict.matched else []
    return Explanation(external_id=profile.external_id, customer_id=profile.id,
                       matches=verdict.matched, summary=explain(verdict), clauses=parts,
                       failed=failed, evaluated_at=now)


def _explain_date(entry: Entry, profile: Profile, now: datetime,
                  found: Explanation) -> None:
    trigger = entry.trigger
    when = date_entry_at(trigger, profile, entry.journey_zone, now)
    if when is None:
        found.notes.append(f"'{trigger.attribute}' gives no entry date from now on, so this "
                           "customer would not enter.")
        found.matches = False
    else:
        found.notes.append(f"Next entry: {when.isoformat()} (from '{trigger.attribute}').")


def _customer(session: Session, external_id: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.external_id == external_id))
    if customer is None:
        raise NotFoundError("customer", external_id)
    return customer


def _check_rule(rule: Rule) -> None:
    issues = rule_issues(rule)
    if issues:
        raise InvalidInputError("The audience rule has problems: " +
                                "; ".join(issue["message"] for issue in issues[:5]), issues)


# --- the draft's entry -------------------------------------------------------------------------


def draft_entry(wl: Wayline, session: Session, journey: Journey) -> Entry:
    """The draft's entry node, parsed, with its audience; 409 naming what to fix first."""
    draft = journey.draft if isinstance(journey.draft, dict) else {}
    nodes = [node for node in draft.get("nodes") or [] if isinstance(node, dict)
             and node.get("type") in wl.registry and wl.registry[node["type"]].is_entry]
    issues = lifecycle.check_journey(session, draft, wl.registry)
    if len(nodes) != 1:
        raise WrongStateError(f"'{journey.name}' needs exactly one entry step to preview who "
                              "enters it.", [issue for issue in issues if issue.code in
                                             ("graph.no_entry", "graph.many_entries")])
    node = nodes[0]
    # Wiring doesn't change who enters: an entry not yet connected can be counted already.
    blocking = [issue for issue in issues
                if issue.node_id == node.get("id") and issue.severity == "error"
                and not issue.code.startswith(WIRING)]
    if blocking:
        raise WrongStateError("Fix the entry step before previewing who enters: " +
                              "; ".join(issue.message for issue in blocking[:3]), blocking)
    spec = wl.registry[node["type"]]
    config = spec.parse((node.get("data") or {}).get("config") or {})
    label = (node.get("data") or {}).get("label") or spec.label
    entry = _describe(session, node["id"], spec.key, label, spec.trigger(config))
    entry.journey_zone = (draft.get("settings") or {}).get("timezone") or wl.settings.timezone
    return entry


def _describe(session: Session, node_id: str, kind: str, label: str, trigger: Trigger) -> Entry:
    entry = Entry(node_id, kind, label, trigger, None, "")
    if isinstance(trigger, AudienceTrigger):
        entry.rule, named = _segment_rule(session, trigger)
        entry.summary = (f"Customers matching {named} enter when you publish, and later as "
                         "they start to match.")
        if not trigger.include_existing:
            entry.notes.append("'Also enter everyone who matches at publish' is off: only "
                               "customers who start to match after publishing will enter; "
                               "the count is everyone who matches now.")
    elif isinstance(trigger, EventTrigger):
        entry.rule = trigger.only_if if trigger.only_if is not None else All()
        filters = " with matching properties" if trigger.where else ""
        entry.summary = (f"A customer enters when they do '{trigger.event}'{filters}. The count "
                         "is who could enter: " + ("customers matching 'Only customers who "
                                                   "match'." if trigger.only_if else
                                                   "every customer."))
    elif isinstance(trigger, DateTrigger):
        entry.rule = date_rule(trigger)
        how = "every year on" if trigger.yearly else "once, on"
        shift = f" {trigger.offset_days:+d} days" if trigger.offset_days else ""
        entry.summary = (f"Customers enter {how} their '{trigger.attribute}'{shift} at "
                         f"{trigger.at} in their time zone. The count is everyone with "
                         f"'{trigger.attribute}' set.")
    elif isinstance(trigger, ApiTrigger):
        entry.summary = ("Your systems put customers in with an API call naming them, so no "
                         "audience can be counted in advance.")
        entry.notes.append("Previews use the entry's sample payload unless you give one.")
    return entry


def _segment_rule(session: Session, trigger: AudienceTrigger) -> tuple[Rule, str]:
    if trigger.rule is not None:
        return trigger.rule, "the audience rule"
    segment = session.get(Segment, trigger.segment)
    if segment is None:
        raise WrongStateError(f"The entry uses segment #{trigger.segment}, which no longer "
                              "exists; pick another segment.",
                              [{"code": "ref.missing", "field": "segment",
                                "message": f"Segment #{trigger.segment} no longer exists"}])
    return msgspec.convert(segment.rule, Rule), f"the segment '{segment.name}'"


# --- one customer's path -----------------------------------------------------------------------


def compiled_draft(wl: Wayline, session: Session, journey: Journey) -> CompiledJourney:
    """The draft, compiled to walk; 409 listing what to fix when it is not complete yet."""
    try:
        return compile_journey(journey.draft, wl.registry)
    except InvalidJourneyError as error:
        raise WrongStateError(f"'{journey.name}' has problems to fix before it can be "
                              "previewed.", error.issues) from None


def preview_path(wl: Wayline, journey_id: int, data: PathIn) -> PathPreview:
    """Simulate one customer through the draft: every step, with times, ports and reasons."""
    horizon = (data.horizon or PATH_HORIZON).to_timedelta()
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        plan = compiled_draft(wl, session, journey)
        entry = draft_entry(wl, session, journey)
        customer = _customer(session, data.external_id)
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


# --- rules, clause by clause -------------------------------------------------------------------

KINDS = {All: "and", AnyOf: "or", Not: "not", Attr: "attr", HasTag: "tag", EventCount: "event"}

OP_WORDS = {
    Op.EQ: "equals", Op.NE: "does not equal", Op.LT: "is less than / before",
    Op.LTE: "is at most / on or before", Op.GT: "is more than / after",
    Op.GTE: "is at least / on or after", Op.BETWEEN: "is between", Op.IN: "is one of",
    Op.NOT_IN: "is none of", Op.CONTAINS: "contains", Op.NOT_CONTAINS: "does not contain",
    Op.EXISTS: "is set", Op.NOT_EXISTS: "is not set", Op.WITHIN_LAST: "is within the last",
    Op.MORE_THAN_AGO: "is more than this long ago:", Op.WITHIN_NEXT: "is within the next",
}
COUNT_WORDS = {CountOp.GTE: "at least", CountOp.LTE: "at most", CountOp.EQ: "exactly",
               CountOp.GT: "more than", CountOp.LT: "fewer than"}


def clauses(rule: Rule, verdict: Verdict, profile: Profile, now: datetime,
            path: str = "rule", depth: int = 0) -> list[Clause]:
    """Every part of a rule with its verdict, depth first, in words a marketer reads."""
    found = [Clause(path=path, depth=depth, kind=KINDS[type(rule)], matched=verdict.matched,
                    reason=_reason(rule, verdict, profile, now))]
    if isinstance(rule, All | AnyOf):
        for index, (inner, part) in enumerate(zip(rule.rules, verdict.parts, strict=True)):
            found += clauses(inner, part, profile, now, f"{path}.rules[{index}]", depth + 1)
    elif isinstance(rule, Not):
        found += clauses(rule.rule, verdict.parts[0], profile, now, f"{path}.rule", depth + 1)
    return found


def _reason(rule: Rule, verdict: Verdict, profile: Profile, now: datetime) -> str:
    if isinstance(rule, Attr):
        actual = profile_value(profile, rule.field)
        shown = "not set" if actual is None else repr(actual)
        value = "" if rule.value is None else f" {rule.value!r}"
        unit = f" {rule.unit.value}" if rule.op in RELATIVE else ""
        return f"{rule.field} is {shown}; wanted: {rule.field} {OP_WORDS[rule.op]}{value}{unit}"
    if isinstance(rule, EventCount):
        done = count_events(rule, profile.events, now)
        window = f" in the last {rule.within.describe()}" if rule.within else ""
        filters = " (with matching properties)" if rule.where else ""
        return (f"did '{rule.event}'{filters} {done} time(s){window}; wanted: "
                f"{COUNT_WORDS[rule.op]} {rule.count}")
    return verdict.reason


def rule_issues(rule: Rule) -> list[dict[str, str]]:
    """A rule's problems as issues, each with the path of the clause: nested deeper than the
    workspace allows (said alone: nothing walks such a rule further), or op/value mismatches."""
    depth = lifecycle.current_limits().max_rule_depth
    code = "rule.invalid" if first_too_deep(rule, "rule", depth) is None else "rule.too_deep"
    return [{"code": code, "field": where, "message": message}
            for where, message in rule_problems(rule, max_depth=depth)]
