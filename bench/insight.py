"""Benchmark: every insight read — the canvas's per-step figures, the journey dashboard, coverage,
fatigue and the lifecycle stage board — on PostgreSQL with 1,000,000 customers, 10,000,000
messages and 5,000,000 events (issue 20's goal: ≤ 500 ms each, median and p90 printed).

Fills a database of its own (WAYLINE_BENCH_INSIGHT_URL, default a database `wayline_insight`
on the local PostgreSQL; kept between runs, `--fresh` refills it) in SQL with generate_series,
each table in time order as a running installation writes it:
20 journeys of five send steps and a split, 2,000,000 runs over the last year (each customer in
two journeys), 16,000,000 steps, 10,000,000 messages over three channels, 5,000,000 events
(opens, clicks, unsubscribes, purchases with a total, page views). Then rolls every insight
summary up from nothing (timed: what a first deployment costs) and once more (a steady roll),
and times each read 20 times.

Beside each read it prints a baseline measured in the same run: the floor (a one-row primary-key
read of the same table, what any query costs on this machine now) and, where the figure could be
read from the record instead of a summary, that naive read (e.g. a step's messages counted from
`messages`) — the ratio says what the summary saves.
Run: .venv/bin/python bench/insight.py [--fresh] [--scale 1.0]
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec
import redis
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from runtime.clock import FrozenClock
from runtime.insight import (
    coverage_reads,
    fatigue,
    journey_reads,
    registry,
    roll_up,
    stage_reads,
)
from runtime.insight.steps import step_figures
from runtime.messaging.policy import Cap
from runtime.run.jobs import Runtime
from runtime.settings import Settings
from runtime.store.db import make_engine, migrate
from runtime.store.insight_models import InsightState
from runtime.store.models import Message, Run
from server.context import Wayline
from server.services.dashboard import journey_dashboard
from server.services.stats import journey_stats

ADMIN_URL = os.environ.get("WAYLINE_TEST_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/test")
URL = os.environ.get("WAYLINE_BENCH_INSIGHT_URL",
                     make_url(ADMIN_URL).set(database="wayline_insight")
                     .render_as_string(hide_password=False))
REDIS_URL = os.environ.get("WAYLINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
"""Where the stats call keeps its counts during the bench (emptied afterwards)."""
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Seoul")
JOURNEYS = 20
SENDS = 5
RUNS_TIMED = 20
GOAL = 500.0  # ms


def document() -> dict[str, Any]:
    """Everyone → five emails and texts a day apart → a split with a control group → exits;
    goal: a purchase within 7 days, its total the revenue."""
    def node(node_id: str, kind: str, label: str, config: dict[str, Any]) -> dict[str, Any]:
        return {"id": node_id, "type": kind, "position": {"x": 0, "y": 0},
                "data": {"label": label, "config": config}}
    nodes = [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}})]
    nodes += [node(f"m{index}", "action.send", f"Message {index}",
                   {"channel": "email", "template": 1}) for index in range(1, SENDS + 1)]
    nodes += [node("split", "flow.random", "Offer", {"variants": [
        {"key": "a", "label": "Coupon", "percent": 45},
        {"key": "b", "label": "Free shipping", "percent": 45}], "control_percent": 10}),
        node("x", "flow.exit", "A", {"reason": "a"}), node("y", "flow.exit", "B", {"reason": "b"}),
        node("z", "flow.exit", "C", {"reason": "c"})]
    chain = ["in", *[f"m{index}" for index in range(1, SENDS + 1)], "split"]
    edges = [{"id": f"{a}-{b}", "source": a, "target": b,
              **({"sourceHandle": "next"} if a.startswith("m") else {})}
             for a, b in zip(chain, chain[1:], strict=False)]
    edges += [{"id": f"split-{port}", "source": "split", "target": target, "sourceHandle": port}
              for port, target in (("a", "x"), ("b", "y"), ("control", "z"))]
    return {"nodes": nodes, "edges": edges, "settings": {
        "timezone": "Asia/Seoul", "goal": {"event": "purchase", "within": {
            "amount": 7, "unit": "days"}, "exit": False, "value": "total"}}}


FILL = [
    ("customers", """
     INSERT INTO customers (id, external_id, email, phone, attributes, consent, created_at,
                            updated_at)
     SELECT i, 'c' || i, 'c' || i || '@example.kr', NULL,
            jsonb_build_object('country', (ARRAY['KR','KR','KR','JP','US'])[1 + i % 5],
                               'plan', (ARRAY['free','pro','team'])[1 + i % 3],
                               'last_purchase', to_char(:now - (i % 400) * interval '1 day',
                                                        'YYYY-MM-DD')),
            '{"email": true, "sms": true}'::jsonb, :now - (i % 700) * interval '1 day', :now
     FROM generate_series(1, :customers) AS i"""),
    ("journeys", """
     INSERT INTO journeys (id, name, description, status, draft, draft_revision, paused_steps,
                           created_at, updated_at)
     SELECT j, 'Journey ' || j, '', 'live', CAST(:document AS jsonb), 1, '[]'::jsonb, :now, :now
     FROM generate_series(1, :journeys) AS j"""),
    ("versions", """
     INSERT INTO journey_versions (id, journey_id, number, document, published_at)
     SELECT j, j, 1, CAST(:document AS jsonb), :now - interval '400 days'
     FROM generate_series(1, :journeys) AS j"""),
    ("live versions", "UPDATE journeys SET live_version_id = id"),
    ("runs", """
     INSERT INTO runs (id, journey_id, journey_version_id, customer_id, entry_key, status,
                       node_id, step_count, version, payload, entered_at, ended_at,
                       converted_at, exit_reason, visit)
     SELECT r, 1 + r % :journeys, 1 + r % :journeys, 1 + (r / 2) % :customers, 'once',
            CASE WHEN r % 50 = 0 THEN 'waiting' ELSE 'exited' END,
            CASE WHEN r % 50 = 0 THEN 'm3' ELSE 'x' END, 8, 1, '{}'::jsonb, entered,
            CASE WHEN r % 50 = 0 THEN NULL ELSE entered + interval '6 days' END,
            CASE WHEN r % 10 = 0 THEN entered + (r % 160) * interval '1 hour' END,
            CASE WHEN r % 50 = 0 THEN NULL ELSE 'a' END, 1
     FROM (SELECT r, :now - interval '372 days' + r * (interval '365 days' / :runs) AS entered
           FROM generate_series(1, :runs) AS r) AS made"""),
    ("steps", """
     INSERT INTO steps (run_id, node_id, visit, port, outcome, detail, entered_at, left_at)
     SELECT r.id, n.node_id, 1, n.port, 'moved', '', r.entered_at + n.k * interval '1 day',
            r.entered_at + n.k * interval '1 day' + interval '1 minute'
     FROM runs AS r CROSS JOIN (VALUES ('in', 0, 'next'), ('m1', 0, 'next'), ('m2', 1, 'next'),
          ('m3', 2, 'next'), ('m4', 3, 'next'), ('m5', 4, 'next'), ('split', 5, 'a'),
          ('x', 5, NULL)) AS n(node_id, k, port)
     ORDER BY r.id"""),
    ("messages", """
     INSERT INTO messages (id, run_id, node_id, visit, journey_id, customer_id, channel, purpose,
                           template_id, status, content, attempts, created_at, sent_at,
                           updated_at)
     SELECT row_number() OVER (ORDER BY made, run_id, k), run_id, 'm' || k, 1, journey_id,
            customer_id, (ARRAY['email','sms','kakao'])[1 + (run_id + k) % 3], 'marketing', 1,
            (ARRAY['sent','delivered','delivered','delivered','failed','suppressed','sent',
                   'delivered'])[1 + (run_id * 7 + k) % 8],
            '{}'::jsonb, 1, made,
            CASE WHEN (run_id * 7 + k) % 8 IN (4, 5) THEN NULL
                 ELSE made + interval '2 minutes' END, made
     FROM (SELECT r.id AS run_id, r.journey_id, r.customer_id, k,
                  r.entered_at + (k - 1) * interval '1 day' AS made
           FROM runs AS r CROSS JOIN generate_series(1, 5) AS k
           WHERE (r.id - 1) * 5 + k <= :messages) AS sends
     ORDER BY made, run_id, k"""),
    ("events", """
     INSERT INTO events (id, customer_id, name, properties, occurred_at, received_at)
     SELECT row_number() OVER (ORDER BY at, e), customer_id, name, properties, at, at
     FROM (SELECT e, m.customer_id, m.created_at + interval '3 hours' AS at,
                  CASE WHEN e % 10 < 5 THEN 'email_opened' WHEN e % 10 = 5 THEN 'email_clicked'
                       WHEN e % 10 = 6 THEN 'unsubscribed' ELSE 'page_view' END AS name,
                  CASE WHEN e % 10 < 6 THEN jsonb_build_object(
                           'message_id', m.id, 'journey_id', m.journey_id, 'node_id', m.node_id)
                       WHEN e % 10 = 6 THEN jsonb_build_object('channel', m.channel)
                       ELSE '{}'::jsonb END AS properties
           FROM generate_series(1, :events - :purchases) AS e
           JOIN messages AS m ON m.id = 1 + (e * 2) % :messages) AS made
     ORDER BY at, e"""),
    ("purchases", """
     INSERT INTO events (id, customer_id, name, properties, occurred_at, received_at)
     SELECT :events - :purchases + row_number() OVER (ORDER BY r.id), r.customer_id,
            'purchase', jsonb_build_object('total', 10000 + (r.id % 50) * 1000), r.converted_at,
            r.converted_at
     FROM runs AS r WHERE r.converted_at IS NOT NULL LIMIT :purchases"""),
]


HISTORY = [
    # A year of lifecycle history, as the stages roller would have written it: each customer
    # moved on twice, some later moved further (advanced_at) or fell back (left_at).
    ("stage moves", """
     INSERT INTO stage_moves (id, customer_id, from_stage, to_stage, moved_at, journey_id,
                              left_at, advanced_at)
     SELECT i, 1 + (i / 2) % :customers, stages[1 + k], stages[2 + k], moved,
            CASE WHEN i % 10 < 7 THEN 1 + i % :journeys END,
            CASE WHEN i % 4 = 1 AND moved + (i % 30) * interval '1 day' < :now
                 THEN moved + (i % 30) * interval '1 day' END,
            CASE WHEN i % 4 = 0 AND moved + (i % 30) * interval '1 day' < :now
                 THEN moved + (i % 30) * interval '1 day' END
     FROM (SELECT i, (i % 2) + (i / 2) % 3 AS k,
                  ARRAY['acquisition', 'activation', 'retention', 'revenue',
                        'referral'] AS stages,
                  :now - interval '365 days' + i * (interval '365 days' / (2 * :customers))
                    AS moved
           FROM generate_series(1, 2 * :customers) AS i) AS made"""),
    ("stage days", """
     INSERT INTO stage_days (day, stage, customers)
     SELECT CAST(:now AS date) - d, stage, 100000 + d * 10 + length(stage)
     FROM generate_series(1, 365) AS d
     CROSS JOIN unnest(ARRAY['acquisition', 'activation', 'retention', 'revenue',
                             'referral']) AS stage"""),
]
"""Summaries only time writes: a year of lifecycle moves and daily sizes (the stages roller's
first roll places everyone without moves, as nobody moved then)."""


def sizes_at(scale: float) -> dict[str, int]:
    """The world's sizes: the issue's at scale 1."""
    return {"customers": int(1_000_000 * scale), "runs": int(2_000_000 * scale),
            "messages": int(10_000_000 * scale), "events": int(5_000_000 * scale),
            "purchases": int(200_000 * scale), "journeys": JOURNEYS}


def fill(engine: Any, sizes: dict[str, int]) -> None:
    """The world, table by table, each timed."""
    values = {**sizes, "now": NOW, "document": msgspec.json.encode(document()).decode()}
    for name, sql in FILL:
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(text(sql), {key: value for key, value in values.items()
                                           if f":{key}" in sql})
        print(f"  filled {name:<13} {time.perf_counter() - started:7.1f} s", flush=True)
    with engine.begin() as connection:
        for table in ("customers", "journeys", "journey_versions", "runs", "messages", "events"):
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def database(fresh: bool, sizes: dict[str, int], url: str = URL) -> Any:
    """The bench database at `url`, filled (made and filled when missing or `fresh`)."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": name})
        if exists and fresh:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        if not exists or fresh:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        filled = connection.scalar(text("SELECT count(*) FROM journeys"))
    if not filled:
        print(f"filling {name} ({sizes['runs']:,} runs) ...", flush=True)
        fill(engine, sizes)
    return engine


