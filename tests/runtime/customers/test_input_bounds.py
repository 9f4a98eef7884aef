"""Bounds on what customers send: sizes and depths of objects, times events and consents carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runtime.customers.csv_import import Columns, RowError
from runtime.customers.fields import FieldError
from runtime.customers.input_bounds import (
    MAX_ENCODED_BYTES,
    MAX_KEYS,
    MAX_LISTED,
    MAX_STRING_LENGTH,
    growth_problem,
    parse_instant,
    value_problems,
)
from runtime.customers.records import CustomerPatch, Outcome, upsert_customers
from runtime.errors import InvalidInputError

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)


def deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def test_a_sensible_object_has_no_problems():
    order = {"order": {"items": [{"sku": "A-1", "options": {"color": "red"}}], "total": 12000},
             "note": "x" * MAX_STRING_LENGTH, **{f"k{index}": index for index in range(150)}}
    assert value_problems("properties", order) == []


def test_every_bound_broken_is_named_with_its_field():
    problems = value_problems("attributes", {
        "bio": "x" * (MAX_STRING_LENGTH + 1), "k" * 65: 1, "tree": deep(6),
        "wide": {f"k{index}": 1 for index in range(MAX_KEYS + 1)}})
    assert [problem.field for problem in problems] == [
        "attributes.bio", "attributes." + "k" * 64 + "…", "attributes.tree.a.a.a.a.a",
        "attributes.wide"]
    assert "4,000" in problems[0].message and "5 levels" in problems[2].message


def test_size_is_measured_as_json_once_the_value_is_known_to_be_shallow():
    [problem] = value_problems("payload", {f"k{index}": "x" * 3000 for index in range(12)})
    assert problem.field == "payload" and "32 KiB" in problem.message
    assert value_problems("payload", {"k": "x" * 3000}) == []


def test_a_value_nested_100_000_deep_is_measured_without_recursion():
    [problem] = value_problems("properties", deep(100_000))
    assert problem.field.startswith("properties.a.a")


def test_thousands_of_problems_are_listed_up_to_a_limit():
    problems = value_problems("properties", {f"k{index}": "x" * 5000 for index in range(100)})
    assert len(problems) == MAX_LISTED + 1 and "81 more" in problems[-1].message  # and the size


@pytest.mark.parametrize("text", ["2026-12-06T10:00:00+09:00", "2026-12-06T01:00:00Z",
                                  "2026-12-06 01:00:00z", "2026-12-06T01:00:00.123+00:00"])
def test_times_with_an_offset_are_read(text):
    assert parse_instant("occurred_at", text, NOW) == datetime(2026, 12, 6, 1, 0, tzinfo=UTC) \
        or parse_instant("occurred_at", text, NOW).microsecond == 123_000


@pytest.mark.parametrize(("text", "says"), [
    ("0", "is not a time"), ("1700000000", "is not a time"), ("2026-12-06", "is not a time"),
    ("yesterday", "is not a time"), ("2026-12-06T10:00:00", "has no offset"),
    ("1970-01-01T00:00:00Z", "before 2000"), ("2026-12-07T01:00:00Z", "in the future")])
def test_other_times_are_refused_saying_why(text, says):
    with pytest.raises(FieldError) as refused:
        parse_instant("occurred_at", text, NOW)
    assert refused.value.field == "occurred_at" and says in refused.value.message


def test_a_little_clock_drift_is_allowed():
    ahead = (NOW + timedelta(minutes=4)).isoformat()
    assert parse_instant("occurred_at", ahead, NOW) == NOW + timedelta(minutes=4)


def test_a_profile_may_not_grow_past_the_bounds_but_may_shrink_or_stay():
    full = {f"k{index}": index for index in range(MAX_KEYS)}
    assert "201 attributes" in growth_problem(full, {**full, "one_more": 1})
    over = {**full, "legacy": 1}
    assert growth_problem(over, {**over, "legacy": 2}) is None  # changes, does not grow
    assert growth_problem(over, full) is None
    big = {f"k{index}": "x" * 3000 for index in range(10)}
    assert "KiB" in growth_problem(big, {**big, "more": "x" * 3000})


def test_an_upsert_that_would_grow_a_profile_too_far_is_refused_and_writes_nothing(session):
    full = {f"k{index}": index for index in range(MAX_KEYS)}
    done = upsert_customers(session, [CustomerPatch("c1", attributes=full)], NOW, "api")
    assert done["c1"].outcome is Outcome.CREATED
    grown = CustomerPatch("c1", fields={"email": "a@example.com"}, attributes={"extra": 1},
                          tags_add={"vip"})
    refused = upsert_customers(session, [grown], NOW, "api")["c1"]
    assert refused.outcome is Outcome.REFUSED and "201 attributes" in refused.problem
    shrunk = CustomerPatch("c1", attributes={"k0": None, "extra": 1})
    assert upsert_customers(session, [shrunk], NOW, "api")["c1"].outcome is Outcome.UPDATED


def test_csv_cells_and_rows_are_bounded_and_the_header_too():
    columns = Columns(["external_id", "note", *(f"a{index}" for index in range(10))])
    with pytest.raises(RowError) as refused:
        columns.patch(["c1", "x" * (MAX_STRING_LENGTH + 1), *[""] * 10], None)
    assert refused.value.fields == ["attributes.note"]
    wide = ["c1", "x", *["y" * 3900] * 10]
    with pytest.raises(RowError) as refused:
        columns.patch(wide, None)
    assert refused.value.fields == ["attributes"] and "32 KiB" in str(refused.value)
    assert len(columns.patch(["c1", "x", *["y" * 100] * 10], None).attributes) == 11
    with pytest.raises(InvalidInputError) as header:
        Columns(["external_id", *(f"a{index}" for index in range(MAX_KEYS + 1))])
    assert "201 attribute columns" in header.value.issues[0]["message"]
    assert MAX_ENCODED_BYTES == 32 * 1024
