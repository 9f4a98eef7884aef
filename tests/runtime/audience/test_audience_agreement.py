"""The two back ends agree: random rules over random customers, SQL against rules.matches.

Each example draws a small population, then rules whose values are often taken from that
population or are near misses of it (other case, a prefix, the next second, the day before), so
comparisons land on the edges that matter. The population is bulk-inserted inside a SAVEPOINT
that is rolled back; one SELECT answers every rule and every leaf of each; the ids it selects
must equal those the Python back end matches on the profiles `load_profiles` reads back, and no
answer may be NULL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from nodes.kit.rules import (
    NEGATIONS,
    RELATIVE,
    All,
    AnyOf,
    Attr,
    CountOp,
    EventCount,
    HasTag,
    Not,
    Op,
    attr_problem,
    is_number,
    leaves,
    matches,
    rule_problems,
)
from nodes.kit.values import Duration, Unit, is_date_text, utc_text
from runtime.audience.indexed_attributes import IndexedColumn, index_attribute, indexed_columns
from runtime.audience.query import customer_tags, customers, events, load_profiles, rule_clause

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
ATTRIBUTES = ["plan", "score", "지역", "email"]  # "email" is shadowed by the column
FIELDS = [*ATTRIBUTES, "locale", "created_at"]
PROPERTIES = ["sku", "amount", "created_at"]  # a property may be called created_at
TAGS = ["vip", "new", "휴면"]
EVENTS = ["buy", "open"]

# Value domains stop where JSON and PostgreSQL stop, not where the semantics get hard: no NUL
# (Postgres text and jsonb refuse it), no lone surrogates (not valid UTF-8), finite floats
# (JSON has no NaN or infinity), and numbers within ±10^12 (below 2^53, where JSON readers
# and Postgres NUMERIC still agree with Python on what a number is).
CHARACTERS = "aAbBzZ가힣é😀%_'\"\\ -:0129TZ"
LIMIT = 10**12

# Times near `now` and near the edges where precision matters: midnights, whole seconds.
moments = st.builds(
    lambda base, count, unit, jitter: base + count * unit + jitter,
    st.sampled_from([NOW, NOW.replace(hour=0)]),
    st.integers(-10, 3),
    st.sampled_from([timedelta(minutes=1), timedelta(hours=1), timedelta(days=1),
                     timedelta(weeks=1), timedelta(seconds=7919)]),
    st.sampled_from([timedelta(0)] * 3 + [timedelta(microseconds=step) for step in (1, -1)]
                    + [timedelta(seconds=step) for step in (1, -1, 0.5)]))
exact_dates = moments.map(utc_text) | moments.map(lambda moment: utc_text(moment)[:10])
strings = (st.sampled_from(["pro", "Pro", "PRO plan", "가나", "가", "서울특별시", "a", "A", "%",
                            "_", "", "😀"])
           | st.text(CHARACTERS, max_size=3)
           | exact_dates | moments.map(lambda moment: utc_text(moment)[:13]))
numbers = (st.sampled_from([-1, 0, 1, 2, 0.5, -2.5, 1.0, 0.1, 0.30000000000000004, 1e-7])
           | st.integers(-LIMIT, LIMIT)
           | st.floats(-LIMIT, LIMIT, allow_nan=False, allow_infinity=False))
scalars = st.booleans() | numbers | strings
json_values = (scalars | scalars | st.none()
               | st.lists(scalars | st.lists(strings, max_size=2), max_size=3)
               | st.dictionaries(st.sampled_from(ATTRIBUTES), scalars, max_size=2))


def documents(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object over a few known keys, so rules often find what they look for."""
    return st.dictionaries(st.sampled_from(keys), json_values, min_size=1, max_size=4)


people = st.lists(st.fixed_dictionaries({
    "attributes": documents(ATTRIBUTES),
    "email": st.none() | strings,
    "locale": st.none() | strings,
    "created_at": moments,
    "tags": st.sets(st.sampled_from(TAGS)),
    "events": st.lists(st.tuples(st.sampled_from(EVENTS), moments, documents(PROPERTIES)),
                       max_size=4),
}), min_size=1, max_size=8)


# --- rule values drawn near the population -----------------------------------------------------


@dataclass
class Domain:
    """Where rule values come from: fresh ones, or ones found in the population and near misses."""

    strings: st.SearchStrategy[str]
    numbers: st.SearchStrategy[int | float]
    exact_dates: st.SearchStrategy[str]
    windows: st.SearchStrategy[Duration | None]

    @property
    def scalars(self) -> st.SearchStrategy[Any]:
        """Any rule scalar."""
        return st.booleans() | self.numbers | self.strings


