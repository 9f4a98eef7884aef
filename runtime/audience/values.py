"""What an audience `attr` leaf compares with, in SQL: a JSON key, a text column, created_at
(and runtime.audience.indexed_attributes adds a JSON key with a typed column).

`runtime.audience.query` compiles rules; these classes write each comparison so that it keeps the
rule language's semantics (two-valued, typed, code point order) on SQLite and PostgreSQL, as
cheaply per row as each database allows (see that module's docstring).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, JSONPATH

from nodes.kit.rules import Op, Scalar, is_number
from nodes.kit.values import ATTRIBUTE_NAME, is_date_text

COMPARE = {Op.EQ: operator.eq, Op.LT: operator.lt, Op.LTE: operator.le,
           Op.GT: operator.gt, Op.GTE: operator.ge}
PATH_COMPARE = {Op.EQ: "==", Op.LT: "<", Op.LTE: "<=", Op.GT: ">", Op.GTE: ">="}
"""The same comparisons in SQL/JSON path words."""

SQLITE_TYPES = {"string": ("text",), "number": ("integer", "real"), "boolean": ("true", "false"),
                "array": ("array",), "null": ("null",), "missing": ("missing",),
                "true": ("true",), "false": ("false",)}
"""Our JSON type names in SQLite's json_type() words (Postgres' jsonb_typeof() uses ours)."""

ATTRIBUTE_KEY = re.compile(ATTRIBUTE_NAME.strip("^$"))
"""A JSON key rules may name (keys become SQL text, so nothing else)."""


def _sql_string(text: str) -> ColumnElement[str]:
    """A string written into the SQL itself (structure, never a marketer's value)."""
    return literal_column("'" + text.replace("'", "''") + "'", String)


def _sql_number(number: int) -> ColumnElement[int]:
    """A whole number written into the SQL itself (positions and lengths)."""
    return literal_column(str(int(number)), Integer)


def _text_compare(text: ColumnElement[str], op: Op, wanted: str) -> ColumnElement[bool]:
    """`text op wanted`, where a date-like `wanted` compares the text cut to its own length.

    The cut is written as a range on the whole text, so an index on the text serves it and no
    substr() runs per row: with `next` the least text of that length above `wanted`,
    cut >= wanted is text >= wanted, cut <= wanted is text < next, cut > wanted is
    text >= next, and cut = wanted is both bounds (code point order, as the SQL compares).
    """
    if not is_date_text(wanted):
        return COMPARE[op](text, wanted)
    following = _next_text(wanted)
    if following is None:  # no next character: compare the cut text itself
        return COMPARE[op](func.substr(text, _sql_number(1), _sql_number(len(wanted))), wanted)
    if op is Op.EQ:
        return and_(text >= wanted, text < following)
    return {Op.LT: text < wanted, Op.LTE: text < following,
            Op.GT: text >= following, Op.GTE: text >= wanted}[op]


def _next_text(text: str) -> str | None:
    """The least text of the same length above `text`, or None when its last character has
    no representable successor (a surrogate or past U+10FFFF)."""
    code = ord(text[-1]) + 1
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return text[:-1] + chr(code)


class Value:
    """What an `attr` leaf compares with: a JSON key or a text column (subclasses add the SQL).

    `kinds` are the JSON types the value can hold; a rule value of another type never matches.
    """

    kinds: frozenset[str] = frozenset()

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def is_kind(self, kind: str) -> ColumnElement[bool]:
        """Never NULL: the value is there and of this JSON type."""
        raise NotImplementedError

    def present(self) -> ColumnElement[bool]:
        """Never NULL: the value is there and not null."""
        raise NotImplementedError

    def text(self) -> ColumnElement[str]:
        """The value as SQL text (meaningful when it is a string)."""
        raise NotImplementedError

    def number(self) -> ColumnElement[Decimal]:
        """The value as an SQL number (meaningful when it is a number)."""
        raise NotImplementedError

    def is_boolean(self, wanted: bool) -> ColumnElement[bool]:
        """Never NULL: the value is the JSON boolean `wanted`."""
        raise NotImplementedError

    def has_element(self, wanted: str) -> ColumnElement[bool]:
        """The array value holds the string `wanted` (meaningful when it is an array)."""
        raise NotImplementedError

    def equal(self, wanted: Scalar) -> ColumnElement[bool]:
        """`eq`: same JSON type and equal (a date-like text at its own precision)."""
        if isinstance(wanted, bool):
            return self.is_boolean(wanted) if "boolean" in self.kinds else false()
        if is_number(wanted):
            return self._numeric(lambda number: number == self._number_param(wanted))
        if is_date_text(wanted):
            return self.within([(Op.EQ, wanted)])
        return self._textual(lambda text: text == wanted)

    def equal_any(self, wanted: Sequence[Scalar]) -> ColumnElement[bool]:
        """`in`: plain texts and numbers as one SQL IN each (index friendly), others one by one."""
        texts = [item for item in wanted if isinstance(item, str) and not is_date_text(item)]
        numbers = [item for item in wanted if is_number(item)]
        others = [item for item in wanted if isinstance(item, bool) or is_date_text(item)]
        parts = [self.equal(item) for item in others]
        if texts:
            parts.append(self._textual(lambda text: text.in_(texts)))
        if numbers:
            params = [self._number_param(item) for item in numbers]
            parts.append(self._numeric(lambda number: number.in_(params)))
        return or_(false(), *parts)

    def within(self, bounds: Sequence[tuple[Op, Scalar]]) -> ColumnElement[bool]:
        """Every (lt / lte / gt / gte / eq, value) holds, under one type guard: numbers as
        numbers, texts by code point; never booleans, and no value is of two types at once."""
        values = [value for _, value in bounds]
        if all(is_number(value) for value in values):
            return self._numbers_within(bounds)
        if all(isinstance(value, str) for value in values):
            return self._textual(lambda text: and_(*(
                _text_compare(self._ordered(text), op, value) for op, value in bounds)))
        return false()

    def contains(self, wanted: Scalar) -> ColumnElement[bool]:
        """A substring of a text value (case-sensitive), or a string element of an array."""
        if not isinstance(wanted, str):
            return false()
        parts = [and_(self.is_kind("string"), self._has_substring(wanted))]
        if "array" in self.kinds:
            parts.append(and_(self.is_kind("array"), self.has_element(wanted)))
        return or_(*parts)

    def _numbers_within(self, bounds: Sequence[tuple[Op, Scalar]]) -> ColumnElement[bool]:
        return self._numeric(lambda number: and_(*(
            COMPARE[op](number, self._number_param(value)) for op, value in bounds)))

    def _numeric(self, test: Callable[[ColumnElement], ColumnElement[bool]]) -> ColumnElement[bool]:
        if "number" not in self.kinds:
            return false()
        return and_(self.is_kind("number"), test(self.number()))

    def _textual(self, test: Callable[[ColumnElement], ColumnElement[bool]]) -> ColumnElement[bool]:
        return and_(self.is_kind("string"), test(self.text()))

    def _ordered(self, text: ColumnElement[str]) -> ColumnElement[str]:
        # Postgres sorts text by the database's locale unless told otherwise; SQLite is BINARY.
        return text.collate("C") if self.postgres else text

    def _has_substring(self, wanted: str) -> ColumnElement[bool]:
        # instr/strpos, not LIKE: LIKE is case-insensitive on SQLite and treats % and _ specially.
        finder = func.strpos if self.postgres else func.instr
        return finder(self.text(), wanted) > _sql_number(0)

    def _number_param(self, wanted: float) -> object:
        # Postgres: bind an exact decimal so the comparison stays in NUMERIC, exact like
        # Python's (a float would compare in float8; a big int can be typed INTEGER and
        # overflow). repr() of a float is the shortest decimal that reads back as that float.
        return Decimal(repr(wanted)) if self.postgres else wanted


class JsonKey(Value):
    """One key of a JSON document column: customers.attributes or events.properties."""

    kinds = frozenset({"string", "number", "boolean", "array"})

    def __init__(self, column: ColumnElement, key: str, dialect: str) -> None:
        super().__init__(dialect)
        if not ATTRIBUTE_KEY.fullmatch(key):
            # Keys become SQL text; SQLite JSON paths cannot even escape a '"', so refuse.
            raise ValueError(f"{key!r} is not an attribute name (letters, digits and _)")
        self.column, self.key = column, key
        if self.postgres:
            self.json = column.op("->", return_type=JSONB)(_sql_string(key))
            self._text = column.op("->>", return_type=Text)(_sql_string(key))
            self.type_name = func.jsonb_typeof(self.json)
        else:
            # SQLite matches a path against the key as written in the JSON text: Wayline
            # writes keys unescaped ('지역', not \uXXXX; runtime.store.db.dumps_json, and
            # migration 0002 rewrote older rows), so one path finds them.
            self.path = _sql_string(f'$."{key}"')
            self._text = func.json_extract(column, self.path)
            self.type_name = func.json_type(column, self.path)

    def equal(self, wanted: Scalar) -> ColumnElement[bool]:
        # Postgres: a plain value is `document @> {"key": value}`, one operation per row that
        # the GIN index on customers.attributes serves; jsonb compares a string only with a
        # string, a number with a number (as NUMERIC) and a boolean with a boolean, and a
        # scalar is not contained in an array below the top level: exactly `eq`.
        if self.postgres and _is_plain(wanted):
            return self.column.op("@>", return_type=Boolean)(self._document({self.key: wanted}))
        return super().equal(wanted)

    def equal_any(self, wanted: Sequence[Scalar]) -> ColumnElement[bool]:
        if self.postgres:
            return or_(false(), *(self.equal(item) for item in wanted))
        return super().equal_any(wanted)

    def _numbers_within(self, bounds: Sequence[tuple[Op, Scalar]]) -> ColumnElement[bool]:
        # Postgres: one strict SQL/JSON path test per row, several times cheaper than
        # jsonb_typeof plus a text-to-NUMERIC cast. Strict mode never unwraps arrays; a
        # missing key or a value of another type makes the test unknown (NULL), read as false.
        values = [value for _, value in bounds]
        if not self.postgres or not all(map(math.isfinite, values)):
            return super()._numbers_within(bounds)
        tests = " && ".join(f'$."{self.key}" {PATH_COMPARE[op]} $v{index}'
                            for index, (op, _) in enumerate(bounds))
        found = func.jsonb_path_match(
            self.column, cast(_sql_string(f"strict ({tests})"), JSONPATH),
            self._document({f"v{index}": value for index, value in enumerate(values)}), true())
        return func.coalesce(found, false())

    def _document(self, document: dict[str, Scalar]) -> ColumnElement:
        return cast(literal(msgspec.json.encode(document).decode(), Text), JSONB)

    def _type_in(self, *kinds: str) -> ColumnElement[bool]:
        names = [name for kind in kinds
                 for name in ((kind,) if self.postgres else SQLITE_TYPES[kind])]
        known = func.coalesce(self.type_name, _sql_string("missing"))
        if len(names) == 1:
            return known == _sql_string(names[0])
        return known.in_([_sql_string(name) for name in names])

    def is_kind(self, kind: str) -> ColumnElement[bool]:
        return self._type_in(kind)

    def present(self) -> ColumnElement[bool]:
        return not_(self._type_in("missing", "null"))

    def text(self) -> ColumnElement[str]:
        return self._text

    def number(self) -> ColumnElement[Decimal]:
        if not self.postgres:
            return self._text  # json_extract already returns an INTEGER or a REAL
        # Postgres may evaluate the cast before the guard next to it: only cast real numbers.
        return case((self.type_name == _sql_string("number"), cast(self._text, Numeric)))

    def is_boolean(self, wanted: bool) -> ColumnElement[bool]:
        word = "true" if wanted else "false"
        if not self.postgres:
            return self._type_in(word)  # SQLite's json_type names true and false apart
        return and_(self.is_kind("boolean"), self._text == _sql_string(word))

    def has_element(self, wanted: str) -> ColumnElement[bool]:
        if self.postgres:
            element = func.jsonb_build_array(cast(wanted, Text))
            return self.json.op("@>", return_type=Boolean)(element)
        # json_each on the document, never on an extracted value: that may be plain text.
        items = func.json_each(self.column, self.path).table_valued("type", "value")
        return select(items.c.value).where(
            items.c.type == _sql_string("text"), items.c.value == wanted).exists()


class TextColumn(Value):
    """A nullable text column of customers (email, phone, …): a string or missing."""

    kinds = frozenset({"string"})

    def __init__(self, column: ColumnElement[str], dialect: str) -> None:
        super().__init__(dialect)
        self.column = column

    def is_kind(self, kind: str) -> ColumnElement[bool]:
        return self.column.is_not(None) if kind == "string" else false()

    def present(self) -> ColumnElement[bool]:
        return self.column.is_not(None)

    def text(self) -> ColumnElement[str]:
        return self.column


class Moment:
    """customers.created_at, a real datetime: the rules' text semantics as UTC intervals.

    As text, created_at is its UTC second ("2024-05-01T09:30:00Z") and a rule value is a date or
    such a time, compared at its own precision. So a value stands for the span [start, end) of
    its day or its second, and `text <= value` means `time < end`, `text < value` `time < start`.
    """

    def __init__(self, column: ColumnElement[datetime]) -> None:
        self.column = column

    def present(self) -> ColumnElement[bool]:
        return true()  # created_at is never missing

    def equal(self, wanted: Scalar) -> ColumnElement[bool]:
        start, end = _span(wanted)
        return and_(self.column >= start, self.column < end)

    def equal_any(self, wanted: Sequence[Scalar]) -> ColumnElement[bool]:
        return or_(false(), *(self.equal(item) for item in wanted))

    def within(self, bounds: Sequence[tuple[Op, Scalar]]) -> ColumnElement[bool]:
        return and_(*(self.compare(op, wanted) for op, wanted in bounds))

    def compare(self, op: Op, wanted: Scalar) -> ColumnElement[bool]:
        start, end = _span(wanted)
        if op is Op.LT:
            return self.column < start
        if op is Op.LTE:
            return self.column < end
        if op is Op.GT:
            return self.column >= end
        return self.column >= start

    def contains(self, wanted: Scalar) -> ColumnElement[bool]:
        return false()  # refused by rule_problems; a time has no substrings


def _span(value: Scalar) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) a date ("2024-05-01") or UTC time value stands for."""
    if not isinstance(value, str) or len(value) not in (10, 20):
        raise ValueError(f"created_at compares with a date or a UTC time, not {value!r}")
    if len(value) == 10:
        start = _parse(value, "%Y-%m-%d")
        return start, start + timedelta(days=1)
    start = _parse(value, "%Y-%m-%dT%H:%M:%SZ")
    return start, start + timedelta(seconds=1)


def _parse(text: str, pattern: str) -> datetime:
    return datetime.strptime(text, pattern).replace(tzinfo=UTC)


def _is_plain(value: Scalar) -> bool:
    """A boolean, a finite number or a text that is not date-like: equal means identical JSON."""
    if isinstance(value, str):
        return not is_date_text(value)
    return isinstance(value, bool) or math.isfinite(value)
