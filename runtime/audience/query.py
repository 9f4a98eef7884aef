"""Audiences in SQL: the second back end of the rule language, counts, pages and profiles.

`rule_clause` compiles a rule (nodes.kit.rules) into one boolean expression over `customers`
that follows the semantics in that module's docstring exactly; a property test holds the two
back ends together. How the SQL keeps those semantics:
- Two-valued: every leaf is "type guard AND comparison", where the guard is never NULL and
  implies the comparison is not NULL either, so a missing value is plainly false and NOT works.
- JSON keys are SQL text, never bound parameters (`json_extract(attributes, '$."plan"')`,
  `attributes ->> 'plan'`), so expression indexes match (research/perf-baselines.md §6).
  Rule values are always bound parameters.
- Numbers compare as numbers (Postgres: NUMERIC, with the rule value bound as the decimal Python
  prints for it), text by code point (SQLite: BINARY; Postgres: COLLATE "C").
- Postgres, per row as cheap as it can be: a plain `eq` / `in` is `attributes @> '{"k": v}'`
  (what the GIN index of migration 0006 serves), a number ordering one strict SQL/JSON path test
  (`jsonb_path_match`, the rule values bound as its variables) instead of a type check plus a
  text-to-NUMERIC cast. A date-like value's "cut to its length" is a range on the whole text,
  on both databases: no substr() per row, and an index on the text serves it.
- An indexed attribute (runtime.audience.indexed_attributes) is compared on its typed, indexed
  column for values of its type, and in the JSON for any other: `session_clause` compiles with them.
Each compared value's SQL (JSON key, text column, created_at) is in `runtime.audience.values`.
What the Python back end needs of many customers is read by
`runtime.customers.profiles.load_profiles` (also importable from here).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import msgspec
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from nodes.kit.profile import BUILTIN_FIELDS
from nodes.kit.rules import (
    NEGATIONS,
    ORDERING,
    All,
    AnyOf,
    Attr,
    CountOp,
    EventCount,
    HasTag,
    Not,
    Op,
    Rule,
    leaves,
    relative_bounds,
    rule_problems,
)
from runtime.audience.indexed_attributes import IndexedColumn, IndexedKey, indexed_columns
from runtime.audience.values import JsonKey, Moment, TextColumn, Value
from runtime.customers.profiles import LOAD_BATCH, load_profiles  # noqa: F401 - kept importable from here
from runtime.store.models import Customer, CustomerTag, Event

customers = Customer.__table__
customer_tags = CustomerTag.__table__
events = Event.__table__

DIALECTS = ("sqlite", "postgresql")

COUNT_COMPARE = {CountOp.EQ: operator.eq, CountOp.LT: operator.lt, CountOp.LTE: operator.le,
                 CountOp.GT: operator.gt, CountOp.GTE: operator.ge}
EXISTENCE = {(CountOp.GTE, 1): True, (CountOp.GT, 0): True,
             (CountOp.LT, 1): False, (CountOp.LTE, 0): False, (CountOp.EQ, 0): False}
"""Event counts that only ask "any?": EXISTS stops at the first row, COUNT reads them all."""

COUNT_PARALLEL_SETUP_COST = 100
"""PostgreSQL's parallel_setup_cost for audience queries (its default is 1000). With the
default, a count that the GIN index narrows to 1 customer in 7 ran as one process reading the
bitmap's pages; at 100 the planner shares those pages between workers ("plan = pro" over 1M
customers, interleaved on a loaded machine: 490 → 335 ms median). Selective rules still run as
one cheap index scan."""


# --- public API --------------------------------------------------------------------------------


def rule_clause(rule: Rule, now: datetime, dialect_name: str,
                indexed: Mapping[str, IndexedColumn] | None = None) -> ColumnElement[bool]:
    """A never-NULL SQL condition over `customers`, true exactly where `rule` matches at `now`;
    attributes in `indexed` are compared on their typed columns where they can be."""
    problems = rule_problems(rule)
    if problems:
        listed = "; ".join(f"{where}: {message}" for where, message in problems)
        raise ValueError(f"cannot compile an invalid audience rule ({listed})")
    if dialect_name not in DIALECTS:
        raise ValueError(f"audiences run on {' or '.join(DIALECTS)}, not {dialect_name!r}")
    return _clause(rule, now, _Target(dialect_name, indexed or {}))


def session_clause(session: Session, rule: Rule, now: datetime) -> ColumnElement[bool]:
    """`rule_clause` for this session's database, with its indexed attributes."""
    return rule_clause(rule, now, _dialect(session), indexed_columns(session))


def audience_query(rule: Rule, now: datetime, dialect_name: str,
                   indexed: Mapping[str, IndexedColumn] | None = None) -> Select[tuple[int]]:
    """SELECT the ids of the customers matching `rule` at `now`."""
    return select(customers.c.id).where(rule_clause(rule, now, dialect_name, indexed))


