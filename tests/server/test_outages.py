"""A database or Redis outage answers 503 with Retry-After, never 500, and the same request
succeeds once the service is back.

The services that go down are throwaway ones these tests start and stop themselves: a PostgreSQL
cluster made with initdb in a temporary directory, and an embedded Redis-compatible server.
The shared PostgreSQL and Redis other test sessions use are never touched.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
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
from tests.conftest import REQUIRE_POSTGRES
from tests.live import free_port
from tests.runtime.harness import START, truncate
from tests.server.conftest import API_KEY, TEST_HOST, sign_in

INGEST = {"X-Api-Key": API_KEY}
EVENT = {"external_id": "c1", "name": "signup"}


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary directory, stopped and started at will."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir, self.root = bin_dir, root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        # PostgreSQL refuses to run as root: as root, run it as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, str(self.bin_dir / tool), *args], check=check,
                       capture_output=True, timeout=60)

    def create(self) -> None:
        """initdb: trust authentication, nothing synced to disk (it is thrown away)."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")

    def stop(self, check: bool = True) -> None:
        """Stop at once, as a crash would: every connection is cut."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=check)




def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    tool = found[-1] if found else shutil.which("pg_ctl")
    return Path(tool).parent if tool else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[ThrowawayPostgres]:
    """A throwaway PostgreSQL, migrated to head, running when each test starts."""
    bin_dir = _postgres_bin()
    if bin_dir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        message = "PostgreSQL's server binaries (pg_ctl, initdb) are not installed"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="wayline-outage-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    server = ThrowawayPostgres(bin_dir, root)
    try:
        server.create()
        server.start()
        migrate(server.url)
        yield server
    finally:
        server.stop(check=False)  # not running when creating it failed
        shutil.rmtree(root, ignore_errors=True)


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
