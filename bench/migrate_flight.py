"""Benchmark: moving N customers in flight from one version to the next on PostgreSQL.

A journey whose live version holds N runs spread over four steps (two delays, a wait for an
event, customers held before a send); a new version drops the first delay and adds a
condition; the map moves the dropped delay's customers to the condition (they arrive there
now) and keeps everyone else's wait on their own step. Measured in the same run:
- the floor: one bare UPDATE moving all N runs to the new version (no batches, no counts,
  holding every run at once until it commits);
- the move as Wayline makes it (`runtime.run.flight.carry_out`): batches of `BATCH` runs in
  two lanes, each one transaction that updates its runs in id order, closes the waits they
  leave in the step log and writes its counts — runs/s, and the longest batch;
- how long a worker is held up: while the move runs, a prober locks a random moving run as a
  worker's batch does (SELECT … FOR UPDATE) every 20 ms; its longest and 99th-percentile wait.
Goal (issue 18): ≥ 50,000 runs/s and no batch waits more than 1 s.
BATCH=… and LANES=… in the environment try other sizes.
Run: .venv/bin/python bench/migrate_flight.py [N]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from runtime.run import flight, lifecycle
from runtime.store.db import make_engine, make_sessionmaker, migrate
from runtime.store.models import FlightMove
from runtime.store.versions import load_compiled
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_journey, add_template

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
POSTGRES = os.environ.get("WAYLINE_BENCH_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STEPS = ("day", "week", "wait", "mail")
MOVES = {"day": flight.StepMove(to="vip"), "week": flight.StepMove(to="week"),
         "wait": flight.StepMove(to="wait"), "mail": flight.StepMove(to="mail")}
DAY = {"amount": 1, "unit": "days"}


def version_one(template: int) -> dict:
    return document([node("in", "entry.event", "Signed up", {"event": "signup"}),
                     node("day", "flow.delay", "A day", {"duration": DAY}),
                     node("week", "flow.delay", "A week",
                          {"duration": {"amount": 7, "unit": "days"}}),
                     node("wait", "flow.wait_event", "Bought?",
                          {"event": "purchase", "timeout": DAY}),
                     node("mail", "action.send", "Welcome", {"channel": "email",
                                                             "template": template}),
                     node("out", "flow.exit", "Done")],
                    [edge("in", "day"), edge("day", "week", "next"), edge("week", "wait", "next"),
                     edge("wait", "out", "matched"), edge("wait", "mail", "timeout"),
                     edge("mail", "out", "next")])


def version_two(template: int) -> dict:
    doc = version_one(template)
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "day"] + [
        node("vip", "flow.condition", "VIP?", {"rule": {"type": "tag", "tag": "vip"}})]
    doc["edges"] = [e for e in doc["edges"] if "day" not in (e["source"], e["target"])] + [
        edge("in", "vip"), edge("vip", "week", "yes"), edge("vip", "week", "no")]
    return doc


def fresh_database() -> tuple[str, str]:
    name = f"wayline_bench_{uuid.uuid4().hex[:8]}"
    with create_engine(POSTGRES, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    return url, name


def drop_database(name: str) -> None:
    with create_engine(POSTGRES, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def seed(url: str, count: int) -> tuple[int, int, int]:
    """The journey (v1 live, v2 published keeping everyone) and `count` runs on v1, spread over
    the four steps; (journey, v1 id, v2 id)."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        old_template = add_template(session, "email", "Welcome", "Welcome", "Hi")
        new_template = add_template(session, "email", "Welcome v2", "Welcome!", "Hello")
        journey = add_journey(session, version_one(old_template), "Welcome")
        v1 = lifecycle.publish(session, journey, NOW).id
        session.execute(text("UPDATE journeys SET draft = :doc WHERE id = :id"),
                        {"doc": json.dumps(version_two(new_template)),
                         "id": journey})
        session.commit()
    with sessions() as session:
        v2 = lifecycle.publish(session, journey, NOW).id
        session.commit()
    wait = '{"kind": "until", "port": "next", "since": "2026-03-02T03:00:00+00:00"}'
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO customers (external_id, attributes, consent, created_at, updated_at) "
            "SELECT 'c' || i, '{}', '{}', :now, :now FROM generate_series(1, :n) AS i"),
            {"now": NOW, "n": count})
        connection.execute(text(
            "INSERT INTO runs (journey_id, journey_version_id, customer_id, entry_key, status, "
            "node_id, wake_at, waiting_for, wait, step_count, version, payload, entered_at) "
            "SELECT :journey, :v1, id, 'once', 'waiting', "
            "(ARRAY['day', 'week', 'wait', 'mail'])[1 + id % 4], "
            "CASE WHEN id % 4 = 3 THEN NULL ELSE :wake END, "
            "CASE WHEN id % 4 = 2 THEN 'purchase' END, CAST(:wait AS JSONB), 2, 1, '{}', :now "
            "FROM customers"), {"journey": journey, "v1": v1, "wake": NOW + timedelta(days=1),
                                "wait": wait, "now": NOW})
    _vacuum(url)
    engine.dispose()
    return journey, v1, v2


