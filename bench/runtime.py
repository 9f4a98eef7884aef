"""Benchmark: the runtime on real PostgreSQL / SQLite, real Redis and real worker processes.

Prints, for each database:
- customer-steps per second for a 4-step journey (entry → condition → update → send to the
  outbox) over N customers with 2 `wayline worker` processes, next to a naive baseline measured
  in the same run: one RQ job per customer step (2 SimpleWorker processes);
- how long enrolling 1M matching customers takes (PostgreSQL; `--enroll` customers);
- wake-up lateness p50/p99 for 10k customers whose wait ends in the same second;
- Redis memory per waiting customer.

Run: .venv/bin/python bench/runtime.py [--customers 200000] [--databases postgresql sqlite]
Needs PostgreSQL at WAYLINE_BENCH_POSTGRES_URL (default: the local `test` database's server).
Redis is an embedded server of its own, unless WAYLINE_BENCH_REDIS_URL names one (flushed!).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from sqlalchemy import create_engine, exists, func, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.documents import four_steps, waiting  # noqa: E402
from runtime.run.lifecycle import publish  # noqa: E402
from runtime.store.db import make_engine, make_sessionmaker, migrate, read_sessionmaker  # noqa: E402
from runtime.store.models import Journey, Run, RunStatus, Step, Template  # noqa: E402

POSTGRES = os.environ.get("WAYLINE_BENCH_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("WAYLINE_BENCH_REDIS_URL", "")
"""Empty: the benchmark starts its own embedded server, so nothing else shares or flushes it."""


# --- databases ---------------------------------------------------------------------------------


def new_database(kind: str, workdir: Path) -> tuple[str, callable]:
    """A fresh, migrated database URL and a function that drops it."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        migrate(url)
        return url, lambda: None
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"wayline_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    migrate(url)

    def drop() -> None:
        engine = _engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


def load_customers(url: str, count: int, start: int = 0) -> float:
    """Insert `count` customers with email consent (COPY on PostgreSQL); seconds taken."""
    engine = make_engine(url)
    now = datetime.now(UTC).isoformat()
    began = time.perf_counter()
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        with raw.cursor() as cursor, cursor.copy(
                "COPY customers (external_id, email, attributes, consent, created_at, "
                "updated_at) FROM STDIN") as copy:
            for index in range(start, start + count):
                plan = "pro" if index % 7 == 0 else "free"
                copy.write_row((f"b{index}", f"b{index}@example.kr", f'{{"plan": "{plan}"}}',
                                '{"email": true}', now, now))
        raw.commit()
        raw.close()
    else:
        from runtime.store.models import Customer
        stamp = datetime.now(UTC)
        with engine.begin() as connection:
            for chunk in range(start, start + count, 20_000):
                connection.execute(Customer.__table__.insert(), [
                    {"external_id": f"b{index}", "email": f"b{index}@example.kr",
                     "attributes": {"plan": "pro" if index % 7 == 0 else "free"},
                     "consent": {"email": True}, "created_at": stamp, "updated_at": stamp}
                    for index in range(chunk, min(chunk + 20_000, start + count))])
    engine.dispose()
    return time.perf_counter() - began


def add_journey(url: str, document_for, name: str) -> tuple[int, float]:
    """Create and publish a journey (enrolling its audience); (journey id, seconds to publish)."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        template = Template(channel="email", name=f"T {name}", subject="Hi",
                            source="Hello {{ customer.external_id }}", options={})
        session.add(template)
        session.flush()
        journey = Journey(name=name, draft=document_for(template.id))
        session.add(journey)
        session.flush()
        began = time.perf_counter()
        publish(session, journey.id, datetime.now(UTC))
        session.commit()
        seconds = time.perf_counter() - began
    engine.dispose()
    return journey.id, seconds


# --- workers -----------------------------------------------------------------------------------


def start_workers(url: str, count: int, workdir: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "WAYLINE_DATABASE_URL": url, "WAYLINE_REDIS_URL": REDIS,
           "WAYLINE_DATA_DIR": str(workdir), "WAYLINE_LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}
    return [subprocess.Popen([sys.executable, "-m", "server.cli", "worker"], env=env,
                             stdout=subprocess.DEVNULL, stderr=(workdir / f"w{i}.log").open("wb"))
            for i in range(count)]


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


_engines: dict[str, Any] = {}


def unfinished(url: str, journey_id: int) -> bool:
    """Whether any run of the journey is still going (a cheap EXISTS: it is polled while the
    workers run, and counting every unfinished run took a good part of a core)."""
    engine = _engines.get(url) or _engines.setdefault(url, make_engine(url))
    with read_sessionmaker(engine)() as session:
        return bool(session.scalar(select(exists().where(
            Run.journey_id == journey_id, Run.ended_at.is_(None)))))


def throughput(url: str, customers: int, workdir: Path) -> tuple[float, int, float, float]:
    """(steps/s while processing, steps, processing seconds, wall seconds incl. start-up)."""
    journey, _ = add_journey(url, four_steps, "throughput")
    redis.Redis.from_url(REDIS).flushdb()
    began = time.perf_counter()
    workers = start_workers(url, 2, workdir)
    try:
        while unfinished(url, journey):
            time.sleep(0.2)
        seconds = time.perf_counter() - began
    finally:
        stop(workers)
    engine = make_engine(url)
    with engine.connect() as connection:
        steps, first, last = connection.execute(select(
            func.count(), func.min(Step.entered_at), func.max(Step.entered_at))).one()
    engine.dispose()
    window = (last - first).total_seconds()
    return steps / window, steps, window, seconds


def naive(url: str, customers: int, workdir: Path) -> tuple[float, int, float]:
    """One RQ job per customer step (2 SimpleWorkers): steps per second."""
    connection = redis.Redis.from_url(REDIS)
    connection.flushdb()
    env = {**os.environ, "WAYLINE_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    seed = subprocess.run([sys.executable, "-c", NAIVE_SEED, str(customers), REDIS], env=env,
                          check=True, capture_output=True, text=True)
    count = int(seed.stdout.strip())
    began = time.perf_counter()
    workers = [subprocess.Popen([sys.executable, "-c", NAIVE_WORKER, REDIS], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    for worker in workers:
        worker.wait()
    seconds = time.perf_counter() - began
    steps = int(connection.get("naive:steps") or 0)
    assert steps == count * 4, (steps, count)
    return steps / seconds, steps, seconds


NAIVE_SEED = """
import sys
from rq import Queue
import redis
from bench.naive_steps import seed
print(seed(int(sys.argv[1]), Queue("naive", connection=redis.Redis.from_url(sys.argv[2]))))
"""

NAIVE_WORKER = """
import sys, redis
from rq import Queue
from runtime.run.worker import WaylineWorker  # RQ's SimpleWorker; stops without a 60 s wait
connection = redis.Redis.from_url(sys.argv[1])
WaylineWorker([Queue("naive", connection=connection)], connection=connection).work(
    burst=True, logging_level="WARNING")
