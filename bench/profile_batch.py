"""Profile one batch in-process: µs per customer by phase, for the 4-step benchmark journey.

Creates a fresh database, loads customers, publishes the 4-step journey (entry → condition →
update → send to the outbox), then claims and advances batches of runs exactly as a worker
does (`advance_runs`), and delivers the messages they wrote (`lease` + `deliver`). Each phase
is timed by wrapping the functions that do it, so the figures include their SQL round trips.

Run: .venv/bin/python bench/profile_batch.py [--database postgresql|sqlite] [--batches 8]
A steadier measure than the multi-process benchmark on a shared machine.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.documents import four_steps  # noqa: E402
from bench.runtime import add_journey, load_customers, new_database  # noqa: E402
from runtime.messaging.adapters import OutboxAdapter  # noqa: E402
from runtime.messaging.channels import recorders  # noqa: E402
from runtime.run.sweeper import claim_due_runs, new_token  # noqa: E402
from runtime.store.db import make_engine, make_sessionmaker  # noqa: E402

PHASES = [
    ("runtime.run.batch", "_lock_claimed", "lock runs"),
    ("runtime.run.batch", "load_compiled", "journeys"),
    ("runtime.run.batch", "load_profiles", "profile load"),
    ("runtime.run.batch", "advance", "engine"),
    ("runtime.run.batch", "_write_runs", "runs update"),
    ("runtime.run.batch", "insert_rows", "step log"),
    ("runtime.run.batch", "_write_steps", "step log"),
    ("runtime.run.batch", "_finish_waits", "finish waits"),
    ("runtime.run.batch", "_write_profiles", "profile patch"),
    ("runtime.run.batch", "compose_messages", "message rows"),
    ("runtime.messaging.messages", "new_ids", "  ids"),
    ("runtime.messaging.messages", "_message", "  compose+render"),
    ("runtime.messaging.messages", "insert_rows", "  insert"),
    ("runtime.messaging.messages", "write_messages", "  insert"),
]
"""(module, function, label): the functions wrapped; missing ones are skipped."""

totals: dict[str, float] = defaultdict(float)


def wrap(module_name: str, name: str, label: str) -> None:
    module = importlib.import_module(module_name)
    original = getattr(module, name, None)
    if original is None or getattr(original, "_profiled", False):
        return

    @functools.wraps(original)
    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - began
    timed._profiled = True
    setattr(module, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgresql")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--deliver", action="store_true",
                        help="send outbox messages through delivery jobs' path, not in the batch")
    parser.add_argument("--gc", choices=["default", "worker", "off"], default="worker",
                        help="garbage collector as a worker sets it (default), Python's, or off")
    parser.add_argument("--sql", action="append", default=[],
                        help="a statement to run on the new database first (experiments)")
    parser.add_argument("--cprofile", action="store_true",
                        help="also print the top functions by own time (Python side only)")
    parser.add_argument("--sort", default="tottime", help="cProfile order (tottime, cumtime)")
    parser.add_argument("--top", default="30", help="how many functions, or a name filter")
    args = parser.parse_args()
    profiler = None
    if args.cprofile:
        import cProfile
        profiler = cProfile.Profile()
    for module, name, label in PHASES:
        wrap(module, name, label)
    if args.gc == "off":
        import gc
        gc.disable()
    elif args.gc == "worker":
        from runtime.run.worker import tune_garbage_collector
        tune_garbage_collector()
    from runtime.messaging import delivery
    from runtime.run import batch
    workdir = Path(tempfile.mkdtemp(prefix="wayline-profile-"))
    url, drop = new_database(args.database, workdir)
    try:
        if args.sql:
            from sqlalchemy import text
            with make_engine(url).begin() as connection:
                for statement in args.sql:
                    connection.execute(text(statement))
        load_customers(url, args.batch * (args.batches + 1))
        add_journey(url, four_steps, "profile")
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        adapters = {channel: OutboxAdapter() for channel in ("email", "sms", "kakao", "push")}
        runs: dict[str, list[float]] = defaultdict(list)
        for index in range(args.batches + 1):  # the first batch warms caches and is dropped
            totals.clear()
            now = datetime.now(UTC)
            token = new_token()
            began = time.perf_counter()
            with sessions() as session:
                ids = claim_due_runs(session, now, token, limit=args.batch)
                session.commit()
            totals["= claim (sweeper)"] = time.perf_counter() - began
            if profiler and index:
                profiler.enable()
            began, cpu = time.perf_counter(), time.process_time()
            with sessions() as session:
                result = batch.advance_runs(
                    session, ids, token, now,
                    recorders=None if args.deliver else recorders(adapters))
            totals["= batch total"] = time.perf_counter() - began
            totals["= batch, our CPU"] = time.process_time() - cpu
            began, cpu = time.perf_counter(), time.process_time()
            with sessions() as session:
                held = delivery.lease(session, result.messages, now, 300)
                session.commit()
                report = delivery.deliver(session, held.ids, adapters, now,
                                          leased_until=held.until)
            totals["= delivery total"] = time.perf_counter() - began
            totals["= delivery, our CPU"] = time.process_time() - cpu
            if profiler:
                profiler.disable()
            assert len(report.sent) == len(result.messages), report
            assert len(result.messages) == (len(ids) if args.deliver else 0), result
            if index:
                for label, seconds in totals.items():
                    runs[label].append(seconds * 1e6 / len(ids))
        print(f"[{args.database}] {args.batches} batches of {args.batch}: "
              "µs per customer, median (min)")
        for label, values in sorted(runs.items(), key=lambda item: item[0].startswith("=")):
            print(f"  {label:<18} {statistics.median(values):7.1f} ({min(values):.1f})")
        engine.dispose()
        if profiler:
            import pstats
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    finally:
        drop()


if __name__ == "__main__":
    main()
