"""Benchmark: events in and messages out in real time, on PostgreSQL, next to the floor.

Prints, in one run:
- the floor: a bare Litestar endpoint inserting one row per event into the same database,
  served the same way (uvicorn, `--server-workers` processes);
- Wayline's `POST /api/events` (`wayline server --workers N`, two `wayline worker`s) with one
  live event journey (cart_add → condition → SMS) and `--others` live journeys listening to
  other events (the first `--big` steps long): acknowledged/s, p50/p99 with a closed-loop
  client (16 connections), then at offered rates (open loop, latency from the scheduled send),
  each beside the floor and as a ratio of it;
- event → provider-received p50/p99 at the first offered rate (a local HTTP SMS provider);
- `POST /api/events/batch` (500 events a request) events/s;
- with `--delivery`, bench/delivery.py's figures too (queued SMS and email drained vs a raw
  client).

Run: .venv/bin/python bench/realtime.py [--rates 200 500 1000 2000] [--seconds 10]
Needs PostgreSQL at WAYLINE_BENCH_POSTGRES_URL (default: the local `test` database's server);
Redis is an embedded server of its own.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench import loadgen  # noqa: E402
from bench.realtime_servers import FLOOR_TABLE  # noqa: E402
from bench.realtime_setup import (  # noqa: E402
    EVENT,
    ingest_cost,
    load_customers,
    phone,
    publish_journeys,
)
from bench.runtime import new_database  # noqa: E402

API_KEY = "bench-realtime-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def describe(outcome: loadgen.Outcome) -> tuple[float, str]:
    rate = outcome.acknowledged / outcome.seconds if outcome.seconds else 0.0
    others = {status: count for status, count in outcome.statuses.items()
              if not 200 <= status < 300}
    text_ = (f"{rate:>7,.0f}/s  p50 {percentile(outcome.latencies, .5) * 1000:>7,.0f} ms  "
             f"p99 {percentile(outcome.latencies, .99) * 1000:>7,.0f} ms")
    if others or outcome.unsent:
        text_ += f"  (non-2xx {others}, unsent {outcome.unsent})"
    return rate, text_


class Shop:
    """Wayline (server + workers), the provider and the floor, on one fresh database."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args, self.workdir = args, workdir
        self.processes: list[subprocess.Popen] = []
        self.next_index = 0

    def start(self, redis_url: str) -> None:
        args, workdir = self.args, self.workdir
        self.url, self.drop = new_database("postgresql", workdir)
        loaded = load_customers(self.url, args.customers)
        publish_journeys(self.url, 0, args.big)
        alone = ingest_cost(self.url, args.customers - 1000)
        publish_journeys(self.url, args.others, args.big, cart=False)
        beside = ingest_cost(self.url, args.customers - 600)
        print(f"one cart_add in-process, its own transaction: {alone:.2f} ms with no other "
              f"journey live, {beside:.2f} ms beside {args.others} others "
              f"({beside / alone:.2f}×)")
        engine = create_engine(self.url)
        with engine.begin() as connection:
            connection.execute(text(FLOOR_TABLE))
        engine.dispose()
        print(f"{args.customers:,} customers loaded in {loaded:.1f} s; 1 event journey and "
              f"{args.others} others live (one of {args.big} steps)")
        self.records = workdir / "provider.log"
        provider_port, self.port, self.floor_port = free_port(), free_port(), free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "WAYLINE_DATABASE_URL": self.url,
               "WAYLINE_REDIS_URL": redis_url, "WAYLINE_DATA_DIR": str(workdir),
               "WAYLINE_API_KEY": API_KEY, "WAYLINE_LOG_LEVEL": "WARNING",
               "WAYLINE_HOST": "127.0.0.1", "WAYLINE_PORT": str(self.port),
               "WAYLINE_SMS_URL": f"http://127.0.0.1:{provider_port}/sms",
               "WAYLINE_SMS_SENDER": "0212345678", "BENCH_FLOOR_DATABASE": self.url}
        log = (workdir / "processes.log").open("ab")
        spawn = [
            [sys.executable, "-m", "bench.realtime_servers", str(provider_port),
             str(self.records)],
            [sys.executable, "-m", "server.cli", "server", "--workers",
             str(args.server_workers)],
            [sys.executable, "-m", "uvicorn", "bench.realtime_servers:floor_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.floor_port), "--workers",
             str(args.server_workers), "--log-level", "warning", "--no-access-log"],
        ] + [[sys.executable, "-m", "server.cli", "worker"]] * args.workers
        for command in spawn:
            self.processes.append(subprocess.Popen(command, env=env, cwd=ROOT,
                                                   stdout=log, stderr=log))
        wait_up(f"http://127.0.0.1:{self.port}/health")
        wait_up(f"http://127.0.0.1:{self.floor_port}/schema")

    def messages(self) -> str:
        """Messages by status (and the commonest reason for those not sent)."""
        engine = create_engine(self.url)
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT status, count(*), min(reason) FROM messages GROUP BY status")).all()
            runs = connection.execute(text(
                "SELECT status, count(*) FROM runs GROUP BY status")).all()
        engine.dispose()
        return ("messages: " + ", ".join(f"{status} {count:,}" + (f" ({why})" if why else "")
                                         for status, count, why in rows)
                + "; runs: " + ", ".join(f"{status} {count:,}" for status, count in runs))

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.drop()

    def load(self, target: str, mode: str, **params) -> loadgen.Outcome:
        """One load run against Wayline ("wayline") or the floor ("floor")."""
        first = self.next_index
        if target == "wayline":
            port, path, headers = self.port, "/api/events", {"X-Api-Key": API_KEY}
        else:
            port, path, headers = self.floor_port, "/events", {}
        outcome = loadgen.run(mode, "127.0.0.1", port, path, headers,
                              loadgen.EventBody(EVENT), first, processes=2, **params)
        self.next_index = max(outcome.sent_at, default=first) + 10
        return outcome

    def settle(self, seconds: float = 60) -> None:
        """Wait until the provider has been quiet for two seconds (the journeys have drained)."""
        deadline = time.monotonic() + seconds
        last = -1
        while time.monotonic() < deadline:
            size = self.records.stat().st_size if self.records.exists() else 0
            if size == last:
                return
            last = size
            time.sleep(2)

    def arrivals(self) -> dict[str, float]:
        """First arrival at the provider by phone number."""
        found: dict[str, float] = {}
        for line in self.records.read_text().splitlines():
            when, _, to = line.partition(" ")
            found.setdefault(to, float(when))
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per load run")
    parser.add_argument("--rates", type=int, nargs="+", default=[200, 500, 1000, 2000])
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--big", type=int, default=490)
    parser.add_argument("--delivery", action="store_true", help="also run bench/delivery.py")
    args = parser.parse_args()
    from runtime.redis_server import EmbeddedRedis

    workdir = Path(tempfile.mkdtemp(prefix="wayline-realtime-"))
    redis_server = EmbeddedRedis(workdir / "redis").start()
    shop = Shop(args, workdir)
    print(f"wayline real-time benchmark — {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}, {args.server_workers} server processes, "
          f"{args.workers} workers")
    try:
        shop.start(redis_server.url)
        run(shop, args)
        print(shop.messages())
    finally:
        shop.stop()
        redis_server.stop()
    if args.delivery:
        from bench import delivery
        sys.argv = [sys.argv[0]]
        delivery.main()


