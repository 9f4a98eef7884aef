"""Benchmark: discovering a big workspace's attributes and events for the pickers, and asking
exactly whether a name exists (runtime.customers.discovery), on SQLite.

Fills a fresh SQLite database with N customers (six attributes each) and N events, then prints
the median time of a discovery (reads at most SAMPLE_ROWS of each), of the check for a name
the sample saw, and of the check for a name nothing has (the worst case: a full scan, which the
server remembers for a minute). The floor, measured in the same run: reading the same rows raw
(the newest SAMPLE_ROWS customers' attributes and events' names and properties, nothing
counted); the ratio says what working out types, counts and samples adds to that read.
Run: .venv/bin/python bench/discovery.py [N, default 200000]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from runtime.customers.discovery import SAMPLE_ROWS, discover, unknown_names
from runtime.store.db import make_engine, migrate
from runtime.store.models import Customer, Event

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def fill(session: Session, count: int) -> None:
    """`count` customers and as many events, in batches."""
    for start in range(0, count, 10_000):
        rows = [{"id": index + 1, "external_id": f"c{index}", "email": f"c{index}@example.kr",
                 "attributes": {"plan": "pro" if index % 3 else "free", "score": index % 100,
                                "vip": index % 2 == 0, "city": "Seoul", "birthday": "1990-01-02",
                                "tags_list": ["a"]},
                 "consent": {}, "created_at": NOW, "updated_at": NOW}
                for index in range(start, min(start + 10_000, count))]
        session.execute(insert(Customer), rows)
        session.execute(insert(Event), [
            {"customer_id": row["id"], "name": f"event_{row['id'] % 7}",
             "properties": {"amount": row["id"] % 1000},
             "occurred_at": NOW - timedelta(minutes=row["id"])} for row in rows])
    session.commit()


def raw_read(session: Session) -> None:
    """The floor: the rows a discovery reads, fetched and decoded, nothing worked out."""
    session.execute(text("SELECT attributes FROM customers ORDER BY id DESC LIMIT :n"),
                    {"n": SAMPLE_ROWS}).all()
    session.execute(text("SELECT name, properties FROM events ORDER BY id DESC LIMIT :n"),
                    {"n": SAMPLE_ROWS}).all()


def median_ms(action, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate(url)
        engine = make_engine(url)
        with Session(engine) as session:
            fill(session, count)
            print(f"{count:,} customers and events (SQLite)")
            floor = median_ms(lambda: raw_read(session))
            found = median_ms(lambda: discover(session, NOW))
            print(f"floor (read the sampled rows raw): {floor:.0f} ms")
            print(f"discover: {found:.0f} ms (x{found / floor:.1f} the floor)")
            print(f"a name that exists: "
                  f"{median_ms(lambda: unknown_names(session, {'score'}, {'event_3'})):.1f} ms")
            print(f"a name nothing has: "
                  f"{median_ms(lambda: unknown_names(session, {'scroe'}, {'nope'}), 3):.0f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