def count_audience(session: Session, rule: Rule, now: datetime) -> int:
    """How many customers match `rule` at `now` (a COUNT on its own, without ordering)."""
    plan_audience_queries(session)
    clause = session_clause(session, rule, now)
    return session.scalar(select(func.count()).select_from(customers).where(clause)) or 0


def first_page(session: Session, rule: Rule, now: datetime, limit: int = 20,
               after_id: int | None = None) -> list[int]:
    """Up to `limit` matching ids in id order, after `after_id` (keyset paging)."""
    plan_audience_queries(session)
    query = audience_query(rule, now, _dialect(session), indexed_columns(session)) \
        .order_by(customers.c.id).limit(limit)
    if after_id is not None:
        query = query.where(customers.c.id > after_id)
    return list(session.scalars(query))


def plan_audience_queries(session: Session) -> None:
    """PostgreSQL, for the rest of this transaction: plan each audience query for its own
    values, and let counts share pages between workers (see COUNT_PARALLEL_SETUP_COST).

    The driver prepares a statement run five times; the server then keeps one generic plan for
    it, which guesses 1% for `attributes @> $1` whatever the value. A count of "plan = pro"
    (1 in 7) then ran as one process reading the GIN bitmap's pages (interleaved on a loaded
    machine: 486 ms median, against 335 ms for the plan made for its value). Planning an
    audience query costs about a millisecond.
    """
    if _dialect(session) == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        session.execute(text(f"SET LOCAL parallel_setup_cost = {COUNT_PARALLEL_SETUP_COST}"))


def rule_event_names(rule: Rule) -> frozenset[str]:
    """The event names a rule counts: what `load_profiles` needs to load for it."""
    return frozenset(leaf.event for leaf in leaves(rule) if isinstance(leaf, EventCount))


# --- rules to SQL ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """What a rule compiles for: the database, and its indexed attributes."""

    dialect: str
    indexed: Mapping[str, IndexedColumn]


def _clause(rule: Rule, now: datetime, target: _Target) -> ColumnElement[bool]:
    if isinstance(rule, All):
        return and_(true(), *(_clause(inner, now, target) for inner in rule.rules))
    if isinstance(rule, AnyOf):
        return or_(false(), *(_clause(inner, now, target) for inner in rule.rules))
    if isinstance(rule, Not):
        return not_(_clause(rule.rule, now, target))
    if isinstance(rule, HasTag):
        tagged = select(customer_tags.c.tag).where(
            customer_tags.c.customer_id == customers.c.id, customer_tags.c.tag == rule.tag)
        return tagged.exists() if rule.has else not_(tagged.exists())
    if isinstance(rule, EventCount):
        return _event_clause(rule, now, target.dialect)
    return _attr_clause(rule, _customer_value(rule.field, target), now)


def _event_clause(rule: EventCount, now: datetime, dialect: str) -> ColumnElement[bool]:
    """Count the customer's events named `rule.event` up to `now`, in the window, filtered."""
    conditions = [events.c.customer_id == customers.c.id, events.c.name == rule.event,
                  events.c.occurred_at <= now]
    if rule.within:
        conditions.append(events.c.occurred_at >= now - rule.within.to_timedelta())
    conditions += [_attr_clause(leaf, JsonKey(events.c.properties, leaf.field, dialect), now)
                   for leaf in rule.where]
    wants_any = EXISTENCE.get((rule.op, rule.count))
    if wants_any is not None:
        found = select(events.c.id).where(*conditions).exists()
        return found if wants_any else not_(found)
    count = select(func.count()).select_from(events).where(*conditions).scalar_subquery()
    return COUNT_COMPARE[rule.op](count, rule.count)


def _attr_clause(leaf: Attr, value: Value | Moment, now: datetime) -> ColumnElement[bool]:
    """One `attr` leaf, case by case in the same order as rules.compare."""
    op, wanted = leaf.op, leaf.value
    if op in NEGATIONS:
        return not_(_attr_clause(msgspec.structs.replace(leaf, op=NEGATIONS[op]), value, now))
    if op is Op.EXISTS:
        return value.present()
    if op is Op.EQ:
        return value.equal(wanted)
    if op is Op.IN:
        return value.equal_any(wanted)
    if op is Op.CONTAINS:
        return value.contains(wanted)
    if op in ORDERING:
        return value.within([(op, wanted)])
    if op is Op.BETWEEN:
        low, high = wanted
        return value.within([(Op.GTE, low), (Op.LTE, high)])
    low, high = relative_bounds(op, wanted, leaf.unit, now)
    if op is Op.MORE_THAN_AGO:
        return value.within([(Op.LT, high)])
    return value.within([(Op.GTE, low), (Op.LTE, high)])


def _customer_value(name: str, target: _Target) -> Value | Moment:
    if name == "created_at":
        return Moment(customers.c.created_at)
    if name in BUILTIN_FIELDS:
        return TextColumn(customers.c[name], target.dialect)
    indexed = target.indexed.get(name)
    if indexed is not None:
        return IndexedKey(customers.c.attributes, indexed, target.dialect)
    return JsonKey(customers.c.attributes, name, target.dialect)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
