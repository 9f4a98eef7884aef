"""Benchmark: a 100k-row customer CSV through the import, on SQLite and PostgreSQL.

The file has what real exports have: ~1% malformed emails, ~1% bad phone numbers, ~1% rows
repeating an earlier external_id (merged), one line with an unbalanced quote, multi-line
values, Korean text, typed attributes (numbers, booleans, dates), tags and consent columns.
Each database gets a fresh schema; the import runs three times:
- fresh: every customer is new (INSERT … ON CONFLICT DO NOTHING in chunks of 2,000);
- again: the same file (every customer exists and is unchanged: lock, compare, no writes);
- changed: the same customers with new attribute values (lock, merge, UPDATE … FROM unnest).
It also times reading and checking the file alone (no database), to show where time goes.

Run: .venv/bin/python bench/import_customers.py [--rows 100000] [--only sqlite|postgresql]
PostgreSQL comes from WAYLINE_BENCH_POSTGRES_URL (default: the local server); the benchmark
makes its own database and drops it afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.runtime import new_database  # noqa: E402
from runtime.customers.csv_import import Columns, ImportOptions, RowError, import_customers  # noqa: E402
from runtime.customers.csv_records import read_records  # noqa: E402
from runtime.store.db import make_engine, make_sessionmaker  # noqa: E402
from runtime.store.models import Customer  # noqa: E402

HEADER = "external_id,email,phone,timezone,tags,consent_email,consent_sms,name,plan,score,vip," \
    "signed_up,note"
NAMES = ("김민지", "이서준", "박지우", "최도윤", "Alex Kim", "정하은")
CHUNK = 1 << 20


def make_file(path: Path, rows: int, variant: str = "a") -> dict[str, int]:
    """Write the CSV; how many rows of each planned fault it has."""
    counts = {"bad_email": 0, "bad_phone": 0, "repeats": 0, "broken": 0}
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        for index in range(rows):
            external_id = f"cust-{index:07d}"
            email = f"user{index}@example.com"
            phone = f"010-{2_000 + index % 3_000:04d}-{(index * 7) % 10_000:04d}"
            if index % 100 == 17:
                email, counts["bad_email"] = f"user{index}@@example", counts["bad_email"] + 1
            elif index % 100 == 29:
                phone, counts["bad_phone"] = "12-345", counts["bad_phone"] + 1
            elif index % 100 == 41 and index > 1_000:
                # Repeats an id from about 1,000 rows earlier: in another chunk of 2,000 or not.
                external_id, counts["repeats"] = f"cust-{index - 1_001:07d}", \
                    counts["repeats"] + 1
            note = '"first line\nsecond line"' if index % 50 == 3 else f"note {variant}{index}"
            line = (f"{external_id},{email},{phone},Asia/Seoul,a;b,Y,{'N' if index % 3 else 'Y'},"
                    f"{NAMES[index % len(NAMES)]},{'pro' if index % 7 else 'free'},"
                    f"{index % 1000},{'true' if index % 2 else 'false'},"
                    f"2025-{1 + index % 12:02d}-{1 + index % 28:02d},{note}\n")
            if index == rows // 2:
                line = line.replace(f",{email},", f',"{email},', 1)  # a quote that never closes
                counts["broken"] += 1
            out.write(line)
    return counts


def chunks(path: Path):
    with path.open("rb") as file:
        yield from iter(lambda: file.read(CHUNK), b"")


def parse_only(path: Path) -> tuple[int, float]:
    """Read, type and check every row without a database; rows and seconds."""
    began = time.perf_counter()
    records = read_records(chunks(path))
    columns = Columns(next(records).values)
    rows = 0
    for record in records:
        rows += 1
        if record.problem is None:
            with contextlib.suppress(RowError):  # failed rows are part of the work measured
                columns.patch(record.values, None)
    return rows, time.perf_counter() - began


def run(kind: str, files: dict[str, Path], workdir: Path) -> None:
    url, drop = new_database(kind, workdir)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        for label, path in files.items():
            report = import_customers(chunks(path), sessions.begin, lambda: datetime.now(UTC),
                                      ImportOptions())
            print(f"{kind:<10} {label:<8} {report.rows:>8,} rows {report.seconds:>7.2f} s "
                  f"{report.rows_per_second:>9,.0f} rows/s   created {report.created:,} "
                  f"updated {report.updated:,} unchanged {report.unchanged:,} "
                  f"merged {report.merged:,} failed {report.failed:,}", flush=True)
        with sessions() as session:
            stored = session.scalar(select(func.count()).select_from(Customer))
        print(f"{kind:<10} customers stored: {stored:,}")
    finally:
        engine.dispose()
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = {"fresh": workdir / "a.csv", "again": workdir / "a.csv",
                 "changed": workdir / "b.csv"}
        counts = make_file(files["fresh"], args.rows, "a")
        make_file(files["changed"], args.rows, "b")
        size = files["fresh"].stat().st_size
        print(f"file: {args.rows:,} rows, {size / 1e6:.1f} MB; planned faults: {counts}")
        rows, seconds = parse_only(files["fresh"])
        print(f"{'no db':<10} {'parse':<8} {rows:>8,} rows {seconds:>7.2f} s "
              f"{rows / seconds:>9,.0f} rows/s   (read, type, check emails and phones)")
        for kind in ("sqlite", "postgresql"):
            if args.only in (None, kind):
                run(kind, files, workdir)


if __name__ == "__main__":
    main()
