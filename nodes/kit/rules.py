"""The audience rule language and its Python back end (one customer, in memory).

A rule is JSON: `and` / `or` / `not` over leaves. Leaves compare a profile field or attribute
(`attr`), test a tag (`tag`), or count events in a window (`event`). The same rule compiles to
SQL in `runtime.audience.query`; both back ends follow the semantics below and a property test holds
them to it.

Semantics (two-valued: a leaf is true or false, never unknown):
- A comparison matches only a value of the rule value's JSON type: a number rule value matches
  numbers (never booleans), a string matches strings, a boolean matches booleans. Anything
  else, missing or null, does not match; `ne`, `not_in`, `not_contains`, `not_exists` are the
  plain negations, so they do match a missing attribute.
- A string rule value that starts like a date (YYYY-MM-DD…) compares the attribute at the rule
  value's precision: the attribute text is cut to the rule value's length first, so
  `signed_up eq "2024-05-01"` matches any time that day and `gt` means a later day. Dates are
  stored as UTC text (2024-05-01T09:30:00Z, see `utc_text`), which orders as text.
- Relative dates (`within_last`, `more_than_ago`, `within_next`, value = how many `unit`s) are
  bounds around `now` in UTC, at day precision for days/weeks and second precision otherwise.
- `contains`: a substring of a text attribute, or an element of a list attribute (texts only).
- Text compares by Unicode code point (SQL uses byte order: SQLite BINARY, Postgres COLLATE "C").
- `event`: the number of the customer's events named `event` that occurred at or before `now`,
  within the window when one is given, whose properties match every `where` filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from nodes.kit.nesting import MAX_GROUP_DEPTH, first_too_deep, too_deep_message
from nodes.kit.profile import BUILTIN_FIELDS, Profile
from nodes.kit.values import AttributeName, Duration, EventName, Unit, is_date_text, utc_text

Scalar = str | int | float | bool

MAX_LEAVES = 200
"""A rule with more leaves than this is refused: it would be unreadable and slow."""

MAX_EVENT_CONDITIONS = 20
"""Conditions on what customers did one rule may hold: each reads the event history."""

MAX_EVENT_FILTERS = 50
"""Event property filters one rule may hold, over all its event conditions."""

MAX_LISTED_VALUES = 5_000
"""Values one rule may list (`in` / `not in`), over all its conditions: a longer list is a tag."""

MAX_RELATIVE = timedelta(days=36_525)
"""Relative dates reach at most 100 years from now (further is past the calendar's end)."""

UNIT_SECONDS = {Unit.MINUTES: 60, Unit.HOURS: 3600, Unit.DAYS: 86_400, Unit.WEEKS: 604_800}


class Op(StrEnum):
    """Comparison operators of an `attr` leaf."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    BETWEEN = "between"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    WITHIN_LAST = "within_last"
    MORE_THAN_AGO = "more_than_ago"
    WITHIN_NEXT = "within_next"


NEGATIONS = {Op.NE: Op.EQ, Op.NOT_IN: Op.IN, Op.NOT_CONTAINS: Op.CONTAINS,
             Op.NOT_EXISTS: Op.EXISTS}
"""Operators that are the plain negation of another."""

ORDERING = (Op.LT, Op.LTE, Op.GT, Op.GTE)
RELATIVE = (Op.WITHIN_LAST, Op.MORE_THAN_AGO, Op.WITHIN_NEXT)


class CountOp(StrEnum):
    """How an event count compares with the rule's number."""

    GTE = "gte"
    LTE = "lte"
    EQ = "eq"
    GT = "gt"
    LT = "lt"


class All(msgspec.Struct, tag="and", tag_field="type", forbid_unknown_fields=True):
    """Every rule inside matches (an empty `and` matches everyone)."""

    rules: list[Rule] = []


class AnyOf(msgspec.Struct, tag="or", tag_field="type", forbid_unknown_fields=True):
    """At least one rule inside matches (an empty `or` matches no one)."""

    rules: list[Rule] = []


class Not(msgspec.Struct, tag="not", tag_field="type", forbid_unknown_fields=True):
    """The rule inside does not match."""

    rule: Rule


class Attr(msgspec.Struct, tag="attr", tag_field="type", forbid_unknown_fields=True):
    """Compare a profile field (email, phone, …, created_at) or a custom attribute."""

    field: AttributeName
    op: Op
    value: Scalar | list[Scalar] | None = None
    unit: Unit = Unit.DAYS


class HasTag(msgspec.Struct, tag="tag", tag_field="type", forbid_unknown_fields=True):
    """The customer has (or, with has=false, lacks) a tag."""

    tag: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    has: bool = True


class EventCount(msgspec.Struct, tag="event", tag_field="type", forbid_unknown_fields=True):
    """How many times the customer did an event, optionally in a window and with filters."""

    event: EventName
    op: CountOp = CountOp.GTE
    count: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 1
    within: Duration | None = None
    where: list[Attr] = []


Rule = All | AnyOf | Not | Attr | HasTag | EventCount
PropertyFilters = tuple[Attr, ...]

# --- bounds shared by both back ends -----------------------------------------------------------

DAY_PRECISION = 10  # len("2024-05-01")


def relative_bounds(op: Op, amount: float, unit: Unit,
                    now: datetime) -> tuple[str | None, str | None]:
    """The inclusive text bounds (low, high) a relative-date leaf means at `now`; None = open.

    `more_than_ago` is strictly below its low bound: it returns (None, low) and callers use `<`.
    """
    span = min(timedelta(seconds=amount * UNIT_SECONDS[unit]), MAX_RELATIVE)
    cut = DAY_PRECISION if unit in (Unit.DAYS, Unit.WEEKS) else None

    def text(moment: datetime) -> str:
        return utc_text(moment)[:cut] if cut else utc_text(moment)

    if op is Op.WITHIN_LAST:
        return text(now - span), text(now)
    if op is Op.WITHIN_NEXT:
        return text(now), text(now + span)
    return None, text(now - span)


def is_number(value: object) -> bool:
    """JSON numbers: int or float, never bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_type(attribute: object, value: object) -> bool:
    if isinstance(value, bool):
        return isinstance(attribute, bool)
    if is_number(value):
        return is_number(attribute)
    return isinstance(attribute, str) and isinstance(value, str)


def _cut(attribute: Any, value: Any) -> Any:
    """The attribute at the precision of a date-like rule value (see module docstring)."""
    return attribute[: len(value)] if is_date_text(value) else attribute


def _equal(attribute: object, value: Scalar) -> bool:
    return _same_type(attribute, value) and _cut(attribute, value) == value


def _compare(attribute: object, op: Op, value: Scalar) -> bool:
    if not _same_type(attribute, value) or isinstance(value, bool):
        return False
    left = _cut(attribute, value)
    return {Op.LT: left < value, Op.LTE: left <= value,
            Op.GT: left > value, Op.GTE: left >= value}[op]


def _contains(attribute: object, value: object) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(attribute, str):
        return value in attribute
    if isinstance(attribute, list):
        return any(isinstance(item, str) and item == value for item in attribute)
    return False


def compare(attribute: object, leaf: Attr, now: datetime) -> bool:
    """Whether one attribute value (None when missing) satisfies an `attr` leaf."""
    op, value = leaf.op, leaf.value
    if op in NEGATIONS:
        return not compare(attribute, msgspec.structs.replace(leaf, op=NEGATIONS[op]), now)
    if op is Op.EXISTS:
        return attribute is not None
    if op is Op.EQ:
        return _equal(attribute, value)
    if op is Op.IN:
        return any(_equal(attribute, item) for item in value or ())
    if op is Op.CONTAINS:
        return _contains(attribute, value)
    if op in ORDERING:
        return _compare(attribute, op, value)
    if op is Op.BETWEEN:
        low, high = value
        return _compare(attribute, Op.GTE, low) and _compare(attribute, Op.LTE, high)
    low, high = relative_bounds(op, value, leaf.unit, now)
    if op is Op.MORE_THAN_AGO:
        return _compare(attribute, Op.LT, high)
    return _compare(attribute, Op.GTE, low) and _compare(attribute, Op.LTE, high)


def profile_value(profile: Profile, name: str) -> object:
    """A builtin field (created_at as UTC text) or a custom attribute; None when missing."""
    if name in BUILTIN_FIELDS:
        value = getattr(profile, name)
        return utc_text(value) if isinstance(value, datetime) else value
    return profile.attributes.get(name)


OP_WORDS = {
    Op.EQ: "equals", Op.NE: "does not equal", Op.LT: "is less than / before",
    Op.LTE: "is at most / on or before", Op.GT: "is more than / after",
    Op.GTE: "is at least / on or after", Op.BETWEEN: "is between", Op.IN: "is one of",
    Op.NOT_IN: "is none of", Op.CONTAINS: "contains", Op.NOT_CONTAINS: "does not contain",
    Op.EXISTS: "is set", Op.NOT_EXISTS: "is not set", Op.WITHIN_LAST: "is within the last",
    Op.MORE_THAN_AGO: "is more than this long ago:", Op.WITHIN_NEXT: "is within the next",
}
"""Each operator in the words a marketer reads (never its code, 'gte')."""
COUNT_WORDS = {CountOp.GTE: "at least", CountOp.LTE: "at most", CountOp.EQ: "exactly",
               CountOp.GT: "more than", CountOp.LT: "fewer than"}
"""How an event count compares, in words: 'needs at least 1'."""


# --- evaluation with reasons -------------------------------------------------------------------


@dataclass
class Verdict:
    """Whether a rule matched one customer, with the reason for each part (for 'why / why not')."""

    matched: bool
    reason: str
    parts: list[Verdict] = field(default_factory=list)

    def failed_leaves(self) -> list[Verdict]:
        """The leaves that decided a non-match, for a one-line explanation."""
        if not self.parts:
            return [] if self.matched else [self]
        return [leaf for part in self.parts if not part.matched for leaf in part.failed_leaves()]


def evaluate(rule: Rule, profile: Profile, now: datetime) -> Verdict:
    """Evaluate a rule for one customer at `now`, keeping the reason of every part."""
    if isinstance(rule, All):
        parts = [evaluate(inner, profile, now) for inner in rule.rules]
        ok = all(part.matched for part in parts)
        return Verdict(ok, "all of these match" if ok else "not all of these match", parts)
    if isinstance(rule, AnyOf):
        parts = [evaluate(inner, profile, now) for inner in rule.rules]
        ok = any(part.matched for part in parts)
        return Verdict(ok, "at least one matches" if ok else "none of these match", parts)
    if isinstance(rule, Not):
        inner = evaluate(rule.rule, profile, now)
        return Verdict(not inner.matched, f"not ({inner.reason})", [inner])
    if isinstance(rule, HasTag):
        has = rule.tag in profile.tags
        verb = "has" if has else "does not have"
        return Verdict(has == rule.has, f"{verb} tag '{rule.tag}'")
    if isinstance(rule, EventCount):
        count = count_events(rule, profile.events, now)
        ok = _count_matches(count, rule.op, rule.count)
        window = f" in the last {rule.within.describe()}" if rule.within else ""
        return Verdict(ok, f"did '{rule.event}' {count} time(s){window}; "
                           f"needs {COUNT_WORDS[rule.op]} {rule.count}")
    actual = profile_value(profile, rule.field)
    ok = compare(actual, rule, now)
    shown = "missing" if actual is None else repr(actual)
    target = "" if rule.value is None else f" {rule.value!r}"
    unit = f" {rule.unit.value}" if rule.op in RELATIVE else ""
    return Verdict(ok, f"{rule.field} is {shown}; wanted: {rule.field} {OP_WORDS[rule.op]}"
                       f"{target}{unit}")


def explain(verdict: Verdict) -> str:
    """One line saying why a rule did or did not match, naming only the parts that decided it."""
    if not verdict.parts:
        return verdict.reason
    deciding = [part for part in verdict.parts if part.matched == verdict.matched]
    if not deciding:  # only a `not` has no part agreeing with it: its one part went the other way
        return f"not ({explain(verdict.parts[0])})"
    shown = [f"({explain(part)})" if part.parts else part.reason for part in deciding]
    return f"{verdict.reason}: " + " | ".join(shown)


def matches(rule: Rule, profile: Profile, now: datetime) -> bool:
    """Whether one customer matches a rule at `now`."""
    return evaluate(rule, profile, now).matched


def properties_match(filters: Sequence[Attr], properties: Mapping[str, Any], now: datetime) -> bool:
    """Whether an event's properties pass every filter (filters name properties, not fields)."""
    return all(compare(properties.get(leaf.field), leaf, now) for leaf in filters)


def count_events(rule: EventCount, events: Sequence[Any], now: datetime) -> int:
    """How many of a customer's events count for an `event` leaf at `now`."""
    since = now - rule.within.to_timedelta() if rule.within else None
    return sum(
        1 for event in events
        if event.name == rule.event and event.occurred_at <= now
        and (since is None or event.occurred_at >= since)
        and properties_match(rule.where, event.properties, now)
    )


def _count_matches(count: int, op: CountOp, wanted: int) -> bool:
    return {CountOp.GTE: count >= wanted, CountOp.LTE: count <= wanted, CountOp.EQ: count == wanted,
            CountOp.GT: count > wanted, CountOp.LT: count < wanted}[op]


# --- checking a rule's values against its operators --------------------------------------------


def rule_problems(rule: Rule, path: str = "rule",
                  max_depth: int = MAX_GROUP_DEPTH) -> list[tuple[str, str]]:
    """Every op/value mismatch in a rule, as (field path, message) pairs; a rule nested more
    than `max_depth` groups deep is only said to be, before anything walks it recursively."""
    excess = first_too_deep(rule, path, max_depth)
    if excess is not None:
        return [(excess.rule, too_deep_message(max_depth))]
    problems: list[tuple[str, str]] = []
    every = list(leaves(rule))
    if len(every) > MAX_LEAVES:
        problems.append((path, f"has more than {MAX_LEAVES} conditions; save parts as segments"))
    events = [leaf for leaf in every if isinstance(leaf, EventCount)]
    if len(events) > MAX_EVENT_CONDITIONS:
        problems.append((path, f"has {len(events)} conditions on what customers did; at most "
                               f"{MAX_EVENT_CONDITIONS} fit in one rule (each reads the event "
                               "history): combine them, or split the audience"))
    filters = sum(len(leaf.where) for leaf in events)
    if filters > MAX_EVENT_FILTERS:
        problems.append((path, f"filters events on {filters} properties; at most "
                               f"{MAX_EVENT_FILTERS} fit in one rule"))
    listed = sum(len(leaf.value) for leaf in _with_where(every) if isinstance(leaf, Attr)
                 and isinstance(leaf.value, list))
    if listed > MAX_LISTED_VALUES:
        problems.append((path, f"lists {listed:,} values; at most {MAX_LISTED_VALUES:,} fit in "
                               "one rule: save a tag on those customers instead"))
    _walk_problems(rule, path, problems)
    return problems


def _with_where(conditions: list[Rule]) -> list[Rule]:
    """The conditions and the property filters of event conditions."""
    return conditions + [item for leaf in conditions if isinstance(leaf, EventCount)
                         for item in leaf.where]


def leaves(rule: Rule):
    """Every leaf of a rule, depth first."""
    if isinstance(rule, All | AnyOf):
        for inner in rule.rules:
            yield from leaves(inner)
    elif isinstance(rule, Not):
        yield from leaves(rule.rule)
    else:
        yield rule


def _walk_problems(rule: Rule, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(rule, All | AnyOf):
        for index, inner in enumerate(rule.rules):
            _walk_problems(inner, f"{path}.rules[{index}]", out)
    elif isinstance(rule, Not):
        _walk_problems(rule.rule, f"{path}.rule", out)
    elif isinstance(rule, EventCount):
        for index, leaf in enumerate(rule.where):
            message = attr_problem(leaf, builtin_fields=False)
            if message:
                out.append((f"{path}.where[{index}]", message))
    elif isinstance(rule, Attr):
        message = attr_problem(rule)
        if message:
            out.append((path, message))


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | bool) or is_number(value)


def _is_exact_date(value: object) -> bool:
    return isinstance(value, str) and (
        (len(value) == 10 and _parses(value, "%Y-%m-%d"))
        or (len(value) == 20 and _parses(value, "%Y-%m-%dT%H:%M:%SZ")))


def _parses(text: str, pattern: str) -> bool:
    try:
        datetime.strptime(text, pattern)
    except ValueError:
        return False
    return True


def attr_problem(leaf: Attr, builtin_fields: bool = True) -> str | None:
    """What is wrong with an `attr` leaf's value for its operator, or None."""
    op, value = leaf.op, leaf.value
    base = NEGATIONS.get(op, op)
    is_created = builtin_fields and leaf.field == "created_at"
    if base is Op.EXISTS:
        return None if value is None else f"'{leaf.field}' {op.value} takes no value"
    if op in RELATIVE:
        ok = is_number(value) and 0 <= value * UNIT_SECONDS[leaf.unit] <= \
            MAX_RELATIVE.total_seconds()
        return None if ok else (f"'{leaf.field}': give how many {leaf.unit.value} "
                                "(0 up to 100 years)")
    if base is Op.CONTAINS:
        ok = isinstance(value, str) and not is_created
        return None if ok else f"'{leaf.field}' {op.value} needs a piece of text"
    if base is Op.IN:
        ok = isinstance(value, list) and value and all(_is_scalar(item) for item in value)
        return None if ok else f"'{leaf.field}' {op.value} needs a list of one or more values"
    if op is Op.BETWEEN:
        if not (isinstance(value, list) and len(value) == 2):
            return f"'{leaf.field}' between needs two values, from and to"
        low, high = value
        pair = (is_number(low) and is_number(high)) or (
            isinstance(low, str) and isinstance(high, str))
        if not pair:
            return f"'{leaf.field}' between needs two numbers or two dates"
        if low > high:
            return f"'{leaf.field}' between: 'from' ({low!r}) is after 'to' ({high!r})"
        values = value
    else:
        if not _is_scalar(value):
            return f"'{leaf.field}' {op.value} needs a value"
        if op in ORDERING and isinstance(value, bool):
            return f"'{leaf.field}' {op.value} needs a number or a date, not true/false"
        values = [value]
    if is_created and not all(_is_exact_date(item) for item in values):
        return "'created_at' compares with a date (2024-05-01) or a UTC time (2024-05-01T09:30:00Z)"
    return None
