"""Benchmark: the canvas's stats call on a big journey — 100,000 runs, 800,000 steps, 500,000
messages — on PostgreSQL, as the canvas polls it every 3 s (issue 20's goal for insight reads:
≤ 500 ms, median and p90).

Fills a database of its own (WAYLINE_BENCH_CANVAS_URL, default a database
`wayline_canvas_stats` on the local PostgreSQL; kept between runs, `--fresh` refills it) with
two journeys of bench/insight.py's shape: five sends, a split with a control group, exits; each
run visits eight steps. The first journey is timed.

Prints, each timed 20 times (median and p90):
- the floor: a one-row primary-key read, what any query costs on this machine now;
- the baseline: the call with every figure counted for it (the design before step counts were
  kept: WAYLINE_STATS_LIVE_RUNS above the journey's runs);
- the call as the canvas makes it: step figures from the count kept in Redis, who is where
  now counted live;
- a view of a count older than 10 s: it answers from the kept count and starts a recount;
- the recount itself, in the background: what keeping the count fresh costs.
Run: .venv/bin/python bench/canvas_stats.py [--fresh]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bench.insight import ADMIN_URL, NOW, REDIS_URL, ZONE, database, document
from builder.document import Goal
from runtime.clock import FrozenClock
from runtime.insight import roll_up
from runtime.run.jobs import Runtime
from runtime.settings import Settings
from server.context import Wayline
from server.services.stats import journey_stats
from server.services.step_counts import FRESH, count_steps

URL = os.environ.get("WAYLINE_BENCH_CANVAS_URL",
                     make_url(ADMIN_URL).set(database="wayline_canvas_stats")
                     .render_as_string(hide_password=False))
RUNS = 100_000
RUNS_TIMED = 20
GOAL = 500.0  # ms
SIZES = {"customers": RUNS, "runs": 2 * RUNS, "messages": 10 * RUNS, "events": 40_000,
         "purchases": 20_000, "journeys": 2}
"""bench/insight.py's world at two journeys: each customer is in both, journey 1 (the one
timed) has RUNS runs."""


def timed(action: Callable[[], Any], runs: int = RUNS_TIMED,
          between: Callable[[], Any] = lambda: None) -> tuple[float, float]:
    """Median and p90 of `runs` calls, in ms (one warm-up call first; `between` runs untimed
    before each)."""
    between()
    action()
    times = []
    for _ in range(runs):
        between()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.9) - 1, 0)]


def row(name: str, figure: tuple[float, float], baseline: tuple[float, float] | None = None,
        what: str = "floor", goal: bool = True) -> None:
    median, p90 = figure
    verdict = ("ok" if median <= GOAL and p90 <= GOAL else "OVER GOAL") if goal else ""
    line = f"  {name:<52} median {median:8.1f} ms  p90 {p90:8.1f} ms  {verdict:<9}"
    if baseline is not None:
        line += f" ({what} {baseline[0]:.1f} ms, ×{median / max(baseline[0], 0.001):.2f})"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="refill the bench database")
    args = parser.parse_args()
    engine = database(args.fresh, SIZES, URL)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        counts = {table: session.scalar(text(f"SELECT count(*) FROM {table}"))
                  for table in ("runs", "steps", "messages")}
    print("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
    started = time.perf_counter()
    roll_up(sessions, NOW, ZONE, keys=["journey_days"], force=True)
    print(f"insight summary rolled in {time.perf_counter() - started:.1f} s")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    clock = FrozenClock(NOW)
    with tempfile.TemporaryDirectory() as workdir, sessions() as session:
        settings = Settings(data_dir=workdir, api_key="bench")
        wl = Wayline(Runtime(settings, engine, sessions, client, {}, clock))
        every_call = Wayline(replace(wl.runtime, settings=replace(
            settings, stats_live_runs=100_000_000)))
        print(f"the canvas's stats call, {RUNS_TIMED} runs each (goal ≤ {GOAL:.0f} ms):")
        floor = timed(lambda: session.execute(text("SELECT id FROM runs WHERE id = 1")).all())
        row("floor: one row by primary key", floor, goal=False)
        baseline = timed(lambda: journey_stats(every_call, 1), runs=5)
        row("baseline: everything counted for the call", baseline)
        served = timed(lambda: journey_stats(wl, 1))
        row("served: step figures kept, who is where live", served, baseline, "baseline")
        row("  the same against the floor", served, floor)

        def stale() -> None:  # the kept count is over 10 s old, and no recount runs
            clock.advance(FRESH + timedelta(seconds=1))
            while client.keys("wayline:stats:*:counting"):
                time.sleep(0.05)

        row("a view of an old count (answers, starts a recount)",
            timed(lambda: journey_stats(wl, 1), runs=5, between=stale), baseline, "baseline")
        version_ids = [1]
        goal = msgspec.convert(document()["settings"]["goal"], Goal)
        recount = timed(lambda: count_steps(session, version_ids, goal), runs=5)
        row("the recount in the background (every 10 s at most)", recount, floor, goal=False)
    client.flushdb()


if __name__ == "__main__":
    main()
