"""Customer CSV import: header to fields, cells to values, rows to upserts in chunks.

Columns (names are matched ignoring case, spaces and hyphens: "External ID" is external_id):
- `external_id` (required), `email`, `phone`, `timezone`, `locale`: the profile fields;
- `tags`: tags to add, separated by `;` (an import never removes tags);
- `consent_<channel>` (email, sms, kakao, push, webhook): yes/no, true/false, Y/N, 1/0, 동의/미동의;
- `consent_<channel>_night`: the same, for marketing at night (21:00–08:00, 야간 수신 동의);
- any other column is a custom attribute, named as the header (spaces become `_`).

An empty cell leaves the customer's value as it is. Attribute cells are typed:
true/false become booleans; whole numbers up to 15 digits without a leading zero become
integers (so 01012345678 and zip codes stay text); decimals such as 12.50 become numbers;
dates written 2024-05-01, 2024/5/1 or 2024.05.01 become 2024-05-01; ISO times with an offset
become UTC (2024-05-01T00:30:00Z) and times without one are read as UTC; anything else is text.

Rows are written `IMPORT_CHUNK` at a time, each chunk in its own transaction, so a big file
never holds the database for long. Rows with the same external_id merge: later rows win field
by field, and every row after the first is counted as merged.
"""

from __future__ import annotations

import codecs
import re
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from nodes.kit.values import utc_text
from runtime.customers.csv_records import Record, read_records
from runtime.customers.fields import (
    CHANNELS,
    ConsentChange,
    FieldError,
    check_attribute_name,
    is_phone_region,
    normalise_email,
    normalise_external_id,
    normalise_locale,
    normalise_phone,
    normalise_tag,
    normalise_timezone,
    parse_yes_no,
)
from runtime.customers.input_bounds import (
    MAX_ENCODED_BYTES,
    MAX_KEYS,
    MAX_STRING_LENGTH,
    value_problems,
)
from runtime.customers.records import CustomerPatch, Outcome, collapse, upsert_customers
from runtime.errors import InvalidInputError

IMPORT_CHUNK = 2_000
"""Rows per transaction."""

MAX_LISTED_FAILURES = 1_000
"""Failed rows listed in the report; the rest are only counted."""

DELIMITERS = (",", ";", "\t", "|")
"""Column separators an import accepts."""

ALIASES = {"phone_number": "phone", "mobile": "phone", "email_address": "email", "e_mail": "email",
           "time_zone": "timezone", "tz": "timezone", "language": "locale", "tag": "tags"}
"""Other names spreadsheets give the profile columns."""

PROFILE_COLUMNS = ("external_id", "email", "phone", "timezone", "locale", "tags")

_INTEGER = re.compile(r"-?(?:0|[1-9]\d{0,14})")
_DECIMAL = re.compile(r"-?(?:0|[1-9]\d{0,14})\.\d{1,6}")
_DAY = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?")


@dataclass
class ImportOptions:
    """How to read the file."""

    encoding: str = "utf-8"
    delimiter: str = ","
    phone_region: str | None = None


@dataclass
class RowFailure:
    """A row that was not loaded: its line, its external id if it had one, and why."""

    line: int
    reason: str
    external_id: str | None = None
    fields: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    """The problems `reason` joins, each a sentence the catalogues say (builder.i18n.messages);
    empty when `reason` is one."""


