"""A database or Redis outage answers 503 with Retry-After, never 500, and the same request
succeeds once the service is back.

The services that go down are throwaway ones these tests start and stop themselves: a PostgreSQL
cluster made with initdb in a temporary directory, and an embedded Redis-compatible server.
The shared PostgreSQL and Redis other test sessions use are never touched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from runtime.clock import FrozenClock
from runtime.messaging.adapters import OutboxAdapter
from runtime.redis_server import EmbeddedRedis, connect
from runtime.run.jobs import Runtime
from runtime.settings import Settings
from runtime.store.db import make_engine, make_sessionmaker, migrate
from server.app import create_app
from server.context import Wayline
from server.errors import RETRY_AFTER_SECONDS, is_outage
from tests.outages import ThrowawayPostgres, throwaway_postgres
from tests.runtime.harness import START, truncate
from tests.server.conftest import API_KEY, TEST_HOST, sign_in

INGEST = {"X-Api-Key": API_KEY}
EVENT = {"external_id": "c1", "name": "signup"}


@pytest.fixture(scope="module")
def postgres() -> Iterator[ThrowawayPostgres]:
    """A throwaway PostgreSQL, migrated to head, running when each test starts."""
    with throwaway_postgres() as server:
        migrate(server.url)
        yield server


def wayline_on(engine: Engine, redis_url: str, data_dir: Path) -> Wayline:
    """The application on this database and Redis, as the API fixtures make it."""
    settings = Settings(data_dir=data_dir, api_key=API_KEY, allowed_hosts=TEST_HOST)
    return Wayline(Runtime(settings, engine, make_sessionmaker(engine), connect(redis_url),
                           {"email": OutboxAdapter()}, FrozenClock(START)))


def assert_unavailable(answer, service: str) -> None:
    """A 503 with Retry-After, saying what is down and that nothing was lost."""
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    body = answer.json()
    assert body["error"] == "unavailable" and service in body["detail"]
    assert "nothing was lost" in body["detail"]
    assert body["issues"][0]["code"] in ("outage.database", "outage.redis")


def test_a_database_outage_answers_503_and_the_same_requests_succeed_after(
        postgres, redis_url, redis, tmp_path):
    engine = make_engine(postgres.url)
    truncate(engine)
    app = wayline_on(engine, redis_url, tmp_path)
    try:
        with TestClient(create_app(app), raise_server_exceptions=False) as client:
            sign_in(client, app)
            assert client.post("/api/events", json=EVENT, headers=INGEST).status_code == 200
            postgres.stop()
            try:
                assert_unavailable(client.post("/api/events", json=EVENT, headers=INGEST),
                                   "The database")
                assert_unavailable(client.get("/api/customers/c1"), "The database")
                assert_unavailable(client.get("/api/journeys"), "The database")
                assert client.get("/ready").status_code == 503
                page = client.get("/", headers={"Accept": "text/html"})  # the session needs SQL
                assert page.status_code == 503 and "text/html" in page.headers["content-type"]
                assert "can't reach its database" in page.text
                assert page.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
                assert_unavailable(client.post("/api/session", json={
                    "email": "admin@example.kr", "password": "not-checked-while-down"}),
                    "The database")
            finally:
                postgres.start()
            assert client.post("/api/events", json=EVENT, headers=INGEST).status_code == 200
            customer = client.get("/api/customers/c1")
            assert customer.status_code == 200 and len(customer.json()["events"]) == 2
            assert client.get("/ready").status_code == 200
    finally:
        truncate(engine)
        engine.dispose()


def test_a_redis_outage_leaves_metrics_and_ingest_answering_and_ready_says_why(engine, tmp_path):
    server = EmbeddedRedis(tmp_path / "redis").start()
    truncate(engine)
    app = wayline_on(engine, server.url, tmp_path)
    try:
        with TestClient(create_app(app), raise_server_exceptions=False) as client:
            sign_in(client, app)
            assert "wayline_redis_up 1" in client.get("/metrics").text
            server.stop()
            try:
                metrics = client.get("/metrics")  # answers, saying what it could not read
                assert metrics.status_code == 200, metrics.text
                assert "wayline_redis_up 0" in metrics.text
                assert "wayline_database_up 1" in metrics.text
                assert "wayline_queue_jobs" not in metrics.text
                assert "wayline_runs_due" in metrics.text
                ready = client.get("/ready")
                assert ready.status_code == 503 and "redis" in ready.text
                # Events are stored in SQL; the sweeper moves their customers once Redis is back.
                assert client.post("/api/events", json=EVENT, headers=INGEST).status_code == 200
            finally:
                server.start()
            assert client.get("/metrics").status_code == 200
            assert client.post("/api/events", json=EVENT, headers=INGEST).status_code == 200
    finally:
        server.stop()
        truncate(engine)


def test_an_outage_is_recognised_through_the_errors_it_caused():
    import redis.exceptions
    import sqlalchemy.exc

    lost = sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed"))
    try:
        try:
            raise lost
        except sqlalchemy.exc.OperationalError as error:
            raise RuntimeError("could not load the journey") from error
    except RuntimeError as wrapped:
        assert is_outage(wrapped)
    assert is_outage(redis.exceptions.ConnectionError("refused"))
    assert not is_outage(ValueError("a bug"))


def test_a_real_server_answers_200_or_503_through_a_database_outage_and_loses_no_event(
        postgres, redis_url, tmp_path):
    """`wayline server` in its own process, a client posting events all the while, and the
    database crashing for a few seconds: every answer is 200 or 503 with Retry-After, and
    every event answered 200 is in the database afterwards."""
    import threading

    import httpx
    from sqlalchemy import select

    from runtime.store.models import Event
    from tests.live import free_port
    from tests.outages import stop, wayline

    engine = make_engine(postgres.url)
    truncate(engine)
    port = free_port()
    server = wayline("server", tmp_path / "server.log", database_url=postgres.url,
                     redis_url=redis_url, host="127.0.0.1", port=str(port), api_key=API_KEY,
                     data_dir=str(tmp_path), log_level="WARNING")
    answers: list[tuple[int, int, str | None]] = []  # (event number, status, Retry-After)
    posting = threading.Event()

    def post_events() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=INGEST,
                          timeout=30) as client:
            number = 0
            while posting.is_set():
                number += 1
                answer = client.post("/api/events", json={
                    "external_id": f"c{number % 20}", "name": "signup",
                    "dedup_key": f"outage-{number}"})
                answers.append((number, answer.status_code, answer.headers.get("retry-after")))

    try:
        _wait_for_answer(f"http://127.0.0.1:{port}/health", server)
        posting.set()
        client = threading.Thread(target=post_events)
        client.start()
        _wait(lambda: sum(status == 200 for _, status, _ in answers) >= 20, "events stored")
        postgres.stop()
        try:
            _wait(lambda: sum(status == 503 for _, status, _ in answers) >= 5, "503s")
            time.sleep(2)
        finally:
            postgres.start()
        stored_before = sum(status == 200 for _, status, _ in answers)
        _wait(lambda: sum(status == 200 for _, status, _ in answers) > stored_before + 20,
              "events stored again once the database is back")
        posting.clear()
        client.join(30)
    finally:
        posting.clear()
        stop(server)
    statuses = {status for _, status, _ in answers}
    assert statuses == {200, 503}, server.log.read_text()[-3000:]
    assert all(retry == str(RETRY_AFTER_SECONDS) for _, status, retry in answers
               if status == 503)
    with engine.connect() as connection:
        stored = set(connection.scalars(select(Event.dedup_key)))
    acknowledged = {f"outage-{number}" for number, status, _ in answers if status == 200}
    assert acknowledged <= stored, f"{len(acknowledged - stored)} acknowledged events lost"
    engine.dispose()


def _wait(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:g} s for {what}")
        time.sleep(0.05)


def _wait_for_answer(url: str, process) -> None:
    import httpx

    def answers() -> bool:
        assert process.poll() is None, process.log.read_text()[-3000:]
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    _wait(answers, f"{url} to answer", 30)
