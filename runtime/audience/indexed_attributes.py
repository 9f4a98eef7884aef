"""Indexed attributes: custom attributes kept also in a typed, indexed column of customers.

A rule on a custom attribute reads it out of each customer's JSON document; on PostgreSQL that
costs about as much per test as reading the row, so a broad audience over a million customers
("country KR and score ≥ 50") takes longer than a preview should. An operator names the
attributes audiences filter on often, each with the JSON type it holds ("text" or "number").
Each gets a generated column `attr_<id>` that the database computes from the JSON, so nothing
that writes customers changes and the column can never disagree with the document, and a
B-tree index on it. Rules then compare values of that type on the column (`IndexedKey`); a
value of another type is still found in the JSON, so the rule language's semantics stay exactly
the same (tests/runtime/audience/test_audience_agreement.py holds both to the Python back end).

Adding one rewrites the customers table on PostgreSQL (a STORED column) and builds an index,
holding the table meanwhile, then vacuums it (`settle`): seconds per million customers, so it
is an operator's action. SQLite computes the column on read (VIRTUAL, the only kind it can add)
and keeps its index. Migrations leave these columns alone (migrations/env.py), but one that
rebuilds customers on SQLite (a batch migration) must add them back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    JSON,
    ColumnElement,
    Engine,
    Numeric,
    Text,
    case,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from nodes.kit.profile import BUILTIN_FIELDS
from nodes.kit.rules import Op, Scalar, is_number
from runtime.audience.values import ATTRIBUTE_KEY, JsonKey, Value
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.store.models import Customer, IndexedAttribute

KINDS = {"text": "string", "number": "number"}
"""The kinds an indexed attribute can hold, and the JSON type each stands for."""

MOST_INDEXED = 20
"""At most this many indexed attributes: each column costs every write of a customer a little."""

LOCK_WAIT = "5s"
"""How long adding or dropping a column waits for the customers table (PostgreSQL): longer, and
every worker and API call would queue behind it; the operator is asked to try again instead."""

_COLUMN = re.compile(r"attr_\d+")


@dataclass(frozen=True)
class IndexedColumn:
    """An indexed attribute as rules use it: its name, kind and column of customers."""

    name: str
    kind: str
    column: str

    @property
    def json_type(self) -> str:
        """The JSON type of the values the column holds ("string" or "number")."""
        return KINDS[self.kind]

    def sql(self) -> ColumnElement:
        """The column, in a query over customers."""
        return literal_column(f"customers.{self.column}", Text if self.kind == "text" else Numeric)


class IndexedKey(JsonKey):
    """A key of customers.attributes that also has a typed column: the column answers every
    test on values of its type, a plain comparison per row that its B-tree index serves; the
    JSON answers the rest (a rule value of another type, booleans, lists, presence)."""

    def __init__(self, document: ColumnElement, indexed: IndexedColumn, dialect: str) -> None:
        super().__init__(document, indexed.name, dialect)
        self.typed, self.json_type = indexed.sql(), indexed.json_type

    def is_kind(self, kind: str) -> ColumnElement[bool]:
        # The column is not NULL exactly when the JSON holds a value of its type.
        return self.typed.is_not(None) if kind == self.json_type else super().is_kind(kind)

    def text(self) -> ColumnElement[str]:
        return self.typed if self.json_type == "string" else super().text()

    def number(self) -> ColumnElement[Decimal]:
        return self.typed if self.json_type == "number" else super().number()

    # For values of the column's type, the generic forms of `Value` (type guard and plain
    # comparison, through is_kind/text/number above) instead of JsonKey's JSON-only shortcuts
    # (containment, SQL/JSON paths), which would read the document again.

    def equal(self, wanted: Scalar) -> ColumnElement[bool]:
        return Value.equal(self, wanted) if self._typed(wanted) else super().equal(wanted)

    def equal_any(self, wanted: Sequence[Scalar]) -> ColumnElement[bool]:
        typed = [item for item in wanted if self._typed(item)]
        others = [item for item in wanted if not self._typed(item)]
        parts = [Value.equal_any(self, typed)] if typed else []
        if others:
            parts.append(super().equal_any(others))
        return or_(false(), *parts)

    def _numbers_within(self, bounds: Sequence[tuple[Op, Scalar]]) -> ColumnElement[bool]:
        if self.json_type == "number":
            return Value._numbers_within(self, bounds)
        return super()._numbers_within(bounds)

    def _typed(self, wanted: Scalar) -> bool:
        if self.json_type == "number":
            return is_number(wanted) and math.isfinite(wanted)
        return isinstance(wanted, str)


def indexed_columns(session: Session) -> dict[str, IndexedColumn]:
    """Every indexed attribute, by name (one small query; rules ask it as they compile).

    On PostgreSQL this first takes the customers table for reading, until the transaction
    ends: a column can then not be dropped between this answer and the query that uses it.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE customers IN ACCESS SHARE MODE"))
    return {row.name: _indexed(row) for row in session.scalars(select(IndexedAttribute))}