@dataclass
class ImportReport:
    """What an import did; rows = created + updated + unchanged + merged + failed."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    failed: int = 0
    failures: list[RowFailure] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def failures_not_listed(self) -> int:
        """Failed rows beyond the listed ones."""
        return self.failed - len(self.failures)

    @property
    def rows_per_second(self) -> float:
        """Rows read per second so far."""
        return self.rows / self.seconds if self.seconds else 0.0


def check_options(options: ImportOptions) -> None:
    """Refuse options the import cannot read a file with (InvalidInputError)."""
    issues = []
    try:
        ascii_based = codecs.lookup(options.encoding) and "a,\n".encode(options.encoding) == b"a,\n"
    except (LookupError, ValueError):  # unknown name, or one with a NUL in it
        ascii_based = False
    if not ascii_based:
        issues.append({"field": "encoding", "message": f"'{options.encoding}' is not an "
                       "encoding an import can read; use utf-8 (default) or cp949."})
    if options.delimiter not in DELIMITERS:
        issues.append({"field": "delimiter", "message": "The column separator must be one of "
                       "comma, semicolon, tab or |."})
    if options.phone_region and not is_phone_region(options.phone_region):
        issues.append({"field": "phone_region", "message": f"'{options.phone_region}' is not "
                       "a region code; use a two-letter country code such as KR or US."})
    if issues:
        raise InvalidInputError("The import options have problems.", issues)


class Columns:
    """What each column of a file is: a profile field, tags, a channel's consent or an attribute."""

    def __init__(self, header: list[str]) -> None:
        self.targets: list[str] = []
        issues: list[dict[str, str]] = []
        for index, name in enumerate(header, start=1):
            try:
                target = _target(name, index)
            except FieldError as problem:
                issues.append({"field": f"column {index}", "message": problem.message})
                continue
            if target in self.targets:
                issues.append({"field": f"column {index}", "message": f"Column {index} "
                               f"('{name.strip()}') repeats the column for {target}."})
            self.targets.append(target)
        if "external_id" not in self.targets:
            issues.append({"field": "external_id", "message": "The header has no external_id "
                           "column: every row needs the customer's id in your systems."})
        attributes = sum(target.startswith("attributes.") for target in self.targets)
        if attributes > MAX_KEYS:
            issues.append({"field": "file", "message": f"The file has {attributes} attribute "
                           f"columns; a customer takes at most {MAX_KEYS} at a time. Split the "
                           "columns over two files (each with external_id)."})
        if issues:
            raise InvalidInputError("The header row has problems; nothing was imported.", issues)
        self.names = {name: target for name, target in zip(header, self.targets, strict=True)}
        self.key_bytes = sum(len(target.encode()) + 4 for target in self.targets)

    def patch(self, values: list[str], region: str | None) -> CustomerPatch:
        """The changes one row makes; RowError listing every problem of the row."""
        patch = CustomerPatch(external_id="")
        problems: list[FieldError] = []
        for target, value in zip(self.targets, values, strict=True):
            if not value.strip() and target != "external_id":
                continue
            try:
                _apply(patch, target, value, region)
            except FieldError as problem:
                problems.append(problem)
        # Only a long row can break the size bound (a character takes at most 6 bytes in JSON,
        # as \u0001): the exact check costs an encoding, which most rows never need.
        if not problems and self.key_bytes + sum(map(len, values)) * 6 > MAX_ENCODED_BYTES:
            problems += [FieldError(problem.field, problem.message)
                         for problem in value_problems("attributes", patch.attributes)]
        if problems:
            raise RowError([problem.message for problem in problems],
                           [problem.field for problem in problems], patch.external_id or None)
        return patch

    def external_id(self, values: list[str]) -> str | None:
        """The row's external id as written, if it has one."""
        index = self.targets.index("external_id")
        return values[index].strip() or None if index < len(values) else None


class RowError(Exception):
    """A row that can't be loaded: every problem in it, and its external id if it had one."""

    def __init__(self, messages: list[str], fields: list[str], external_id: str | None) -> None:
        self.message = "; ".join(messages)
        super().__init__(self.message)
        self.messages, self.fields, self.external_id = messages, fields, external_id


def _target(name: str, index: int) -> str:
    """What a header names: 'email', 'tags', 'consent.sms' or 'attributes.<name>'."""
    key = re.sub(r"[\s\-]+", "_", name.strip())
    if not key:
        raise FieldError(f"column {index}", f"Column {index} has no name; name it, or delete "
                         "the column.")
    folded = ALIASES.get(key.lower(), key.lower())
    if folded in PROFILE_COLUMNS:
        return folded
    if folded.startswith("consent_"):
        channel = folded.removeprefix("consent_")
        if channel.endswith("_night") and channel.removesuffix("_night") in CHANNELS:
            # Joined, not an f-string: the catalogues' reader (builder.i18n.messages) takes an
            # f-string returned here for a sentence people read; this is a field's name.
            return "consent_night." + channel.removesuffix("_night")
        if channel not in CHANNELS:
            raise FieldError(f"column {index}", f"'{name.strip()}': consent columns are "
                             f"consent_ and a channel: {', '.join(CHANNELS)}.")
        return "consent." + channel
    return "attributes." + check_attribute_name(key)


PROFILE_FIELDS: dict[str, Callable[[str, str | None], Any]] = {
    "email": lambda value, _region: normalise_email(value),
    "phone": normalise_phone,
    "timezone": lambda value, _region: normalise_timezone(value),
    "locale": lambda value, _region: normalise_locale(value),
}
"""The built-in profile columns and how each value is normalised (a phone needs the region)."""


def _apply(patch: CustomerPatch, target: str, value: str, region: str | None) -> None:
    if target == "external_id":
        patch.external_id = normalise_external_id(value)
    elif target in PROFILE_FIELDS:
        patch.fields[target] = PROFILE_FIELDS[target](value, region)
    elif target == "tags":
        patch.tags_add |= {normalise_tag(tag) for tag in value.split(";") if tag.strip()}
    elif target.startswith("consent."):
        channel = target.removeprefix("consent.")
        _consent(patch, channel, ConsentChange(granted=parse_yes_no(f"consent_{channel}", value)))
    elif target.startswith("consent_night."):
        channel = target.removeprefix("consent_night.")
        _consent(patch, channel, ConsentChange(night=parse_yes_no(f"consent_{channel}_night",
                                                                  value)))
    else:
        if len(value) > MAX_STRING_LENGTH:
            raise FieldError(target, f"{target} is {len(value):,} characters long; text values "
                             f"take at most {MAX_STRING_LENGTH:,}.")
        patch.attributes[target.removeprefix("attributes.")] = typed_value(value)


