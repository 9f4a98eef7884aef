"""The SQL audience back end, operator family by family, on SQLite and PostgreSQL.

Expectations are worked out by hand from the semantics in nodes.kit.rules; every query is also
checked against the Python back end, its COUNT, and its negation (two-valued logic).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql

from nodes.kit.rules import Attr, Not, Op, Rule, evaluate, matches
from runtime.audience.query import (
    audience_query,
    count_audience,
    customers,
    first_page,
    load_profiles,
    rule_clause,
    rule_event_names,
)
from runtime.store.models import Customer, CustomerTag, Event

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def add(session, name: str, attributes: dict[str, Any] | None = None, *, tags=(), events=(),
        created_at: datetime = NOW - 30 * DAY, **fields: Any) -> int:
    """Insert one customer named `name` (its external id) with tags and (name, at, props) events."""
    customer = Customer(external_id=name, attributes=attributes or {}, created_at=created_at,
                        tags=[CustomerTag(tag=tag) for tag in tags], **fields)
    session.add(customer)
    session.flush()
    session.add_all(Event(customer_id=customer.id, name=event, occurred_at=at,
                          properties=properties)
                    for event, at, properties in events)
    session.flush()
    return customer.id


def people(session, attribute: str, values: dict[str, Any]) -> None:
    """One customer per name; the `attribute` is left out for values that are `...`."""
    for name, value in values.items():
        add(session, name, {} if value is ... else {attribute: value})


def leaf(field: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    """An `attr` rule as JSON."""
    found = {"type": "attr", "field": field, "op": op, **extra}
    if value is not None:
        found["value"] = value
    return found


def matching(session, data: dict[str, Any]) -> set[str]:
    """Names of the customers the SQL back end selects, after checking it against the others."""
    rule = msgspec.convert(data, Rule)
    dialect = session.get_bind().dialect.name
    everyone = dict(session.execute(select(customers.c.id, customers.c.external_id)).all())
    selected = set(session.scalars(audience_query(rule, NOW, dialect)))
    profiles = load_profiles(session, everyone, NOW)
    assert selected == {id_ for id_, profile in profiles.items() if matches(rule, profile, NOW)}
    assert count_audience(session, rule, NOW) == len(selected)
    negated = set(session.scalars(audience_query(Not(rule=rule), NOW, dialect)))
    assert negated == set(everyone) - selected
    return {everyone[id_] for id_ in selected}


def test_numbers_never_match_booleans_or_text(session):
    people(session, "n", {"one": 1, "true": True, "one_float": 1.0, "text": "1", "null": None,
                          "missing": ...})
    assert matching(session, leaf("n", "eq", 1)) == {"one", "one_float"}
    assert matching(session, leaf("n", "eq", 1.0)) == {"one", "one_float"}
    assert matching(session, leaf("n", "eq", True)) == {"true"}
    assert matching(session, leaf("n", "eq", "1")) == {"text"}
    assert matching(session, leaf("n", "ne", 1)) == {"true", "text", "null", "missing"}
    assert matching(session, leaf("n", "gte", 0)) == {"one", "one_float"}
    assert matching(session, leaf("n", "in", [1, "1"])) == {"one", "one_float", "text"}
    assert matching(session, leaf("n", "not_in", [True])) == {
        "one", "one_float", "text", "null", "missing"}


def test_false_is_not_zero(session):
    people(session, "flag", {"zero": 0, "false": False, "true": True})
    assert matching(session, leaf("flag", "eq", False)) == {"false"}
    assert matching(session, leaf("flag", "eq", 0)) == {"zero"}
    assert matching(session, leaf("flag", "in", [False, True])) == {"false", "true"}


def test_missing_and_null_with_negations(session):
    people(session, "plan", {"pro": "pro", "free": "free", "null": None, "missing": ...,
                             "list": ["pro"]})
    assert matching(session, leaf("plan", "exists")) == {"pro", "free", "list"}
    assert matching(session, leaf("plan", "not_exists")) == {"null", "missing"}
    assert matching(session, leaf("plan", "ne", "pro")) == {"free", "null", "missing", "list"}
    assert matching(session, leaf("plan", "not_in", ["pro", "free"])) == {
        "null", "missing", "list"}
    assert matching(session, leaf("plan", "not_contains", "pr")) == {
        "free", "null", "missing", "list"}


def test_number_ordering_and_float_precision(session):
    people(session, "score", {"neg": -2, "half": 0.5, "three": 3, "big": 10**12,
                              "sum": 0.1 + 0.2, "text": "5", "true": True})
    assert matching(session, leaf("score", "gt", 0)) == {"half", "three", "big", "sum"}
    assert matching(session, leaf("score", "between", [0, 3])) == {"half", "three", "sum"}
    assert matching(session, leaf("score", "lte", 0.5)) == {"neg", "half", "sum"}
    # 0.1 + 0.2 is 0.30000000000000004: above 0.3, never equal to it.
    assert matching(session, leaf("score", "eq", 0.3)) == set()
    assert matching(session, leaf("score", "gt", 0.3)) == {"half", "three", "big", "sum"}
    assert matching(session, leaf("score", "eq", 0.30000000000000004)) == {"sum"}
    assert matching(session, leaf("score", "lt", 10**12)) == {"neg", "half", "three", "sum"}


def test_text_orders_by_code_point(session):
    people(session, "name", {"apple": "apple", "Banana": "Banana", "가나": "가나",
                             "zebra": "zebra", "éclair": "éclair", "smile": "😀", "empty": ""})
    assert matching(session, leaf("name", "lt", "a")) == {"Banana", "empty"}
    assert matching(session, leaf("name", "gt", "z")) == {"zebra", "가나", "éclair", "smile"}
    assert matching(session, leaf("name", "gte", "가")) == {"가나", "smile"}
    assert matching(session, leaf("name", "between", ["B", "b"])) == {"Banana", "apple"}


def test_korean_text_tags_and_events(session):
    add(session, "seoul", {"지역": "서울"}, tags=["휴면"],
        events=[("구매", NOW - DAY, {"상품": "김치"})])
    add(session, "busan", {"지역": "부산"})
    add(session, "seoul_city", {"지역": "서울특별시"})
    assert matching(session, leaf("지역", "eq", "서울")) == {"seoul"}
    assert matching(session, leaf("지역", "contains", "서울")) == {"seoul", "seoul_city"}
    assert matching(session, leaf("지역", "gt", "부산")) == {"seoul", "seoul_city"}  # 부 < 서
    assert matching(session, {"type": "tag", "tag": "휴면"}) == {"seoul"}
    assert matching(session, {"type": "event", "event": "구매",
                              "where": [leaf("상품", "eq", "김치")]}) == {"seoul"}


def test_dates_compare_at_the_rule_values_precision(session):
    people(session, "signed_up", {
        "morning": "2024-05-01T09:30:00Z", "midnight": "2024-05-01T23:59:59Z",
        "next_day": "2024-05-02T00:00:00Z", "day_before": "2024-04-30", "day_only": "2024-05-01",
        "not_a_date": "not a date", "number": 20240501})
    assert matching(session, leaf("signed_up", "eq", "2024-05-01")) == {
        "morning", "midnight", "day_only"}
    # Any text compares as text: "not a date" sorts after "2024-05-01".
    assert matching(session, leaf("signed_up", "gt", "2024-05-01")) == {"next_day", "not_a_date"}
    assert matching(session, leaf("signed_up", "lt", "2024-05-01")) == {"day_before"}
    assert matching(session, leaf("signed_up", "eq", "2024-05-01T09:30:00Z")) == {"morning"}
    assert matching(session, leaf("signed_up", "lte", "2024-05-01T09:30:00Z")) == {
        "morning", "day_before", "day_only"}
    assert matching(session, leaf("signed_up", "between", ["2024-04-30", "2024-05-01"])) == {
        "morning", "midnight", "day_before", "day_only"}
    assert matching(session, leaf("signed_up", "in", ["2024-05-02", "2024-04-30"])) == {
        "next_day", "day_before"}


def test_relative_dates(session):
    people(session, "seen", {"yesterday": "2024-05-09T08:00:00Z", "week": "2024-05-03T12:00:00Z",
                             "april": "2024-04-01", "future": "2024-05-12",
                             "half_hour": "2024-05-10T11:30:00Z", "number": 5})
    assert matching(session, leaf("seen", "within_last", 7)) == {"yesterday", "week", "half_hour"}
    assert matching(session, leaf("seen", "more_than_ago", 7)) == {"april"}
    assert matching(session, leaf("seen", "within_next", 3)) == {"future", "half_hour"}
    assert matching(session, leaf("seen", "within_last", 1, unit="hours")) == {"half_hour"}
    assert matching(session, leaf("seen", "within_last", 1, unit="weeks")) == {
        "yesterday", "week", "half_hour"}


def test_created_at_is_a_time_compared_like_its_utc_text(session):
    for name, at in {"morning": datetime(2024, 5, 1, 9, 30, 0, 250_000, tzinfo=UTC),
                     "late": datetime(2024, 5, 1, 23, 59, 59, 999_999, tzinfo=UTC),
                     "next_day": datetime(2024, 5, 2, tzinfo=UTC),
                     "day_before": datetime(2024, 4, 30, 12, tzinfo=UTC)}.items():
        add(session, name, created_at=at)
    assert matching(session, leaf("created_at", "eq", "2024-05-01")) == {"morning", "late"}
    assert matching(session, leaf("created_at", "gt", "2024-05-01")) == {"next_day"}
    assert matching(session, leaf("created_at", "lt", "2024-05-01")) == {"day_before"}
    assert matching(session, leaf("created_at", "lte", "2024-05-01")) == {
        "morning", "late", "day_before"}
    assert matching(session, leaf("created_at", "eq", "2024-05-01T09:30:00Z")) == {"morning"}
    assert matching(session, leaf("created_at", "gt", "2024-05-01T09:30:00Z")) == {
        "late", "next_day"}
    assert matching(session, leaf("created_at", "lte", "2024-05-01T09:30:00Z")) == {
        "morning", "day_before"}
    assert matching(session, leaf("created_at", "in", ["2024-04-30", "2024-05-02T00:00:00Z"])) \
        == {"day_before", "next_day"}
    assert matching(session, leaf("created_at", "more_than_ago", 9)) == {"day_before"}
    assert matching(session, leaf("created_at", "within_last", 10)) == {
        "morning", "late", "next_day", "day_before"}
    assert matching(session, leaf("created_at", "not_exists")) == set()


def test_contains_on_text_and_lists(session):
    people(session, "bio", {"text": "I like Kimchi", "upper": "KIMCHI",
                            "list": ["kimchi", "bulgogi"], "nested": ["x", ["kimchi"]],
                            "mixed": ["kimchi", 1], "number": 5, "percent": "100%_off",
                            "empty_list": [], "missing": ...})
    assert matching(session, leaf("bio", "contains", "kimchi")) == {"list", "mixed"}
    assert matching(session, leaf("bio", "contains", "Kim")) == {"text"}
    assert matching(session, leaf("bio", "contains", "%")) == {"percent"}  # no LIKE wildcards
    assert matching(session, leaf("bio", "contains", "_")) == {"percent"}
    assert matching(session, leaf("bio", "contains", "")) == {"text", "upper", "percent"}
    assert matching(session, leaf("bio", "not_contains", "kimchi")) == {
        "text", "upper", "nested", "number", "percent", "empty_list", "missing"}


def test_builtin_fields_are_columns(session):
    add(session, "ann", {"email": "shadowed@example.com"}, email="ann@example.com", locale="ko-KR")
    add(session, "bob", email="bob@test.org", locale="en-US", phone="+821012345678")
    add(session, "cyd")
    assert matching(session, leaf("email", "contains", "@example")) == {"ann"}
    assert matching(session, leaf("email", "eq", "shadowed@example.com")) == set()
    assert matching(session, leaf("email", "exists")) == {"ann", "bob"}
    assert matching(session, leaf("phone", "not_exists")) == {"ann", "cyd"}
    assert matching(session, leaf("locale", "in", ["ko-KR", "ja-JP"])) == {"ann"}
    assert matching(session, leaf("email", "eq", 1)) == set()
    assert matching(session, leaf("email", "ne", 1)) == {"ann", "bob", "cyd"}
    assert matching(session, leaf("external_id", "gte", "b")) == {"bob", "cyd"}


def test_tags(session):
    add(session, "vip", tags=["vip", "new"])
    add(session, "new", tags=["new"])
    add(session, "none")
    assert matching(session, {"type": "tag", "tag": "vip"}) == {"vip"}
    assert matching(session, {"type": "tag", "tag": "new", "has": False}) == {"none"}
    assert matching(session, {"type": "tag", "tag": "VIP"}) == set()


def test_event_counts_windows_and_filters(session):
    add(session, "often", events=[("buy", NOW - DAY, {}), ("buy", NOW - 3 * DAY, {}),
                                  ("buy", NOW - 10 * DAY, {}), ("buy", NOW + DAY, {}),
                                  ("open", NOW - DAY, {})])
    add(session, "once", events=[("buy", NOW - 7 * DAY, {"amount": 50, "sku": "A-1"})])
    add(session, "edge", events=[("buy", NOW, {"amount": True, "sku": ["A-1", "B-2"]})])
    add(session, "never")
    buy = {"type": "event", "event": "buy"}
    assert matching(session, buy) == {"often", "once", "edge"}
    assert matching(session, {**buy, "count": 3}) == {"often"}  # the future one does not count
    assert matching(session, {**buy, "op": "eq", "count": 0}) == {"never"}
    assert matching(session, {**buy, "op": "lt", "count": 2}) == {"once", "edge", "never"}
    assert matching(session, {**buy, "op": "lte", "count": 0}) == {"never"}
    assert matching(session, {**buy, "op": "gt", "count": 2}) == {"often"}
    week = {**buy, "within": {"amount": 7, "unit": "days"}}
    assert matching(session, {**week, "count": 2}) == {"often"}
    assert matching(session, {**week, "op": "eq", "count": 1}) == {"once", "edge"}
    assert matching(session, {**buy, "within": {"amount": 167, "unit": "hours"}}) == {
        "often", "edge"}
    assert matching(session, {**buy, "where": [leaf("amount", "gt", 40)]}) == {"once"}
    assert matching(session, {**buy, "where": [leaf("amount", "eq", 1)]}) == set()
    assert matching(session, {**buy, "where": [leaf("sku", "contains", "A-1")]}) == {
        "once", "edge"}
    assert matching(session, {**buy, "op": "gt", "count": 0,
                              "where": [leaf("sku", "not_exists")]}) == {"often"}


def test_nested_logic_is_two_valued(session):
    add(session, "pro_kr", {"plan": "pro", "country": "KR"})
    add(session, "pro", {"plan": "pro"})
    add(session, "nothing")
    plan_pro, country_kr = leaf("plan", "eq", "pro"), leaf("country", "eq", "KR")
    assert matching(session, {"type": "not", "rule": plan_pro}) == {"nothing"}
    assert matching(session, {"type": "not", "rule": country_kr}) == {"pro", "nothing"}
    assert matching(session, {"type": "and", "rules": []}) == {"pro_kr", "pro", "nothing"}
    assert matching(session, {"type": "or", "rules": []}) == set()
    assert matching(session, {"type": "not", "rule": {"type": "or", "rules": []}}) == {
        "pro_kr", "pro", "nothing"}
    assert matching(session, {"type": "and", "rules": [
        plan_pro, {"type": "not", "rule": country_kr}]}) == {"pro"}
    assert matching(session, {"type": "or", "rules": [
        {"type": "not", "rule": plan_pro},
        {"type": "and", "rules": [country_kr, {"type": "not", "rule": leaf("plan", "exists")}]},
    ]}) == {"nothing"}


def test_first_page_pages_by_id_and_count_is_separate(session):
    ids = [add(session, f"c{number}", {"n": number}) for number in range(7)]
    rule = msgspec.convert(leaf("n", "gte", 2), Rule)
    assert count_audience(session, rule, NOW) == 5
    assert first_page(session, rule, NOW, limit=2) == ids[2:4]
    assert first_page(session, rule, NOW, limit=2, after_id=ids[3]) == ids[4:6]
    assert first_page(session, rule, NOW, limit=20, after_id=ids[6]) == []


def test_load_profiles_reads_everything_in_one_batch(session):
    first = add(session, "ann", {"plan": "pro"}, tags=["vip"], email="ann@example.com",
                events=[("buy", NOW - DAY, {"sku": "A"}), ("open", NOW - DAY, {}),
                        ("buy", NOW + DAY, {})])
    second = add(session, "bob")
    profiles = load_profiles(session, [first, second, first], NOW)
    assert set(profiles) == {first, second}
    ann = profiles[first]
    assert (ann.external_id, ann.email, ann.attributes, ann.tags) == (
        "ann", "ann@example.com", {"plan": "pro"}, frozenset({"vip"}))
    assert [(event.name, event.occurred_at, dict(event.properties)) for event in ann.events] == [
        ("buy", NOW - DAY, {"sku": "A"}), ("open", NOW - DAY, {})]
    only_buy = load_profiles(session, [first], NOW, event_names=["buy"])[first]
    assert [event.name for event in only_buy.events] == ["buy"]
    assert load_profiles(session, [first], NOW, event_names=[])[first].events == ()
    assert profiles[second].tags == frozenset() and profiles[second].events == ()
    rule = msgspec.convert({"type": "or", "rules": [
        {"type": "event", "event": "buy"},
        {"type": "not", "rule": {"type": "event", "event": "open"}}]}, Rule)
    assert rule_event_names(rule) == {"buy", "open"}


def test_a_non_matching_customer_is_told_which_clause_failed(session):
    customer = add(session, "ann", {"plan": "free", "country": "KR"})
    rule = msgspec.convert({"type": "and", "rules": [
        leaf("country", "eq", "KR"), leaf("plan", "eq", "pro"), {"type": "tag", "tag": "vip"}]},
        Rule)
    assert customer not in set(session.scalars(
        audience_query(rule, NOW, session.get_bind().dialect.name)))
    verdict = evaluate(rule, load_profiles(session, [customer], NOW)[customer], NOW)
    assert not verdict.matched
    assert [leaf.reason for leaf in verdict.failed_leaves()] == [
        "plan is 'free'; wanted: plan equals 'pro'", "does not have tag 'vip'"]


def test_invalid_rules_and_names_are_refused(dialect):
    with pytest.raises(ValueError, match="true/false"):
        rule_clause(msgspec.convert(leaf("n", "lt", True), Rule), NOW, dialect)
    with pytest.raises(ValueError, match="not an attribute name"):
        rule_clause(Attr(field='x"); drop', op=Op.EXISTS), NOW, dialect)  # skips validation
    with pytest.raises(ValueError, match="mysql"):
        rule_clause(Attr(field="n", op=Op.EXISTS), NOW, "mysql")


def test_postgres_orders_text_by_code_point_whatever_the_database_locale():
    # The test database may be C.UTF-8 already, so check that the SQL asks for it explicitly.
    rule = msgspec.convert(leaf("name", "lt", "a"), Rule)
    sql = str(audience_query(rule, NOW, "postgresql").compile(dialect=postgresql.dialect()))
    assert 'COLLATE "C"' in sql


def _plan(session, rule: Rule) -> str:
    """The query plan of the rule's audience query, as one line of text."""
    dialect = session.get_bind().dialect
    sql = audience_query(rule, NOW, dialect.name).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
    return " ".join(str(row) for row in session.execute(text(explain + str(sql))))