def _vacuum(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE runs"))
    engine.dispose()


def floor(url: str, v1: int, v2: int) -> float:
    """Seconds for one bare UPDATE moving every run of v1 to v2 (then moved back, untimed)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        began = time.perf_counter()
        connection.execute(text("UPDATE runs SET journey_version_id = :v2, version = version + 1"
                                " WHERE journey_version_id = :v1"), {"v1": v1, "v2": v2})
        took = time.perf_counter() - began
    with engine.begin() as connection:
        connection.execute(text("UPDATE runs SET journey_version_id = :v1 "
                                "WHERE journey_version_id = :v2"), {"v1": v1, "v2": v2})
    engine.dispose()
    _vacuum(url)
    return took


class Prober(threading.Thread):
    """Locks a random run of the old version as a worker's batch would, every 20 ms, and
    records how long each lock took to get."""

    def __init__(self, url: str, run_ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.run_ids = run_ids
        self.waits: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            run_id = random.choice(self.run_ids)
            with self.engine.connect() as connection:
                began = time.perf_counter()
                connection.execute(text("SELECT id FROM runs WHERE id = :id FOR UPDATE"),
                                   {"id": run_id})
                self.waits.append(time.perf_counter() - began)
                connection.rollback()
            time.sleep(0.02)


def measure(url: str, journey: int, v1: int, v2: int, batch: int) -> dict[str, float]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        plans = load_compiled(session, {v1, v2})
        full = flight.completed(plans[v1], plans[v2], MOVES)
        began = time.perf_counter()
        preview = flight.preview(session, plans[v1], v1, plans[v2], full, NOW)
        preview_seconds = time.perf_counter() - began
        move = flight.start(session, journey, v1, v2, full, preview, "bench", NOW)
        session.commit()
        move_id = move.id
        run_ids = list(session.scalars(select(text("id")).select_from(text("runs"))
                                       .limit(200_000)))
    prober = Prober(url, run_ids)
    prober.start()
    began = time.perf_counter()
    carried = flight.carry_out(sessions, move_id, lambda: NOW, batch=batch,
                               lanes=int(os.environ.get("LANES", flight.LANES)))
    took = time.perf_counter() - began
    prober.stop.set()
    prober.join()
    with sessions() as session:
        done = session.get(FlightMove, move_id).done
        left = session.scalar(select(text("count(*)")).select_from(text("runs"))
                              .where(text(f"journey_version_id = {v1}")))
    assert left == 0, f"{left} runs were not moved"
    moved = sum(step["moved"] for step in done.values())
    waits = sorted(prober.waits)
    engine.dispose()
    return {"moved": moved, "seconds": took, "rate": moved / took,
            "batches": carried.batches, "longest": carried.longest,
            "first": statistics.median(carried.durations[:10]),
            "last": statistics.median(carried.durations[-10:]),
            "probe_max": waits[-1] if waits else 0.0,
            "probe_p99": waits[int(0.99 * (len(waits) - 1))] if waits else 0.0,
            "probes": len(waits), "preview": preview_seconds, "batch": batch}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    url, name = fresh_database()
    try:
        began = time.perf_counter()
        journey, v1, v2 = seed(url, count)
        print(f"PostgreSQL: {count:,} runs over 4 steps seeded in "
              f"{time.perf_counter() - began:.1f} s")
        bare = floor(url, v1, v2)
        result = measure(url, journey, v1, v2, int(os.environ.get("BATCH", flight.BATCH)))
        print(f"  floor: one bare UPDATE of all {count:,} runs   {bare:6.2f} s   "
              f"{count / bare:10,.0f} runs/s (holds every run until it commits)")
        print(f"  Wayline move, batches of {result['batch']:,}        {result['seconds']:6.2f} s   "
              f"{result['rate']:10,.0f} runs/s   ×{result['rate'] / (count / bare):.2f} of the "
              f"floor   (goal ≥ 50,000 runs/s)")
        print(f"  {result['batches']} batches, the longest {result['longest'] * 1000:.0f} ms "
              f"(goal: none over 1 s); median of the first ten {result['first'] * 1000:.0f} ms, "
              f"of the last ten {result['last'] * 1000:.0f} ms")
        print(f"  a worker locking a moving run waited at most "
              f"{result['probe_max'] * 1000:.0f} ms, p99 {result['probe_p99'] * 1000:.0f} ms "
              f"({result['probes']} probes)")
        print(f"  the preview (counts, map, messages at once) took "
              f"{result['preview'] * 1000:.0f} ms")
    finally:
        drop_database(name)


if __name__ == "__main__":
    main()
