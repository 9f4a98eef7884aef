"""Indexed attributes: typed columns the database computes from the JSON, used by rules.

The agreement property test (test_audience_agreement) holds rules on indexed attributes to the
Python back end; these tests show the column is really used and indexed, follows every write,
and that bad requests are refused with what to fix.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from nodes.kit.rules import Rule
from runtime.audience.indexed_attributes import (
    MOST_INDEXED,
    count_holders,
    drop_attribute_index,
    index_attribute,
    indexed_columns,
)
from runtime.audience.query import count_audience, customers, first_page, session_clause
from runtime.customers.records import CustomerPatch, upsert_customers
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from tests.runtime.audience.test_query import add, leaf
from tests.runtime.harness import truncate

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


def rule(data) -> Rule:
    return msgspec.convert(data, Rule)


def names(session, data) -> set[str]:
    """External ids of the customers the rule selects (count and page agree with it)."""
    found = set(session.scalars(select(customers.c.external_id).where(
        session_clause(session, rule(data), NOW))))
    assert count_audience(session, rule(data), NOW) == len(found)
    assert len(first_page(session, rule(data), NOW, limit=100)) == len(found)
    return found


def test_rules_read_the_typed_column_and_the_json_for_other_types(session):
    for name, value in {"n5": 5, "n7.5": 7.5, "t5": "5", "yes": True, "list": [5],
                        "none": None}.items():
        add(session, name, {"score": value})
    add(session, "missing")
    before = {data["op"]: names(session, data) for data in (
        leaf("score", "gte", 5), leaf("score", "eq", "5"), leaf("score", "eq", True),
        leaf("score", "ne", 5), leaf("score", "in", [5, "5"]), leaf("score", "exists"))}
    column = index_attribute(session, "score", "number")
    sql = str(session_clause(session, rule(leaf("score", "gte", 5)), NOW).compile(
        session.get_bind()))
    assert column.column in sql and "attributes" not in sql  # the column alone answers it
    after = {data["op"]: names(session, data) for data in (
        leaf("score", "gte", 5), leaf("score", "eq", "5"), leaf("score", "eq", True),
        leaf("score", "ne", 5), leaf("score", "in", [5, "5"]), leaf("score", "exists"))}
    assert after == before
    assert after["gte"] == {"n5", "n7.5"} and after["eq"] == {"yes"}
    assert after["in"] == {"n5", "t5"}
    assert count_holders(session, column) == 2


def test_the_column_follows_every_write(session):
    column = index_attribute(session, "country", "text")
    upsert_customers(session, [CustomerPatch("a", attributes={"country": "KR"}),
                               CustomerPatch("b", attributes={"country": 82})], NOW, "api")
    korea = leaf("country", "eq", "KR")
    assert names(session, korea) == {"a"}
    upsert_customers(session, [CustomerPatch("a", attributes={"country": None}),
                               CustomerPatch("b", attributes={"country": "KR"})], NOW, "api")
    assert names(session, korea) == {"b"}
    values = dict(session.execute(text(
        f"SELECT external_id, {column.column} FROM customers")).all())
    assert values == {"a": None, "b": "KR"}


def test_an_index_serves_a_selective_rule(session, dialect):
    column = index_attribute(session, "score", "number")
    clause = session_clause(session, rule(leaf("score", "eq", 99)), NOW)
    sql = select(customers.c.id).where(clause).compile(
        session.get_bind(), compile_kwargs={"literal_binds": True})
    if dialect == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))
        explain = "EXPLAIN "
    else:
        explain = "EXPLAIN QUERY PLAN "
    plan = " ".join(str(row) for row in session.execute(text(explain + str(sql))))
    assert f"ix_customers_{column.column}" in plan


def test_text_columns_order_by_code_point(session):
    for name in ("a", "B", "가", "é"):
        add(session, name, {"city": name})
    index_attribute(session, "city", "text")
    assert names(session, leaf("city", "gt", "Z")) == {"a", "가", "é"}
    assert names(session, leaf("city", "lt", "a")) == {"B"}


def test_dropping_keeps_every_value_in_the_json(session):
    add(session, "a", {"score": 5})
    index_attribute(session, "score", "number")
    drop_attribute_index(session, "score")
    assert indexed_columns(session) == {}
    assert names(session, leaf("score", "eq", 5)) == {"a"}
    # It can be indexed again, as another kind.
    index_attribute(session, "score", "text")
    assert names(session, leaf("score", "eq", 5)) == {"a"}


def test_bad_requests_say_what_to_fix(session):
    with pytest.raises(InvalidInputError) as bad:
        index_attribute(session, "9lives", "date")
    assert [issue["field"] for issue in bad.value.issues] == ["name", "kind"]
    with pytest.raises(InvalidInputError, match="email"):
        index_attribute(session, "email", "text")
    index_attribute(session, "plan", "text")
    with pytest.raises(WrongStateError, match="already indexed, as text"):
        index_attribute(session, "plan", "number")
    with pytest.raises(NotFoundError):
        drop_attribute_index(session, "nothing")
    for number in range(MOST_INDEXED - 1):
        index_attribute(session, f"a{number}", "number")
    with pytest.raises(WrongStateError, match=f"At most {MOST_INDEXED}"):
        index_attribute(session, "one_more", "text")


def test_indexing_again_as_the_same_kind_changes_nothing(session):
    first = index_attribute(session, "plan", "text")
    assert index_attribute(session, "plan", "text") == first
    assert list(indexed_columns(session)) == ["plan"]


def test_a_column_in_use_is_not_dropped_under_a_query(engine, dialect):
    # PostgreSQL: rules read the indexed attributes with the customers table locked for
    # reading, so a drop waits for them (at most LOCK_WAIT) instead of breaking their query.
    if dialect != "postgresql":
        pytest.skip("SQLite has one writer and consistent reads: nothing to race")
    truncate(engine)
    try:
        with Session(engine) as writer, writer.begin():
            index_attribute(writer, "score", "number")
        with Session(engine) as reader, reader.begin():
            clause = session_clause(reader, rule(leaf("score", "gte", 5)), NOW)
            with Session(engine) as operator, pytest.raises(WrongStateError,
                                                            match="stayed busy"):
                drop_attribute_index(operator, "score")
            assert reader.scalar(select(func.count()).select_from(customers)
                                 .where(clause)) == 0
        with Session(engine) as operator, operator.begin():
            drop_attribute_index(operator, "score")
    finally:
        truncate(engine)
