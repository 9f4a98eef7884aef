"""/health, /ready and /metrics on real databases and Redis, after a real run."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
from litestar.testing import TestClient
from sqlalchemy import func, select

from runtime.messaging.adapters import OutboxAdapter
from runtime.redis_server import connect
from runtime.run.jobs import Runtime
from runtime.run.metrics import OVERDUE_AFTER
from runtime.settings import Settings
from runtime.store.db import make_engine, make_sessionmaker
from runtime.store.models import Customer, Message, Run, Step
from server.app import create_app
from server.context import Wayline
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template, drain
from tests.server.conftest import TEST_HOST

SAMPLE = re.compile(r'^([a-z_]+)(\{[^}]*\})? (-?[0-9.e+]+)$')


def parse(text: str) -> dict[str, dict[str, float]]:
    """Prometheus text → {metric: {labels: value}}; fails on any line not in the format."""
    found: dict[str, dict[str, float]] = {}
    declared = set()
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            declared.add(line.split()[2])
            continue
        match = SAMPLE.match(line)
        assert match, f"not an exposition line: {line!r}"
        name, labels, value = match.groups()
        assert name in declared, f"{name} has no HELP/TYPE"
        found.setdefault(name, {})[labels or ""] = float(value)
    return found


def mail_and_wait(template: int) -> dict:
    """Everyone: email → wait 1 hour → email again."""
    return document(
        [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("first", "action.send", "Hello", {"channel": "email", "template": template}),
         node("wait", "flow.delay", "An hour", {"mode": "duration",
                                                "duration": {"amount": 1, "unit": "hours"}}),
         node("second", "action.send", "Again", {"channel": "email", "template": template})],
        [edge("in", "first"), edge("first", "wait", "next"), edge("wait", "second", "next")])


def plain_template(session) -> int:
    return add_template(session, subject="Hi", source="Hello")


def test_health_answers_while_the_process_is_up(client):
    answer = client.get("/health")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_ready_checks_the_database_and_redis(client):
    answer = client.get("/ready")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ready" and body["reasons"] == []
    assert {check["name"]: check["ok"] for check in body["checks"]} == {
        "database": True, "redis": True}


def test_not_ready_without_redis_or_with_an_old_schema(tmp_path, app_context):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated
    runtime = Runtime(Settings(data_dir=tmp_path, database_url=str(engine.url),
                               allowed_hosts=TEST_HOST), engine,
                      make_sessionmaker(engine), connect("redis://127.0.0.1:1/0"),
                      {"email": OutboxAdapter()}, app_context.clock)
    with TestClient(create_app(Wayline(runtime)), raise_server_exceptions=False) as client:
        answer = client.get("/ready")
    engine.dispose()
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["status"] == "not_ready"
    assert {check["name"]: check["ok"] for check in body["checks"]} == {
        "database": False, "redis": False}
    reasons = " | ".join(body["reasons"])
    assert "database: schema is at revision (empty)" in reasons and "wayline migrate" in reasons
    assert "redis: does not answer PING" in reasons


def test_metrics_agree_with_the_rows_after_a_real_run(client, app_context):
    rt = app_context.runtime
    with app_context.writing() as session:
        add_customers(session, 40, app_context.now())
        journey = add_journey(session, mail_and_wait(plain_template(session)), "Hello twice")
    assert client.post(f"/api/journeys/{journey}/publish").status_code == 200
    drain(rt)
    rt.clock.advance(timedelta(hours=1) + OVERDUE_AFTER * 2)  # everyone due, a minute late

    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = parse(answer.text)
    with rt.sessions() as session:
        steps = session.scalar(select(func.count()).select_from(Step))
        sent = session.scalar(select(func.count()).select_from(Message))
        customers = session.scalar(select(func.count()).select_from(Customer))
        runs = session.scalar(select(func.count()).select_from(Run))
    assert found["wayline_steps_total"][""] == steps == 40 * 3  # entry, send, delay
    assert found["wayline_messages"]['{channel="email",status="sent"}'] == sent == 40
    assert found["wayline_runs"][f'{{journey="{journey}",status="waiting"}}'] == runs == customers
    assert found["wayline_runs_due"][""] == 40
    assert found["wayline_runs_overdue"][""] == 40
    lag = found["wayline_sweeper_lag_seconds"][""]
    assert lag == (OVERDUE_AFTER * 2).total_seconds()
    assert found["wayline_queue_jobs"] == {'{queue="wayline-steps"}': 0,
                                           '{queue="wayline-delivery"}': 0}
    assert found["wayline_batches_total"][""] >= 1
    assert found["wayline_scrape_duration_seconds"][""] > 0

    drain(rt)  # the due runs go on: the gauges drop, the counters grow
    again = parse(client.get("/metrics").text)
    assert again["wayline_runs_due"][""] == again["wayline_sweeper_lag_seconds"][""] == 0
    with rt.sessions() as session:
        steps_now = session.scalar(select(func.count()).select_from(Step))
    assert again["wayline_steps_total"][""] == steps_now == steps + 40  # the second send
    # The run and message counts are shared and recounted at most every 30 s.
    assert again["wayline_messages"] == found["wayline_messages"]
    rt.clock.advance(timedelta(seconds=31))
    recounted = parse(client.get("/metrics").text)
    assert recounted["wayline_messages"]['{channel="email",status="sent"}'] == 80
    assert recounted["wayline_ledger_counts_age_seconds"][""] == 0


def test_paused_journeys_are_not_lag(client, app_context):
    rt = app_context.runtime
    with app_context.writing() as session:
        add_customers(session, 5, app_context.now())
        journey = add_journey(session, mail_and_wait(plain_template(session)), "Held")
    client.post(f"/api/journeys/{journey}/publish")
    drain(rt)
    assert client.post(f"/api/journeys/{journey}/pause").status_code == 200
    rt.clock.advance(timedelta(hours=3))
    found = parse(client.get("/metrics").text)
    assert found["wayline_runs_due"][""] == found["wayline_sweeper_lag_seconds"][""] == 0


def test_the_schema_describes_the_operations_endpoints(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert {"/health", "/ready", "/metrics"} <= set(paths)
    assert "503" in paths["/ready"]["get"]["responses"]
    assert "text/plain" in paths["/metrics"]["get"]["responses"]["200"]["content"]


def test_a_server_logs_json_lines_with_context(tmp_path):
    """`wayline server` with WAYLINE_LOG_FORMAT=json: every line on stderr is one JSON object,
    uvicorn's access lines included (with method, path and status)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WAYLINE_")}
    environ.update(PYTHONPATH=str(Path(__file__).resolve().parents[2]), WAYLINE_PORT=str(port),
                   WAYLINE_DATA_DIR=str(tmp_path / "data"), WAYLINE_LOG_FORMAT="json")
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "server"], env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "no answer"
                time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGINT)
        _out, err = server.communicate(timeout=30)
    entries = [json.loads(line) for line in err.splitlines()]  # fails on any non-JSON line
    assert all(entry.keys() >= {"time", "level", "logger", "message"} for entry in entries)
    access = [entry for entry in entries if entry["logger"] == "uvicorn.access"]
    assert {(entry["method"], entry["path"], entry["status"]) for entry in access} == {
        ("GET", "/health", 200)}