def found_in(population: list[dict[str, Any]]) -> Domain:
    """A Domain that mixes fresh values with variants of the population's own values."""
    texts: set[str] = set()
    found_numbers: set[int | float] = set()
    for person in population:
        documents = [person["attributes"], *(props for _, _, props in person["events"])]
        _collect([*documents, person["email"], person["locale"]], texts, found_numbers)
    near_texts = [variant for text in sorted(texts) for variant in _text_variants(text)]
    near_numbers = [variant for number in sorted(found_numbers) for variant in
                    (number, -number, number + 1, int(number))]
    near_dates = [variant for person in population for variant in _date_variants(
        person["created_at"])]
    near_windows = [window for person in population for _, at, _ in person["events"]
                    for window in _window_variants(NOW - at)]
    fresh_windows = st.none() | st.builds(Duration, amount=st.integers(1, 10),
                                          unit=st.sampled_from(list(Unit)))
    return Domain(strings=_mixed(near_texts, strings), numbers=_mixed(near_numbers, numbers),
                  exact_dates=_mixed(near_dates, exact_dates),
                  windows=_mixed(near_windows, fresh_windows))


def _collect(value: Any, texts: set[str], found_numbers: set[int | float]) -> None:
    if isinstance(value, str):
        texts.add(value)
    elif is_number(value):
        found_numbers.add(value)
    elif isinstance(value, list | dict):
        for item in value.values() if isinstance(value, dict) else value:
            _collect(item, texts, found_numbers)


def _text_variants(text: str) -> list[str]:
    cuts = [text[:10], text[:13]] if is_date_text(text) else []
    return [text, text.upper(), text.lower(), text[:1], text[1:], text[:-1], *cuts]


def _date_variants(moment: datetime) -> list[str]:
    shifted = [moment + shift for shift in (timedelta(0), timedelta(seconds=1),
                                            timedelta(seconds=-1), timedelta(days=1))]
    return [text for when in shifted for text in (utc_text(when), utc_text(when)[:10])]


def _window_variants(age: timedelta) -> list[Duration]:
    """Windows that end exactly at an event of this age, or one unit either side of it."""
    found = []
    for unit in Unit:
        amount, rest = divmod(age, timedelta(**{unit.value: 1}))
        if not rest and amount >= 1:
            found += [Duration(amount=max(1, amount + step), unit=unit) for step in (-1, 0, 1)]
    return found


