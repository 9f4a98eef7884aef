"""Customer CSV imports, from the API (a streamed request body) and from `wayline import`.

Both run runtime.customers.csv_import over a stream of byte chunks: the HTTP body is pulled chunk by
chunk from the event loop while the import runs in a worker thread, and the CLI reads the file
in chunks, so neither ever holds the whole file.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Literal, TextIO

import anyio.from_thread
from sqlalchemy.orm import sessionmaker

from builder.i18n import Words, words
from builder.i18n.messages import say
from runtime.clock import Clock
from runtime.customers import csv_import
from runtime.customers.csv_import import ImportOptions
from runtime.errors import InvalidInputError
from runtime.store.audit import Actor, record
from server.context import Wayline
from server.schemas.customers import ImportFailure, ImportReport

Delimiter = Literal["comma", "semicolon", "tab", "pipe"]
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}

FILE_CHUNK = 1 << 20
"""Bytes read from a file at a time by `wayline import`."""


def options(encoding: str = "utf-8", delimiter: Delimiter = "comma",
            phone_region: str | None = None) -> ImportOptions:
    """Import options from what the API and the CLI let people say."""
    return ImportOptions(encoding=encoding, delimiter=DELIMITERS[delimiter],
                         phone_region=phone_region)


def import_customers(wl: Wayline, actor: Actor, chunks: Iterator[bytes],
                     how: ImportOptions, language: str = "en") -> ImportReport:
    """Import a customer CSV arriving as byte chunks (see runtime.customers.csv_import for the
    format). The import loads in batches, each its own transaction; the audit trail gets one
    row once it is done: who imported, how many rows loaded, changed and failed, and which
    consents the file set. Why a row failed is said in `language`."""
    report = csv_import.import_customers(chunks, wl.writing, wl.now, how)
    with wl.writing() as session:
        record(session, actor, "customers.imported", object_kind="customer",
               summary=f"{report.rows:,} rows: {report.created:,} created, "
                       f"{report.updated:,} updated, {report.failed:,} failed",
               after={"rows": report.rows, "created": report.created,
                      "updated": report.updated, "unchanged": report.unchanged,
                      "merged": report.merged, "failed": report.failed,
                      "consent": sorted(field for field in report.columns.values()
                                        if field.startswith("consent."))},
               at=wl.now())
    return report_out(report, words(language))


def pull(stream: AsyncIterator[bytes]) -> Iterator[bytes]:
    """The chunks of an async stream, for code in a worker thread (each one asked of the loop)."""
    while True:
        try:
            yield anyio.from_thread.run(stream.__anext__)
        except StopAsyncIteration:
            return


def report_out(report: csv_import.ImportReport, _: Words) -> ImportReport:
    """The API's shape of an import report, why each row failed said in `_`'s language."""
    return ImportReport(
        rows=report.rows, created=report.created, updated=report.updated,
        unchanged=report.unchanged, merged=report.merged, failed=report.failed,
        failures=[ImportFailure(line=failure.line, reason=say_reason(_, failure),
                                external_id=failure.external_id, fields=failure.fields)
                  for failure in report.failures],
        failures_not_listed=report.failures_not_listed, columns=report.columns,
        seconds=round(report.seconds, 3), rows_per_second=round(report.rows_per_second, 1))


def import_file(path: Path, sessions: sessionmaker, clock: Clock, how: ImportOptions,
                every: int = 10_000, out: TextIO = sys.stdout) -> int:
    """`wayline import customers FILE`: progress every `every` rows, then totals and failures.

    Exit code: 0 every row loaded, 1 some rows failed (listed), 2 the file can't be imported.
    """
    shown = [0]

    def progress(report: csv_import.ImportReport) -> None:
        if report.rows - shown[0] >= every:
            shown[0] = report.rows - report.rows % every
            print(f"  {report.rows:>10,} rows  {report.rows_per_second:>9,.0f} rows/s  "
                  f"created {report.created:,}  updated {report.updated:,}  "
                  f"merged {report.merged:,}  failed {report.failed:,}", file=out, flush=True)

    try:
        with path.open("rb") as file:
            report = csv_import.import_customers(iter(lambda: file.read(FILE_CHUNK), b""),
                                                 sessions.begin, clock.now, how, progress)
    except OSError as error:
        print(f"wayline import: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    except InvalidInputError as error:
        print(f"wayline import: {path}: {error.message}", file=sys.stderr)
        for issue in error.issues:
            print(f"  {issue.get('field', '')}: {issue['message']}", file=sys.stderr)
        return 2
    _print_report(path, report, out)
    return 1 if report.failed else 0


def _print_report(path: Path, report: csv_import.ImportReport, out: TextIO) -> None:
    for failure in report.failures:
        who = f" ({failure.external_id})" if failure.external_id else ""
        print(f"line {failure.line}{who}: {failure.reason}", file=out)
    if report.failures_not_listed:
        print(f"… and {report.failures_not_listed:,} more failed rows not listed", file=out)
    print(f"{path}: {report.rows:,} rows in {report.seconds:.1f} s "
          f"({report.rows_per_second:,.0f} rows/s): created {report.created:,}, "
          f"updated {report.updated:,}, unchanged {report.unchanged:,}, "
          f"merged {report.merged:,}, failed {report.failed:,}", file=out)


def say_reason(_: Words, failure: csv_import.RowFailure) -> str:
    """Why a row failed, in `_`'s language: each of its problems said on its own."""
    if _.language == "en":
        return failure.reason
    return "; ".join(say(_, reason) for reason in failure.reasons or [failure.reason])
