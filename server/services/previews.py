"""What every preview shares: the draft's entry (its trigger, audience rule and a sentence), the
draft compiled to walk, and a rule's problems as the API lists them.

Previews write nothing. Who enters is counted in SQL (`server.services.audience_preview`), why a
customer does or doesn't (`server.services.explanation`), one customer's path simulated on the
pure engine (`server.services.path_preview`), and the whole audience in a dry run
(`server.services.dry_runs`)."""


from dataclasses import dataclass, field
from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.compiled import CompiledJourney, InvalidJourneyError, compile_journey
from nodes.kit.nesting import first_too_deep
from nodes.kit.profile import Profile
from nodes.kit.rules import (
    COUNT_WORDS,
    OP_WORDS,
    RELATIVE,
    All,
    AnyOf,
    Attr,
    EventCount,
    HasTag,
    Not,
    Rule,
    Verdict,
    count_events,
    profile_value,
    rule_problems,
)
from nodes.kit.spec import ApiTrigger, AudienceTrigger, DateTrigger, EventTrigger, Trigger
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.run import lifecycle
from runtime.run.simulation import (
    date_rule,
)
from runtime.store.models import Customer, Journey, Segment
from server.context import Wayline
from server.schemas.previews import (
    Clause,
    EntryInfo,
)

WIRING = ("port.", "graph.")
"""Codes of issues about how steps are connected, which do not stop an audience count."""


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


# --- rules, clause by clause -------------------------------------------------------------------

KINDS = {All: "and", AnyOf: "or", Not: "not", Attr: "attr", HasTag: "tag", EventCount: "event"}


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


def find_customer(session: Session, external_id: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.external_id == external_id))
    if customer is None:
        raise NotFoundError("customer", external_id)
    return customer


def check_rule(rule: Rule) -> None:
    issues = rule_issues(rule)
    if issues:
        raise InvalidInputError("The audience rule has problems: " +
                                "; ".join(issue["message"] for issue in issues[:5]), issues)