def timed(action: Callable[[], Any], runs: int = RUNS_TIMED) -> tuple[float, float]:
    """Median and p90 of `runs` calls, in ms (one warm-up call first)."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def row(name: str, figure: tuple[float, float], baseline: tuple[float, float] | None = None,
        what: str = "floor") -> None:
    median, p90 = figure
    verdict = "ok" if median <= GOAL and p90 <= GOAL else "OVER GOAL"
    line = f"  {name:<44} median {median:8.1f} ms  p90 {p90:8.1f} ms  {verdict}"
    if baseline is not None:
        line += f"   ({what} {baseline[0]:.1f} ms, ×{median / max(baseline[0], 0.001):.1f})"
    print(line, flush=True)


def roll_everything(sessions: Callable[[], Any]) -> None:
    """Every roller from nothing, then a steady roll, each timed."""
    for roller in registry():
        with sessions() as session:
            fresh = session.get(InsightState, roller.key) is None
        for label in (("first roll (from nothing)" if fresh else "roll"), "steady roll"):
            started = time.perf_counter()
            roll_up(sessions, NOW, ZONE, keys=[roller.key], force=True)
            print(f"  {roller.key:<16} {label:<26} {time.perf_counter() - started:8.1f} s",
                  flush=True)


def naive_step_messages(session: Session, journey_id: int) -> Any:
    """The naive design: a journey's messages per step and status, counted from the ledger."""
    return session.execute(select(Message.node_id, Message.status, func.count())
                           .join(Run, Run.id == Message.run_id)
                           .where(Run.journey_version_id == journey_id)
                           .group_by(Message.node_id, Message.status)).all()


