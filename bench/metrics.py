"""Benchmark: how long one /metrics scrape takes on a large database.

Fills a fresh PostgreSQL database (production's database; SQLite is for one machine) with N runs
(default 1M) across 20 journeys — most ended, some waiting in the future, some due now and
late — and one message per run, then times `runtime.run.metrics.collect` (every family: Redis
queues and counters, due runs and sweeper lag, runs and messages by status) several times.

Prints per database: rows loaded, then median and worst times of a whole scrape (with the
shared run and message counts fresh), of the recount a scrape does every 30 s, and of the parts.

Run: .venv/bin/python bench/metrics.py [--runs 1000000]
Needs PostgreSQL at WAYLINE_BENCH_POSTGRES_URL (default: the local `test` database's server);
Redis is an embedded server of its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.runtime import new_database  # noqa: E402
from runtime.redis_server import EmbeddedRedis, connect  # noqa: E402
from runtime.run import metrics  # noqa: E402
from runtime.run.jobs import DELIVERY_QUEUE, STEPS_QUEUE  # noqa: E402
from runtime.store.db import make_engine, read_sessionmaker  # noqa: E402
from runtime.store.models import UTCDateTime  # noqa: E402

JOURNEYS = 20
SCRAPES = 7

FILL = """
INSERT INTO journeys (id, name, description, status, draft, draft_revision, created_at,
                      updated_at)
SELECT j, 'Journey ' || j, '', CASE WHEN j % 5 = 0 THEN 'paused' ELSE 'live' END, '{}', 1,
       :now, :now FROM generate_series(1, :journeys) j;
INSERT INTO journey_versions (id, journey_id, number, document, published_at)
SELECT j, j, 1, '{}', :now FROM generate_series(1, :journeys) j;
INSERT INTO customers (id, external_id, attributes, consent, created_at, updated_at)
SELECT c, 'm' || c, '{}', '{}', :now, :now FROM generate_series(1, :runs) c;
INSERT INTO runs (id, journey_id, journey_version_id, customer_id, entry_key, status, node_id,
                  wake_at, step_count, version, payload, entered_at)
SELECT r, 1 + r % :journeys, 1 + r % :journeys, r, 'once',
       CASE WHEN r % 10 < 7 THEN 'done' WHEN r % 10 = 7 THEN 'exited' ELSE 'waiting' END,
       'n', CASE WHEN r % 10 = 8 THEN :later WHEN r % 10 = 9 AND r % 100 = 99 THEN :late
                 WHEN r % 10 = 9 THEN :later END, 3, 1, '{}', :now
FROM generate_series(1, :runs) r;
INSERT INTO messages (id, run_id, node_id, visit, journey_id, customer_id, channel, purpose,
                      status, content, attempts, created_at, updated_at)
SELECT r, r, 'send', 1, 1 + r % :journeys, r,
       (ARRAY['email', 'sms', 'kakao', 'push', 'webhook'])[1 + r % 5], 'marketing',
       (ARRAY['sent', 'sent', 'sent', 'failed', 'suppressed', 'queued'])[1 + r % 6], '{}', 1,
       :now, :now
FROM generate_series(1, :runs) r;
"""


def fill(url: str, runs: int) -> float:
    """Load the rows; seconds taken."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    values = {"now": now, "journeys": JOURNEYS, "runs": runs,
              "later": datetime(2999, 1, 1, tzinfo=UTC), "late": datetime(2000, 1, 1, tzinfo=UTC)}
    times = [bindparam(name, type_=UTCDateTime) for name in ("now", "later", "late")]
    began = time.perf_counter()
    with engine.begin() as connection:
        for statement in filter(str.strip, FILL.split(";")):
            query = text(statement).bindparams(
                *(param for param in times if f":{param.key}" in statement))
            connection.execute(query, values)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - began


def scrape_times(url: str, redis_url: str) -> dict[str, list[float]]:
    """Seconds per scrape: full scrapes (counts shared), recounts, and each part alone."""
    engine = make_engine(url)
    reads = read_sessionmaker(engine)
    client = connect(redis_url)
    queues = [STEPS_QUEUE, DELIVERY_QUEUE]
    parts: dict[str, Callable[[Session, datetime], object]] = {
        "full scrape, counts shared": lambda session, now: metrics.collect(
            session, client, queues, now),
        "recount runs and messages": lambda session, now: metrics.count_ledger(session, now),
        "due runs and sweeper lag": lambda session, now: metrics.due_families(session, now),
        "queues and counters (Redis)": lambda session, now: (
            metrics.queue_families(client, queues), metrics.counter_families(client)),
    }
    times: dict[str, list[float]] = {name: [] for name in parts}
    with reads() as session:
        metrics.collect(session, client, queues, datetime.now(UTC))  # the first one counts
    for name, part in parts.items():
        for _ in range(SCRAPES):
            with reads() as session:
                began = time.perf_counter()
                part(session, datetime.now(UTC))
                times[name].append(time.perf_counter() - began)
    client.close()
    engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    with tempfile.TemporaryDirectory() as workdir, \
            EmbeddedRedis(Path(workdir) / "redis") as redis_server:
        for kind in ("postgresql",):
            url, drop = new_database(kind, Path(workdir))
            try:
                loaded = fill(url, args.runs)
                print(f"{kind}: {args.runs:,} runs, {args.runs:,} messages, {JOURNEYS} "
                      f"journeys loaded in {loaded:.1f} s")
                for name, seconds in scrape_times(url, redis_server.url).items():
                    print(f"    {name:<30} median {statistics.median(seconds) * 1000:7.1f} ms"
                          f"   worst {max(seconds) * 1000:7.1f} ms   ({SCRAPES} times)")
            finally:
                drop()


if __name__ == "__main__":
    main()