def _consent(patch: CustomerPatch, channel: str, change: ConsentChange) -> None:
    """Add a consent change to the row's patch (a channel's two columns combine)."""
    earlier = patch.consent.get(channel)
    patch.consent[channel] = earlier.then(change) if earlier else change


def typed_value(text: str) -> Any:
    """An attribute cell as the value stored (see the module docstring for the rules)."""
    value = text.strip()
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    if _INTEGER.fullmatch(value):
        return int(value)
    if _DECIMAL.fullmatch(value):
        return float(value)
    day = _DAY.fullmatch(value)
    if day:
        try:
            return date(*map(int, day.groups())).isoformat()
        except ValueError:
            return value
    if len(value) >= 16 and value[:4].isdigit() and value[4] == "-" and value[10] in "T ":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return utc_text(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return value


Writer = Callable[[], AbstractContextManager[Session]]


def import_customers(chunks: Iterable[bytes], write: Writer, now: Callable[[], datetime],
                     options: ImportOptions | None = None,
                     progress: Callable[[ImportReport], None] | None = None) -> ImportReport:
    """Import a customer CSV streamed as bytes; `write()` opens a committing transaction.

    Raises InvalidInputError for a file that can't be imported at all (no header, no
    external_id column, unusable options); every other problem is a failed row in the report.
    """
    options = options or ImportOptions()
    check_options(options)
    started = time.monotonic()
    report = ImportReport()
    records = read_records(chunks, options.encoding, options.delimiter)
    columns = _header(next(records, None))
    report.columns = dict(columns.names)
    seen: set[str] = set()
    pending: list[tuple[int, CustomerPatch]] = []
    for record in records:
        report.rows += 1
        patch = _patch(report, columns, record, options)
        if patch is not None:
            pending.append((record.line, patch))
        if len(pending) >= IMPORT_CHUNK:
            _flush(report, pending, seen, write, now)
            _tick(report, started, progress)
    _flush(report, pending, seen, write, now)
    _tick(report, started, progress)
    return report


def _header(record: Record | None) -> Columns:
    if record is None:
        raise InvalidInputError("The file is empty.", [{
            "field": "file", "message": "The first line must name the columns, including "
            "external_id."}])
    if record.problem:
        raise InvalidInputError("The header row can't be read; nothing was imported.",
                                [{"field": "line 1", "message": record.problem}])
    return Columns(record.values)


def _patch(report: ImportReport, columns: Columns, record: Record,
           options: ImportOptions) -> CustomerPatch | None:
    """The row's changes, or None after recording why it failed."""
    if record.problem:
        _fail(report, RowFailure(record.line, record.problem, columns.external_id(record.values)))
        return None
    try:
        return columns.patch(record.values, options.phone_region)
    except RowError as problem:
        _fail(report, RowFailure(record.line, problem.message, problem.external_id,
                                 problem.fields, problem.messages))
        return None


def _fail(report: ImportReport, failure: RowFailure) -> None:
    report.failed += 1
    if len(report.failures) < MAX_LISTED_FAILURES:
        report.failures.append(failure)


def _flush(report: ImportReport, pending: list[tuple[int, CustomerPatch]], seen: set[str],
           write: Writer, now: Callable[[], datetime]) -> None:
    """Write the pending rows in one transaction and count what happened to each."""
    if not pending:
        return
    patches = collapse(patch for _, patch in pending)
    with write() as session:
        done = upsert_customers(session, list(patches.values()), now(), "import")
    for line, patch in pending:
        upserted = done[patch.external_id]
        if upserted.problem is not None:  # each row of that customer was merged into the change
            _fail(report, RowFailure(line, upserted.problem, patch.external_id, ["attributes"]))
            continue
        if patch.external_id in seen:
            report.merged += 1
            continue
        seen.add(patch.external_id)
        outcome = upserted.outcome
        if outcome is Outcome.CREATED:
            report.created += 1
        elif outcome is Outcome.UPDATED:
            report.updated += 1
        else:
            report.unchanged += 1
    pending.clear()


def _tick(report: ImportReport, started: float,
          progress: Callable[[ImportReport], None] | None) -> None:
    report.seconds = time.monotonic() - started
    if progress is not None:
        progress(report)