def _mixed(near: list[Any], fresh: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(near) | fresh if near else fresh


# --- rules -------------------------------------------------------------------------------------


def rule_values(op: Op, is_time: bool, domain: Domain) -> st.SearchStrategy[Any]:
    """Values an operator accepts (created_at takes exact dates and UTC times only)."""
    base = NEGATIONS.get(op, op)
    if base is Op.EXISTS:
        return st.none()
    if op in RELATIVE:
        return st.integers(0, 12) | st.floats(0, 12, allow_nan=False)
    if base is Op.CONTAINS:
        return domain.strings
    if base is Op.IN:
        items = domain.exact_dates if is_time else domain.scalars
        return st.lists(items, min_size=1, max_size=4)
    if op is Op.BETWEEN:
        pairs = [domain.exact_dates] if is_time else [domain.numbers, domain.strings]
        return st.one_of([st.lists(kind, min_size=2, max_size=2).map(sorted) for kind in pairs])
    if is_time:
        return domain.exact_dates
    return domain.scalars if op is Op.EQ else domain.numbers | domain.strings


@st.composite
def attr_leaves(draw, domain: Domain, fields: list[str], builtin: bool = True) -> Attr:
    """A valid `attr` leaf on one of `fields`."""
    field = draw(st.sampled_from(fields))
    is_time = builtin and field == "created_at"
    ops = [op for op in Op if not (is_time and op in (Op.CONTAINS, Op.NOT_CONTAINS))]
    op = draw(st.sampled_from(ops))
    return Attr(field=field, op=op, value=draw(rule_values(op, is_time, domain)),
                unit=draw(st.sampled_from(list(Unit))))


def event_leaves(domain: Domain) -> st.SearchStrategy[EventCount]:
    """An `event` leaf, often with a window that ends right at one of the population's events."""
    return st.builds(
        EventCount, event=st.sampled_from(EVENTS), op=st.sampled_from(list(CountOp)),
        count=st.integers(0, 3), within=domain.windows,
        where=st.lists(attr_leaves(domain, PROPERTIES, builtin=False), max_size=2))


def any_leaf(domain: Domain) -> st.SearchStrategy:
    """An `attr`, `tag` or `event` leaf."""
    tag_leaves = st.builds(HasTag, tag=st.sampled_from([*TAGS, "other"]), has=st.booleans())
    return attr_leaves(domain, FIELDS) | tag_leaves | event_leaves(domain)


def rules(domain: Domain, depth: int = 3) -> st.SearchStrategy:
    """and / or / not nested up to `depth` levels over random leaves."""
    if depth == 0:
        return any_leaf(domain)
    inner = rules(domain, depth - 1)
    return (any_leaf(domain)
            | st.lists(inner, max_size=3).map(lambda found: All(rules=found))
            | st.lists(inner, max_size=3).map(lambda found: AnyOf(rules=found))
            | inner.map(lambda found: Not(rule=found)))


@st.composite
def scenarios(draw) -> tuple[list[dict[str, Any]], list[Any]]:
    """A population, and the rules to check on it: a few nested ones and more single leaves."""
    population = draw(people)
    domain = found_in(population)
    nested = draw(st.lists(rules(domain), min_size=1, max_size=4))
    single = draw(st.lists(attr_leaves(domain, FIELDS) | event_leaves(domain),
                           min_size=2, max_size=8))
    return population, [*nested, *(leaf for rule in nested for leaf in leaves(rule)),
                        *(sibling for leaf in single for sibling in siblings(leaf))]


COUNTS = [(CountOp.GTE, 1), (CountOp.GTE, 2), (CountOp.EQ, 1), (CountOp.LT, 1),
          (CountOp.LTE, 1), (CountOp.GT, 1)]
"""Counts that tell one event more or less apart, for event-leaf siblings."""


def siblings(leaf: Attr | EventCount) -> list[Attr | EventCount]:
    """The leaf under every operator that takes its value: more checks for no more drawing."""
    if isinstance(leaf, EventCount):
        return [msgspec.structs.replace(leaf, op=op, count=count) for op, count in COUNTS]
    found = [msgspec.structs.replace(leaf, op=op) for op in Op]
    return [sibling for sibling in found if attr_problem(sibling) is None]


# --- the test ----------------------------------------------------------------------------------


def insert_people(session, population: list[dict[str, Any]]) -> list[int]:
    """Bulk-insert customers, then their tags and events; returns the new ids in order."""
    rows = [{"external_id": f"c{index}", "attributes": person["attributes"],
             "email": person["email"], "locale": person["locale"],
             "created_at": person["created_at"]} for index, person in enumerate(population)]
    ids = list(session.scalars(
        insert(customers).returning(customers.c.id, sort_by_parameter_order=True), rows))
    tags = [{"customer_id": id_, "tag": tag}
            for id_, person in zip(ids, population, strict=True) for tag in person["tags"]]
    history = [{"customer_id": id_, "name": name, "occurred_at": at, "properties": properties}
               for id_, person in zip(ids, population, strict=True)
               for name, at, properties in person["events"]]
    for table, table_rows in ((customer_tags, tags), (events, history)):
        if table_rows:
            session.execute(insert(table), table_rows)
    return ids


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=scenarios())
def test_sql_and_python_back_ends_agree(session, scenario):
    agree(session, scenario, {})


@pytest.fixture
def indexed(session) -> dict[str, IndexedColumn]:
    """Attributes with typed columns (values of every type are drawn for each)."""
    for name, kind in (("plan", "text"), ("score", "number"), ("지역", "text")):
        index_attribute(session, name, kind)
    return indexed_columns(session)


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=scenarios())
def test_indexed_attributes_agree_too(session, indexed, scenario):
    # The typed columns answer tests on values of their type, the JSON the rest: one answer.
    agree(session, scenario, indexed)


def agree(session, scenario, indexed: dict[str, IndexedColumn]) -> None:
    population, checked = scenario
    assume(not any(rule_problems(rule) for rule in checked))
    dialect = session.get_bind().dialect.name
    savepoint = session.begin_nested()
    try:
        ids = insert_people(session, population)
        profiles = load_profiles(session, ids, NOW)
        for person, id_ in zip(population, ids, strict=True):
            assert profiles[id_].attributes == person["attributes"]
        clauses = [rule_clause(rule, NOW, dialect, indexed) for rule in checked]
        rows = session.execute(select(customers.c.id, *clauses)).all()
        for column, rule in enumerate(checked, start=1):
            hits = {row[0]: row[column] for row in rows}
            assert None not in hits.values(), f"never NULL: {rule}"
            selected = {id_ for id_, hit in hits.items() if hit}
            expected = {id_ for id_, profile in profiles.items() if matches(rule, profile, NOW)}
            assert selected == expected, rule
    finally:
        savepoint.rollback()
