"""Scale-out: `wayline server` and three `wayline worker` processes on PostgreSQL and Redis drain
a large journey; every customer is processed exactly once, even with a worker killed -9 mid-run.

Everything is real: the processes are started as an operator starts them (environment only),
on a fresh PostgreSQL database of this test and the test session's own Redis database.
WAYLINE_TEST_SCALE_CUSTOMERS sizes it (default 100,000: about 20 s on two cores); the test
prints how long the drain took.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from runtime.store.db import make_engine, make_sessionmaker, migrate
from runtime.store.models import Journey, RunStatus, Template
from tests.builder.journeys import document, edge, node
from tests.conftest import fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = int(os.environ.get("WAYLINE_TEST_SCALE_CUSTOMERS", "100000"))
WORKERS = 3
STEPS_EACH = 4  # entry, count, send, exit
DRAIN_TIMEOUT = max(240, CUSTOMERS // 250)
"""Seconds the drain may take: generous for a shared 2-core machine."""


def counting_journey(template: int) -> dict:
    """Everyone → count the visit → email (outbox) → exit: a visit count above 1 is a repeat."""
    return document(
        [node("entry", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("count", "action.update", "Count the visit", {"operations": [
             {"op": "increment", "name": "visits", "value": 1}]}),
         node("send", "action.send", "Hello", {"channel": "email", "template": template}),
         node("end", "flow.exit", "Done")],
        [edge("entry", "count"), edge("count", "send", "next"), edge("send", "end", "next")])


@pytest.fixture
def scale_database(request, tmp_path) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test alone; dropped afterwards."""
    request.getfixturevalue("postgres_admin")  # skips (or fails, in CI) without PostgreSQL
    for url in fresh_database_url("postgresql", request, tmp_path):
        migrate(url)
        yield url


CONSENT = '{"email": {"marketing": true, "night": true}}'
"""Marketing email at any hour: the test runs at any time of day, and night-time deferral
(which would hold these messages till morning) is not what it is about."""


def load_customers(engine: Engine, count: int) -> None:
    """COPY `count` customers with email consent."""
    now = datetime.now(UTC).isoformat()
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(
                "COPY customers (external_id, email, attributes, consent, created_at, "
                "updated_at) FROM STDIN") as copy:
            for index in range(count):
                copy.write_row((f"s{index}", f"s{index}@example.kr", "{}", CONSENT, now, now))
        raw.commit()
    finally:
        raw.close()


def add_draft(engine: Engine) -> int:
    with make_sessionmaker(engine)() as session:
        template = Template(channel="email", name="Hello", subject="Hello",
                            source="Hello {{ customer.external_id }}", options={})
        session.add(template)
        session.flush()
        journey = Journey(name="Everyone once", draft=counting_journey(template.id))
        session.add(journey)
        session.commit()
        return journey.id


class Processes:
    """`wayline` subprocesses started with an operator's environment; all killed at the end."""

    def __init__(self, environ: dict[str, str], logs: Path) -> None:
        self.environ, self.logs, self.started = environ, logs, []

    def start(self, command: str, *options: str) -> subprocess.Popen:
        log = self.logs / f"{command}-{len(self.started)}.log"
        process = subprocess.Popen([sys.executable, "-m", "server.cli", command, *options],
                                   env=self.environ, stdout=log.open("wb"),
                                   stderr=subprocess.STDOUT, cwd=self.logs)
        process.log = log
        self.started.append(process)
        return process

    def tails(self) -> str:
        return "\n".join(f"--- {p.args[3]} pid {p.pid} exit {p.poll()}\n"
                         f"{p.log.read_text()[-1200:]}" for p in self.started)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds: float, what: str, processes: Processes) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}\n{processes.tails()}")


def progress(engine: Engine) -> tuple[int, int]:
    """(runs ended, runs claimed right now)."""
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT count(*) FILTER (WHERE ended_at IS NOT NULL), "
            "count(*) FILTER (WHERE claimed_by IS NOT NULL) FROM runs")).one()