def count_holders(session: Session, indexed: IndexedColumn) -> int:
    """How many customers hold a value of the column's kind (read off its index)."""
    return session.scalar(select(func.count()).select_from(Customer.__table__)
                          .where(indexed.sql().is_not(None))) or 0


def index_attribute(session: Session, name: str, kind: str) -> IndexedColumn:
    """Add the typed column and index for attribute `name` (nothing when it is already indexed
    as `kind`); raises when it cannot be one."""
    problems = _problems(name, kind)
    if problems:
        raise InvalidInputError(f"'{name}' cannot be indexed: " +
                                "; ".join(problem["message"] for problem in problems), problems)
    known = indexed_columns(session)
    if name in known and known[name].kind == kind:
        return known[name]
    if name in known:
        raise WrongStateError(f"'{name}' is already indexed, as {known[name].kind}: remove "
                              "that index first to index it as another kind.")
    if len(known) >= MOST_INDEXED:
        raise WrongStateError(f"At most {MOST_INDEXED} attributes can be indexed; remove one "
                              "first.")
    row = IndexedAttribute(name=name, kind=kind)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise WrongStateError(f"'{name}' was indexed by someone else meanwhile.") from None
    indexed = _indexed(row)
    dialect = session.get_bind().dialect
    _schema_change(session, [
        f"ALTER TABLE customers ADD COLUMN {indexed.column} "
        f"{_definition(dialect, name, kind)}",
        f"CREATE INDEX ix_customers_{indexed.column} ON customers ({indexed.column})"])
    return indexed


def settle(engine: Engine) -> None:
    """After `index_attribute` commits, on PostgreSQL: VACUUM ANALYZE customers. The rewrite
    left a table with no visibility map and no hint bits, so until a vacuum every count reads
    the heap (over 1M customers "tag vip" went from 33 to 126 ms) and the first readers write
    it back; autovacuum would get there, at some point."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) customers"))


def drop_attribute_index(session: Session, name: str) -> None:
    """Drop the column and index of an indexed attribute (the JSON keeps every value)."""
    row = session.scalar(select(IndexedAttribute).where(IndexedAttribute.name == name))
    if row is None:
        raise NotFoundError("indexed attribute", name)
    indexed = _indexed(row)
    _schema_change(session, [f"DROP INDEX IF EXISTS ix_customers_{indexed.column}",
                             f"ALTER TABLE customers DROP COLUMN {indexed.column}"])
    session.delete(row)
    session.flush()


def is_indexed_column(table: str, name: str | None) -> bool:
    """A column of customers, or its index, that `index_attribute` made (migrations leave them
    out of their comparisons with the models)."""
    return table == "customers" and name is not None and \
        _COLUMN.fullmatch(name.removeprefix("ix_customers_")) is not None


def _schema_change(session: Session, statements: list[str]) -> None:
    """Run DDL on customers, waiting at most LOCK_WAIT for the table on PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    try:
        for statement in statements:
            session.execute(text(statement))
    except OperationalError as error:
        if "lock timeout" not in str(error.orig).lower():
            raise
        raise WrongStateError(f"The customers table stayed busy for {LOCK_WAIT} (long "
                              "queries or imports running): try again at a quieter time.") \
            from None


def _definition(dialect, name: str, kind: str) -> str:
    """The column's definition: the value when the JSON holds that type, else NULL — written by
    JsonKey itself, so the column and the JSON test give the same value."""
    key = JsonKey(column("attributes", JSON), name, dialect.name)
    json_type = KINDS[kind]
    value = case((key.is_kind(json_type), key.number() if kind == "number" else key.text()))
    expression = value.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    if dialect.name == "sqlite":
        return f"GENERATED ALWAYS AS ({expression}) VIRTUAL"
    typed = "numeric" if kind == "number" else 'text COLLATE "C"'
    return f"{typed} GENERATED ALWAYS AS ({expression}) STORED"


def _indexed(row: IndexedAttribute) -> IndexedColumn:
    return IndexedColumn(row.name, row.kind, f"attr_{int(row.id)}")


def _problems(name: str, kind: str) -> list[dict[str, str]]:
    problems = []
    if not ATTRIBUTE_KEY.fullmatch(name):
        problems.append(_problem("name", "the name must be an attribute name: a letter, then "
                                         "letters, digits or _ (at most 64)"))
    elif name in BUILTIN_FIELDS:
        problems.append(_problem("name", f"'{name}' is a profile field, stored in a column of "
                                         "its own already: index a custom attribute instead"))
    if kind not in KINDS:
        problems.append(_problem("kind", "the kind must be 'text' or 'number'"))
    return problems


def _problem(field: str, message: str) -> dict[str, str]:
    return {"code": "attribute_index.invalid", "field": field, "message": message}