Read = Callable[[Wayline, Session, int, date], Any]

READS: list[tuple[str, Read, str | None]] = [
    ("canvas: what each step earned (insight_days)",
     lambda wl, session, journey, today: step_figures(session, journey), "naive"),
    ("canvas: the whole stats call, every figure counted for it",
     lambda wl, session, journey, today: journey_stats(Wayline(replace(
         wl.runtime, settings=replace(wl.settings, stats_live_runs=10**9))), journey), "naive"),
    ("canvas: the whole stats call, step figures kept",
     lambda wl, session, journey, today: journey_stats(wl, journey), "naive"),
]
"""(name, read(wl, session, journey_id, today), baseline kind): every timed read; the insight
pages' reads join it (`pages_reads`)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh", action="store_true", help="refill the bench database")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the issue's sizes")
    parser.add_argument("--fill-only", action="store_true", help="fill the database and stop")
    args = parser.parse_args()
    engine = database(args.fresh, sizes_at(args.scale))
    if args.fill_only:
        return
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        counts = {table: session.scalar(text(f"SELECT count(*) FROM {table}"))
                  for table in ("customers", "runs", "steps", "messages", "events")}
    print("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
    print("rolling up:")
    roll_everything(sessions)
    with engine.begin() as connection:
        if not connection.scalar(text("SELECT count(*) FROM stage_moves")):
            values = {"customers": counts["customers"], "journeys": JOURNEYS, "now": NOW}
            for name, sql in HISTORY:
                connection.execute(text(sql), values)
                print(f"  added {name}", flush=True)
    today = NOW.astimezone(ZONE).date()
    journey = 7
    print(f"reads (goal ≤ {GOAL:.0f} ms median and p90; {RUNS_TIMED} runs each):")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    with tempfile.TemporaryDirectory() as workdir, sessions() as session:
        wl = Wayline(Runtime(Settings(data_dir=workdir, api_key="bench"), engine, sessions,
                             client, {}, FrozenClock(NOW)))
        floor = timed(lambda: session.execute(text("SELECT id FROM runs WHERE id = 1")).all())
        naive = timed(lambda: naive_step_messages(session, journey), runs=3)
        row("floor: one row by primary key", floor)
        row("naive: a journey's messages from the ledger", naive)
        for name, read, baseline in READS + pages_reads():
            figure = timed(lambda read=read: read(wl, session, journey, today))
            row(name, figure, naive if baseline == "naive" else floor,
                "naive read of the record" if baseline == "naive" else "floor")
    client.flushdb()


INTENTS = fatigue.weekly_intents({channel: Cap(limit=2, days=7)
                                  for channel in ("email", "sms", "kakao")})
"""Frequency caps of two marketing messages a week per channel (the bench's messages average
about one a channel a week, so some customers are over)."""


def last_week(today: date) -> date:
    """The Monday of the last complete week."""
    return fatigue.monday(today) - timedelta(weeks=1)


def pages_reads() -> list[tuple[str, Read, str | None]]:
    """The insight pages' reads: dashboard, coverage, fatigue, lifecycle stages."""
    month = (NOW - timedelta(days=30), NOW)

    def year(today: date) -> date:
        return today - timedelta(days=365)
    return [
        ("dashboard: entries, conversions, revenue per day (a year)",
         lambda wl, session, journey, today: journey_reads.read_days(
             session, journey, year(today), today), None),
        ("dashboard: headline totals (a year)",
         lambda wl, session, journey, today: journey_reads.read_totals(
             session, journey, year(today), today), None),
        ("dashboard: time to convert (a year)",
         lambda wl, session, journey, today: journey_reads.read_to_convert(
             session, journey, year(today), today), None),
        ("dashboard: messages by step, channel, status (a year)",
         lambda wl, session, journey, today: journey_reads.read_messages(
             session, journey, year(today), today), None),
        ("dashboard: sent, opens, clicks, unsubscribes per day (a year)",
         lambda wl, session, journey, today: journey_reads.read_engagement(
             session, journey, year(today), today), None),
        ("dashboard: sent per day by channel (a year)",
         lambda wl, session, journey, today: journey_reads.read_channel_days(
             session, journey, year(today), today), None),
        ("dashboard: the whole call (a year, and the one before)",
         lambda wl, session, journey, today: journey_dashboard(wl, journey, year(today), today),
         "naive"),
        ("coverage: headline (30 days)",
         lambda wl, session, journey, today: coverage_reads.headline(session, 30, NOW, ZONE),
         None),
        ("coverage: trend (30 days)",
         lambda wl, session, journey, today: coverage_reads.trend(session, 30, NOW, ZONE), None),
        ("coverage: breakdown (30 days)",
         lambda wl, session, journey, today: coverage_reads.breakdown(session, 30), None),
        ("coverage: list, a page deep in it",
         lambda wl, session, journey, today: coverage_reads.untouched_page(
             session, 30, NOW, after=600_000, limit=50), None),
        ("fatigue: a week's distribution",
         lambda wl, session, journey, today: fatigue.distribution(session, last_week(today)),
         None),
        ("fatigue: unsubscribes by messages a week (12 weeks)",
         lambda wl, session, journey, today: fatigue.unsubscribes_by_frequency(
             session, last_week(today) - timedelta(weeks=11), last_week(today)), None),
        ("fatigue: customers over the caps' intent",
         lambda wl, session, journey, today: fatigue.over_caps_count(
             session, last_week(today), INTENTS), None),
        ("fatigue: their share, week by week (12 weeks)",
         lambda wl, session, journey, today: fatigue.over_caps_trend(
             session, last_week(today), 12, INTENTS), None),
        ("fatigue: the list of them, a page",
         lambda wl, session, journey, today: fatigue.over_caps_page(
             session, last_week(today), INTENTS, None, 50), None),
        ("stages: customers per stage now",
         lambda wl, session, journey, today: stage_reads.stage_sizes(session), None),
        ("stages: history (90 days)",
         lambda wl, session, journey, today: stage_reads.stage_history(
             session, today - timedelta(days=90), today), None),
        ("stages: conversion between stages (30 days)",
         lambda wl, session, journey, today: stage_reads.stage_conversions(session, *month),
         None),
        ("stages: median time in stage (30 days)",
         lambda wl, session, journey, today: stage_reads.time_in_stage(session, *month), None),
        ("stages: journeys moving customers (30 days)",
         lambda wl, session, journey, today: stage_reads.moving_journeys(session, *month),
         None),
    ]


if __name__ == "__main__":
    main()