def test_an_index_serves_attribute_equality(session, dialect):
    # SQLite: the JSON path must be SQL text, not a bound parameter, or the planner cannot match
    # an expression index. PostgreSQL: `eq` / `in` are `attributes @> {...}`, which the GIN
    # index of migration 0006 serves for any key.
    if dialect == "sqlite":
        session.execute(text(
            """CREATE INDEX ix_plan ON customers (json_extract(attributes, '$."plan"'))"""))
        index = "ix_plan"
    else:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        index = "ix_customers_attributes"
    assert index in _plan(session, msgspec.convert(leaf("plan", "in", ["pro", "basic"]), Rule))
    assert index in _plan(session, msgspec.convert(leaf("plan", "eq", "pro"), Rule))


def test_date_rules_are_ranges_an_index_on_the_text_serves(session, dialect):
    # A date-like value compares the text cut to its length; the SQL says so as a range on the
    # whole text (no substr per row), so an expression index on the text is used.
    if dialect == "sqlite":
        index = """CREATE INDEX ix_seen ON customers (json_extract(attributes, '$."seen"'))"""
    else:
        index = """CREATE INDEX ix_seen ON customers (((attributes ->> 'seen') COLLATE "C"))"""
        session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text(index))
    for rule in (leaf("seen", "within_last", 30), leaf("seen", "eq", "2024-05-01"),
                 leaf("seen", "gt", "2024-05-01T09:30:00Z")):
        converted = msgspec.convert(rule, Rule)
        assert "substr" not in str(audience_query(converted, NOW, dialect)).lower()
        assert "ix_seen" in _plan(session, converted)