def run(shop: Shop, args: argparse.Namespace) -> None:
    """Each load against the floor, then against Wayline, printed side by side."""
    print("\nPOST one event                     floor (bare insert)                       "
          "Wayline                                   ratio")
    loads = [("closed loop, 16 connections", "closed", {"connections": 16})] + [
        (f"offered {rate:,}/s", "open", {"rate": rate}) for rate in args.rates]
    for label, mode, params in loads:
        floor = shop.load("floor", mode, seconds=args.seconds, **params)
        shop.settle()
        first = shop.next_index
        ours = shop.load("wayline", mode, seconds=args.seconds, **params)
        floor_rate, floor_text = describe(floor)
        our_rate, our_text = describe(ours)
        print(f"{label:<30} {floor_text:<42} {our_text:<42} "
              f"{our_rate / floor_rate if floor_rate else float('nan'):.2f}")
        if mode == "open" and params["rate"] == args.rates[0]:
            shop.settle()
            latency(shop, ours, first)
        shop.settle()
    batch = loadgen.run("closed", "127.0.0.1", shop.port, "/api/events/batch",
                        {"X-Api-Key": API_KEY}, loadgen.BatchBody(EVENT, 500),
                        shop.next_index // 500 + 1, processes=2, connections=2,
                        seconds=args.seconds)
    print(f"\nPOST /api/events/batch (500 events, 2 connections): "
          f"{batch.acknowledged * 500 / batch.seconds:,.0f} events/s "
          f"(p50 {percentile(batch.latencies, .5) * 1000:,.0f} ms a request)")


def latency(shop: Shop, outcome: loadgen.Outcome, first: int) -> None:
    """Event → provider-received times of the customers an open-loop run sent."""
    arrivals = shop.arrivals()
    times = [arrivals[phone(index)] - sent for index, sent in outcome.sent_at.items()
             if phone(index) in arrivals and index >= first]
    missing = len(outcome.sent_at) - len(times)
    print(f"  event → provider received: p50 {percentile(times, .5) * 1000:,.0f} ms, "
          f"p99 {percentile(times, .99) * 1000:,.0f} ms over {len(times):,} messages"
          + (f" ({missing:,} acknowledged events had no message yet)" if missing else ""))


if __name__ == "__main__":
    main()