"""


def lateness(url: str, count: int, workdir: Path) -> tuple[float, float, float]:
    """(p50, p99 seconds late, Redis bytes per waiting customer) for `count` due at once."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM customers WHERE id > :n"), {"n": count})
    journey, _ = add_journey(url, waiting, "lateness")
    connection = redis.Redis.from_url(REDIS)
    connection.flushdb()
    workers = start_workers(url, 2, workdir)
    try:
        while _waiting(engine, journey) < count:
            time.sleep(0.2)
        time.sleep(2)
        before = connection.info("memory")["used_memory"]
        time.sleep(1)
        after = connection.info("memory")["used_memory"]
        per_customer = max(after - before, 0) / count
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
        with engine.begin() as db:
            db.execute(update(Run).where(Run.journey_id == journey).values(wake_at=due))
        while unfinished(url, journey):
            time.sleep(0.2)
    finally:
        stop(workers)
    with engine.connect() as db:
        left = [row[0] for row in db.execute(select(Step.left_at).join(Run).where(
            Run.journey_id == journey, Step.node_id == "wait"))]
    engine.dispose()
    late = sorted((moment - due).total_seconds() for moment in left)
    return statistics.median(late), late[int(len(late) * 0.99) - 1], per_customer


def _waiting(engine, journey: int) -> int:
    with read_sessionmaker(engine)() as session:
        return session.scalar(select(func.count()).select_from(Run).where(
            Run.journey_id == journey, Run.status == RunStatus.WAITING))


def enrollment(customers: int, workdir: Path) -> tuple[float, float]:
    """(seconds to load, seconds to enrol) `customers` matching customers on PostgreSQL."""
    url, drop = new_database("postgresql", workdir)
    try:
        loaded = load_customers(url, customers)
        _, seconds = add_journey(url, four_steps, "enrol everyone")
        return loaded, seconds
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--naive", type=int, default=5_000, help="customers for the baseline")
    parser.add_argument("--enroll", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--databases", nargs="+", default=["postgresql", "sqlite"])
    args = parser.parse_args()
    global REDIS
    workdir = Path(tempfile.mkdtemp(prefix="wayline-bench-"))
    embedded = None
    if not REDIS:
        from runtime.redis_server import EmbeddedRedis
        embedded = EmbeddedRedis(workdir / "redis").start()
        REDIS = embedded.url
    print(f"wayline runtime benchmark — {os.cpu_count()} cores, Redis {REDIS}")
    try:
        run(args, workdir)
    finally:
        if embedded is not None:
            embedded.stop()


def run(args: argparse.Namespace, workdir: Path) -> None:
    """Measure everything asked for."""
    for kind in args.databases:
        url, drop = new_database(kind, workdir)
        try:
            loaded = load_customers(url, args.customers)
            print(f"\n[{kind}] {args.customers:,} customers loaded in {loaded:.1f} s")
            rate, steps, seconds, wall = throughput(url, args.customers, workdir)
            print(f"  batched (2 workers):    {rate:>9,.0f} customer-steps/s "
                  f"({steps:,} steps in {seconds:.1f} s from first to last step; "
                  f"{steps / wall:,.0f}/s over {wall:.1f} s including worker start-up)")
            rate, steps, seconds = naive(url, args.naive, workdir)
            print(f"  naive 1 job/step (2 w): {rate:>9,.0f} customer-steps/s "
                  f"({steps:,} steps in {seconds:.1f} s)")
            p50, p99, per_customer = lateness(url, args.due, workdir)
            print(f"  wake-up lateness, {args.due:,} due in the same second: "
                  f"p50 {p50:.2f} s, p99 {p99:.2f} s")
            print(f"  Redis memory per waiting customer: {per_customer:.2f} bytes")
        finally:
            drop()
    if "postgresql" in args.databases and args.enroll:
        loaded, seconds = enrollment(args.enroll, workdir)
        print(f"\n[postgresql] enrolling {args.enroll:,} matching customers: {seconds:.1f} s "
              f"(loading them took {loaded:.1f} s)")


if __name__ == "__main__":
    main()
