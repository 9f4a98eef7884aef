"""Why, or why not: a customer against an audience rule or a journey's entry, clause by clause."""


from datetime import datetime

from nodes.kit.profile import Profile
from nodes.kit.rules import (
    All,
    Rule,
    evaluate,
    explain,
)
from nodes.kit.spec import DateTrigger
from runtime.audience.query import (
    load_profiles,
    rule_event_names,
)
from runtime.run import lifecycle
from runtime.run.simulation import (
    date_entry_at,
)
from server.context import Wayline
from server.schemas.previews import (
    ExplainIn,
    Explanation,
)
from server.services.previews import (
    Entry,
    check_rule,
    clauses,
    draft_entry,
    find_customer,
)

# --- why / why not -----------------------------------------------------------------------------


def explain_rule(wl: Wayline, data: ExplainIn) -> Explanation:
    """Whether one customer matches a rule now, clause by clause."""
    check_rule(data.rule)
    with wl.reading() as session:
        customer = find_customer(session, data.external_id)
        now = wl.now()
        profile = load_profiles(session, [customer.id], now, rule_event_names(data.rule))
        return _explanation(data.rule, profile[customer.id], now)


def explain_journey(wl: Wayline, journey_id: int, external_id: str) -> Explanation:
    """Whether one customer would enter a journey's draft, and why or why not."""
    with wl.reading() as session:
        entry = draft_entry(wl, session, lifecycle.get_journey(session, journey_id))
        customer = find_customer(session, external_id)
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