def test_three_workers_drain_a_journey_exactly_once_despite_a_kill(
        scale_database, redis_url, redis, tmp_path, capsys):
    engine = make_engine(scale_database)
    load_customers(engine, CUSTOMERS)
    journey = add_draft(engine)
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WAYLINE_")}
    environ.update(PYTHONPATH=str(ROOT), WAYLINE_DATABASE_URL=scale_database,
                   WAYLINE_REDIS_URL=redis_url, WAYLINE_PORT=str(port),
                   WAYLINE_DATA_DIR=str(tmp_path / "data"), WAYLINE_CLAIM_TIMEOUT="5",
                   WAYLINE_LOG_FORMAT="json")
    processes = Processes(environ, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        processes.start("server", "--workers", "2")  # two processes share the port
        workers = [processes.start("worker") for _ in range(WORKERS)]
        wait_for(lambda: _answers(f"{base}/ready"), 60, "the server to be ready", processes)
        wait_for(lambda: _registered_workers(redis) == WORKERS, 60, "3 workers", processes)

        key = subprocess.run([sys.executable, "-m", "server.cli", "key", "add", "scale",
                              "--scopes", "read,manage", "--quiet"], env=environ, check=True,
                             capture_output=True, text=True).stdout.strip()
        began = time.monotonic()
        published = httpx.post(f"{base}/api/journeys/{journey}/publish", timeout=120,
                               headers={"X-Api-Key": key})
        assert published.status_code == 200, published.text
        assert published.json()["entered"] == CUSTOMERS
        wait_for(lambda: progress(engine)[0] >= CUSTOMERS // 5, DRAIN_TIMEOUT,
                 "a fifth of the customers to finish", processes)
        workers[0].send_signal(signal.SIGKILL)  # mid-run: it holds claimed runs, maybe a batch
        workers[0].wait(timeout=10)
        ended, claimed = progress(engine)
        assert ended < CUSTOMERS and claimed > 0, "the kill should land mid-run"
        wait_for(lambda: progress(engine) == (CUSTOMERS, 0), DRAIN_TIMEOUT,
                 "every customer to finish", processes)
        seconds = time.monotonic() - began
        metrics = httpx.get(f"{base}/metrics", timeout=30, headers={"X-Api-Key": key})
        assert metrics.status_code == 200
    finally:
        processes.stop_all()
    with capsys.disabled():
        print(f"\nscale-out: {CUSTOMERS:,} customers x {STEPS_EACH} steps through {WORKERS} "
              f"workers (one killed -9 mid-run) in {seconds:.1f} s "
              f"({CUSTOMERS * STEPS_EACH / seconds:,.0f} steps/s)")
    assert_exactly_once(engine)
    assert 'wayline_runs_due 0' in metrics.text
    engine.dispose()


def assert_exactly_once(engine: Engine) -> None:
    """Every customer: one run, exited, the visit counted once, four steps, one message sent."""
    with engine.connect() as connection:
        def histogram(sql: str) -> dict:
            return dict(connection.execute(text(sql)).all())

        statuses = histogram("SELECT status, count(*) FROM runs GROUP BY 1")
        visits = histogram("SELECT (attributes ->> 'visits')::int, count(*) FROM customers "
                           "GROUP BY 1")
        steps_per_run = histogram("SELECT n, count(*) FROM (SELECT count(*) n FROM steps "
                                  "GROUP BY run_id) s GROUP BY 1")
        sent_per_customer = histogram("SELECT n, count(*) FROM (SELECT count(*) n FROM messages "
                                      "WHERE status = 'sent' GROUP BY customer_id) m GROUP BY 1")
        messages = connection.scalar(text("SELECT count(*) FROM messages"))
        outcomes = connection.execute(text("SELECT status, reason, count(*) FROM messages "
                                           "GROUP BY 1, 2 LIMIT 5")).all()
    assert statuses == {RunStatus.EXITED.value: CUSTOMERS}
    assert visits == {1: CUSTOMERS}, "a profile update was applied twice, or lost"
    assert steps_per_run == {STEPS_EACH: CUSTOMERS}, "a step was repeated or skipped"
    assert sent_per_customer == {1: CUSTOMERS} and messages == CUSTOMERS, outcomes


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _registered_workers(redis) -> int:
    from rq.worker import Worker

    return Worker.count(connection=redis)
