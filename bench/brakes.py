"""Benchmark: how long the brakes take on a big journey, against the bare SQL they cost.

A journey with N unsent messages (deferred, as a night holds them) among 4×N sent ones of other
journeys: the median time to pause it (hold every unsent message), resume it (queue them again)
and archive it (suppress them), each against the floor of one bare UPDATE of the same rows
with the same condition, in the same run. On SQLite (a file) and on the local PostgreSQL when it
answers (WAYLINE_BENCH_POSTGRES_URL, default the test server's `test` database).
Run: .venv/bin/python bench/brakes.py [N]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from runtime.messaging import brakes
from runtime.run import lifecycle
from runtime.store.db import make_engine, make_sessionmaker, migrate
from runtime.store.models import Journey, JourneyStatus, Message, MessageStatus
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
ROUNDS = 5
POSTGRES = os.environ.get("WAYLINE_BENCH_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def seed(url: str, unsent: int) -> int:
    """Customers, the journey under test with `unsent` deferred texts, and 4× as many sent
    messages of other journeys; the journey's id."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        ids = add_customers(session, unsent, NOW)
        template = add_template(session, "sms", "Sale", None, "Spring sale")
        doc = document([node("in", "entry.segment", "Everyone", {"rule": {"type": "and",
                                                                             "rules": []}}),
                        node("text", "action.send", "Text", {"channel": "sms",
                                                              "template": template})],
                       [edge("in", "text")])
        journey = add_journey(session, doc, "Under test")
        lifecycle.publish(session, journey, NOW)  # enrols everyone: one run each
        session.flush()
        runs = dict(session.execute(text("SELECT customer_id, id FROM runs")).all())
        rows = []
        for other in range(5):
            status = MessageStatus.DEFERRED if other == 0 else MessageStatus.SENT
            rows += [{"run_id": runs[customer], "node_id": f"text{other}", "visit": 1,
                      "journey_id": journey if other == 0 else 1_000 + other,
                      "customer_id": customer, "channel": "sms", "purpose": "marketing",
                      "template_id": template, "status": status, "content": {},
                      "attempts": 0, "next_attempt_at": NOW + timedelta(hours=11)
                      if other == 0 else None, "created_at": NOW, "updated_at": NOW,
                      "sent_at": None if other == 0 else NOW} for customer in ids]
        for start in range(0, len(rows), 5000):
            session.execute(Message.__table__.insert(), rows[start:start + 5000])
        session.commit()
    engine.dispose()
    return journey


def timed(url: str, work) -> float:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        began = time.perf_counter()
        work(session)
        session.commit()
        took = time.perf_counter() - began
    engine.dispose()
    return took * 1000


def bare(status_from: str, status_to: str, journey: int):
    def run(session):
        session.execute(text(f"UPDATE messages SET status = '{status_to}' WHERE journey_id = "
                             f"{journey} AND status = '{status_from}'"))
    return run


def measure(url: str, label: str, unsent: int) -> None:
    journey = seed(url, unsent)
    figures = {name: [] for name in ("pause", "bare hold", "resume", "bare release")}
    for _ in range(ROUNDS):
        figures["pause"].append(timed(url, lambda s: lifecycle.pause(s, journey, NOW, "bench")))
        figures["resume"].append(timed(url, lambda s: (
            s.execute(text(f"UPDATE journeys SET status = 'paused' WHERE id = {journey}")),
            brakes.release(s, journey, NOW, []))))
        figures["bare hold"].append(timed(url, bare("queued", "held", journey)))
        figures["bare release"].append(timed(url, bare("held", "deferred", journey)))
        timed(url, lambda s: s.execute(text(
            f"UPDATE journeys SET status = 'live' WHERE id = {journey}")))
        timed(url, bare("queued", "deferred", journey))
    archive = timed(url, lambda s: lifecycle.archive(s, journey, NOW))
    median = {name: statistics.median(values) for name, values in figures.items()}
    print(f"{label}: {unsent:,} unsent messages among {5 * unsent:,}")
    print(f"  pause (holds them)   {median['pause']:8.1f} ms   bare UPDATE "
          f"{median['bare hold']:8.1f}"
          f" ms   ×{median['pause'] / median['bare hold']:.2f}")
    print(f"  resume (queues them) {median['resume']:8.1f} ms   bare UPDATE "
          f"{median['bare release']:8.1f} ms   ×{median['resume'] / median['bare release']:.2f}")
    print(f"  archive (suppresses them, ends {unsent:,} runs) {archive:8.1f} ms")
    with make_sessionmaker(make_engine(url))() as session:
        assert session.get(Journey, journey).status is JourneyStatus.ARCHIVED


def main() -> None:
    unsent = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate(url)
        measure(url, "SQLite", unsent)
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        name = f"wayline_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no PostgreSQL here: SQLite's figures stand alone
        print(f"PostgreSQL skipped: {error}")
        return
    try:
        url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
        migrate(url)
        measure(url, "PostgreSQL", unsent)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
