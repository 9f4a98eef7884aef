"""Benchmark: audience previews over 1M customers and dry runs over 100k, on real PostgreSQL.

Prints, for a fresh database of N customers (attributes plan / country / score / signed_up,
5% tagged 'vip', a purchase event for 10%; then VACUUM ANALYZE, as autovacuum would):
- audience preview (exact count + first page of 20, as the endpoint serves it): median and p90
  over repeated calls, per typical rule, with the count and the page timed on their own too;
- the same again once the attributes the rules read are indexed
(runtime.audience.indexed_attributes:
  typed, indexed columns the database computes from the JSON), and how long indexing took;
- the load average when it starts and ends (the machine may be shared);
- a dry run of a 6-step journey (condition, random split, send, wait, update) whose entry
  audience is 10% of the customers: the whole of it, and the default 20,000 sample.

Run: .venv/bin/python bench/preview.py [--customers 1000000] [--repeat 15] [--keep]
Needs PostgreSQL at WAYLINE_BENCH_POSTGRES_URL (default: the local `test` database's server);
the benchmark makes its own database and drops it afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402
import redis  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.runtime import new_database  # noqa: E402
from nodes.kit.rules import Rule  # noqa: E402
from runtime.audience.query import customers, plan_audience_queries, session_clause  # noqa: E402
from runtime.clock import FrozenClock  # noqa: E402
from runtime.run.jobs import Runtime  # noqa: E402
from runtime.settings import Settings  # noqa: E402
from runtime.store.db import make_engine, make_sessionmaker  # noqa: E402
from runtime.store.models import Journey, Template  # noqa: E402
from server.context import Wayline  # noqa: E402
from server.schemas.previews import AudienceIn, DryRunIn  # noqa: E402
from server.schemas.workspace import IndexedAttributeIn  # noqa: E402
from server.services import dry_runs, previews, workspace  # noqa: E402

NOW = datetime(2026, 3, 2, tzinfo=UTC)
COUNTRIES = ("KR", "KR", "KR", "US", "JP")

RULES = {
    "plan = pro (1 in 7)": {"type": "attr", "field": "plan", "op": "eq", "value": "pro"},
    "country KR and score >= 50": {"type": "and", "rules": [
        {"type": "attr", "field": "country", "op": "eq", "value": "KR"},
        {"type": "attr", "field": "score", "op": "gte", "value": 50}]},
    "tag vip": {"type": "tag", "tag": "vip"},
    "purchased in 30 days": {"type": "event", "event": "purchase",
                             "within": {"amount": 30, "unit": "days"}},
    "signed up in 90 days, not vip": {"type": "and", "rules": [
        {"type": "attr", "field": "signed_up", "op": "within_last", "value": 90,
         "unit": "days"}, {"type": "tag", "tag": "vip", "has": False}]},
    "rare: score = 99 and pro (0.14%)": {"type": "and", "rules": [
        {"type": "attr", "field": "score", "op": "eq", "value": 99},
        {"type": "attr", "field": "plan", "op": "eq", "value": "pro"}]},
}


def load(url: str, count: int) -> float:
    """COPY `count` customers, their vip tags and purchase events; seconds taken."""
    engine = make_engine(url)
    began = time.perf_counter()
    raw = engine.raw_connection()
    with raw.cursor() as cursor:
        with cursor.copy("COPY customers (external_id, email, attributes, consent, created_at, "
                         "updated_at) FROM STDIN") as copy:
            for index in range(count):
                signed = (NOW - timedelta(days=index % 730)).strftime("%Y-%m-%dT%H:%M:%SZ")
                attributes = msgspec.json.encode({
                    "plan": "pro" if index % 7 == 0 else "free",
                    "country": COUNTRIES[index % 5], "score": (index * 37) % 100,
                    "signed_up": signed}).decode()
                copy.write_row((f"p{index}", f"p{index}@example.kr", attributes,
                                '{"email": true}', NOW, NOW))
        cursor.execute("INSERT INTO customer_tags (customer_id, tag) SELECT id, 'vip' "
                       "FROM customers WHERE id % 20 = 0")
        cursor.execute("INSERT INTO events (customer_id, name, properties, occurred_at, "
                       "received_at) SELECT id, 'purchase', '{}', %s - (id %% 60) * interval "
                       "'1 day', %s FROM customers WHERE id %% 10 = 3", (NOW, NOW))
    raw.commit()
    # What autovacuum does to a freshly loaded table in production (it is off on test servers):
    # statistics, and a visibility map so index-only scans skip the heap.
    raw.driver_connection.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE customers, customer_tags, events")
    raw.close()
    engine.dispose()
    return time.perf_counter() - began


def wayline_on(url: str, workdir: Path) -> Wayline:
    """The application context the endpoints use, on the benchmark database (Redis unused)."""
    engine = make_engine(url)
    runtime = Runtime(Settings(data_dir=workdir, api_key="bench"), engine,
                      make_sessionmaker(engine), redis.Redis(), {}, FrozenClock(NOW))
    return Wayline(runtime)


def timed(call, repeat: int) -> tuple[float, float, object]:
    """(median ms, p90 ms, last result) of `repeat` calls after two warm-ups."""
    for _ in range(2):
        result = call()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], result


INDEXED = {"plan": "text", "country": "text", "score": "number", "signed_up": "text"}
"""The attributes the typical rules read, as an operator would index them."""


def audience_figures(wl: Wayline, repeat: int, heading: str) -> None:
    print(f"\naudience preview (count + first page of 20), {heading}, median / p90 of {repeat} "
          f"calls (load average {_load()}):")
    print(f"  {'rule':34} {'count':>9} {'preview':>15} {'count only':>11} {'page only':>10}")
    for name, raw in RULES.items():
        data = AudienceIn(rule=msgspec.convert(raw, Rule))
        median, p90, result = timed(lambda data=data: previews.preview_audience(wl, data), repeat)
        alone, _, _ = timed(lambda rule=data.rule: previews._count(wl, rule, NOW), repeat)
        page, _, _ = timed(lambda rule=data.rule: _page_only(wl, rule), repeat)
        print(f"  {name:34} {result.count:>9,} {median:>7.1f} / {p90:>5.1f} ms "
              f"{alone:>8.1f} ms {page:>7.1f} ms")
    print(f"  (load average afterwards {_load()})")


def index_attributes(wl: Wayline) -> None:
    """Index the attributes the rules read, one by one as the API does; print how long."""
    print()
    for name, kind in INDEXED.items():
        began = time.perf_counter()
        column = workspace.index_attribute(wl, name, IndexedAttributeIn(kind=kind))
        print(f"  indexed {name} as {kind} in {time.perf_counter() - began:.1f} s "
              f"({column.customers:,} customers hold a {kind})")


def _load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def _page_only(wl: Wayline, rule: Rule):
    with wl.reading() as session:
        return previews._page(session, rule, NOW, 21, None)


def dry_run_figures(wl: Wayline, url: str) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        template = Template(channel="email", name="Offer", subject="Hi {{ customer.plan }}",
                            source="Score {{ customer.score }}", options={})
        session.add(template)
        session.flush()
        journey = Journey(name="Dry run bench", draft=_journey(template.id))
        session.add(journey)
        session.commit()
        audience = session.scalar(text("SELECT count(*) FROM customers WHERE "
                                       "(attributes->>'score')::int < 10"))
    engine.dispose()
    print(f"\ndry run, 30-day horizon, entry audience {audience:,} customers:")
    for label, limit in (("whole audience", 200_000), ("default sample", None)):
        began = time.perf_counter()
        result = dry_runs.dry_run(wl, journey.id, DryRunIn(sample_limit=limit))
        seconds = time.perf_counter() - began
        mail = next(node for node in result.nodes if node.node_id == "mail")
        print(f"  {label:16} simulated {result.simulated:>7,} in {seconds:6.2f} s "
              f"({result.simulated / seconds:,.0f} customers/s); 'Offer' reached by "
              f"{mail.reached.count:,} ± {mail.reached.margin:,}")


def _journey(template: int) -> dict:
    def node(node_id, kind, config):
        return {"id": node_id, "type": kind, "position": {"x": 0, "y": 0},
                "data": {"label": node_id, "config": config}}

    def edge(source, target, handle):
        return {"id": f"{source}-{target}", "source": source, "target": target,
                "sourceHandle": handle}
    return {"nodes": [
        node("in", "entry.segment", {"rule": {"type": "attr", "field": "score", "op": "lt",
                                              "value": 10}}),
        node("pro", "flow.condition", {"rule": {"type": "attr", "field": "plan", "op": "eq",
                                                "value": "pro"}}),
        node("ab", "flow.random", {"variants": [{"key": "a", "label": "A", "percent": 50},
                                                {"key": "b", "label": "B", "percent": 50}]}),
        node("mail", "action.send", {"channel": "email", "template": template}),
        node("wait", "flow.delay", {"mode": "duration", "duration": {"amount": 2,
                                                                     "unit": "days"}}),
        node("tag", "action.update", {"operations": [{"op": "add_tag", "name": "nudged"}]})],
        "edges": [edge("in", "pro", "next"), edge("pro", "ab", "yes"),
                  edge("pro", "wait", "no"), edge("ab", "mail", "a"),
                  edge("ab", "wait", "b"), edge("wait", "tag", "next")],
        "settings": {"timezone": "Asia/Seoul"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url, drop = new_database("postgresql", Path(workdir))
        try:
            print(f"loading {args.customers:,} customers ...", flush=True)
            print(f"  loaded in {load(url, args.customers):.1f} s")
            wl = wayline_on(url, Path(workdir))
            audience_figures(wl, args.repeat, "attributes in the JSON only")
            index_attributes(wl)
            audience_figures(wl, args.repeat, f"with {', '.join(INDEXED)} indexed")
            dry_run_figures(wl, url)
            _explain(wl)
            wl.runtime.engine.dispose()
        finally:
            if args.keep:
                print(f"kept {url}")
            else:
                drop()


def _explain(wl: Wayline) -> None:
    """The plan PostgreSQL picks for the count of a broad rule on indexed attributes."""
    rule = msgspec.convert(RULES["country KR and score >= 50"], Rule)
    with wl.reading() as session:
        plan_audience_queries(session)  # as counts are planned
        clause = session_clause(session, rule, NOW)
        query = customers.select().with_only_columns(customers.c.id).where(clause)
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = session.execute(text(f"EXPLAIN SELECT count(*) FROM ({compiled}) AS matched"))
        print("\nplan of the count for 'country KR and score >= 50':")
        for (line,) in plan:
            print("  " + line)


if __name__ == "__main__":
    main()