def test_postgres_writes_equality_as_containment_and_number_orderings_as_json_paths():
    def sql(data: dict[str, Any]) -> str:
        rule = msgspec.convert(data, Rule)
        return str(audience_query(rule, NOW, "postgresql").compile(dialect=postgresql.dialect()))

    assert "@>" in sql(leaf("plan", "eq", "pro")) and "->>" not in sql(leaf("plan", "eq", "pro"))
    assert sql(leaf("plan", "in", ["pro", 1, True])).count("@>") == 3
    assert "jsonb_path_match" in sql(leaf("score", "between", [1, 5]))
    assert "@>" not in sql(leaf("seen", "eq", "2024-05-01"))  # date-like: a range on the text


def test_every_type_against_every_fast_form(session):
    # The containment and JSON-path forms (PostgreSQL) and the ranges for dates (both) against
    # values of every JSON type, missing and null: `matching` holds each to the Python back end,
    # its COUNT and its negation.
    people(session, "v", {
        "missing": ..., "null": None, "text": "5", "five": 5, "five_float": 5.0, "big": 5e20,
        "tiny": 1e-7, "neg": -5, "true": True, "false": False, "list": [5, "5"],
        "nested": {"v": 5}, "date": "2024-05-01T09:30:00Z", "day": "2024-05-01",
        "empty": "", "list_of_date": ["2024-05-01"]})
    everyone = {"missing", "null", "text", "five", "five_float", "big", "tiny", "neg", "true",
                "false", "list", "nested", "date", "day", "empty", "list_of_date"}
    assert matching(session, leaf("v", "eq", 5)) == {"five", "five_float"}
    assert matching(session, leaf("v", "eq", "5")) == {"text"}
    assert matching(session, leaf("v", "eq", 5e20)) == {"big"}
    assert matching(session, leaf("v", "eq", 1e-7)) == {"tiny"}
    assert matching(session, leaf("v", "eq", False)) == {"false"}
    assert matching(session, leaf("v", "ne", 5)) == everyone - {"five", "five_float"}
    assert matching(session, leaf("v", "in", [5, "5", True, "2024-05-01"])) == {
        "five", "five_float", "text", "true", "date", "day"}
    assert matching(session, leaf("v", "not_in", [5, "5"])) == everyone - {
        "five", "five_float", "text"}
    assert matching(session, leaf("v", "gte", 5)) == {"five", "five_float", "big"}
    assert matching(session, leaf("v", "lt", 0)) == {"neg"}
    assert matching(session, leaf("v", "between", [-5, 1e-7])) == {"neg", "tiny"}
    assert matching(session, leaf("v", "gt", "2024-05-01")) == {"text"}  # "5" > "2"
    assert matching(session, leaf("v", "gte", "2024-05-01")) == {"date", "day", "text"}
    assert matching(session, leaf("v", "lte", "2024-05-01")) == {"date", "day", "empty"}
    assert matching(session, leaf("v", "lt", "2024-05-01T09:30:00Z")) == {"day", "empty"}
    assert matching(session, leaf("v", "eq", "2024-05-01T09:30")) == {"date"}
    assert matching(session, leaf("v", "more_than_ago", 1)) == {"date", "day", "empty"}


def test_postgres_counts_an_event_window_from_the_events_index(session, dialect):
    if dialect != "postgresql":
        pytest.skip("the window index is PostgreSQL's (migration 0007)")
    for number in range(200):
        add(session, f"c{number}", events=[("buy", NOW - (number % 40) * DAY, {})])
    session.execute(text("ANALYZE customers, events"))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    rule = msgspec.convert({"type": "event", "event": "buy",
                            "within": {"amount": 7, "unit": "days"}}, Rule)
    assert "ix_events_name_occurred_at" in _plan(session, rule)
    assert count_audience(session, rule, NOW) == 200 * 8 // 40
