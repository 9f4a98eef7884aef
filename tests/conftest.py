"""Shared fixtures: real databases with the schema from `alembic upgrade head`.

Every database test runs on SQLite and on PostgreSQL. PostgreSQL comes from
WAYLINE_TEST_POSTGRES_URL (default: the local server's `test` database); each test session
creates its own database next to it and drops it at the end, so parallel runs never meet.
When PostgreSQL is unreachable its tests are skipped, unless WAYLINE_TEST_REQUIRE_POSTGRES=1
(CI sets it), which turns the skip into a failure.

Browser tests share one headless Debian chromium driven by Playwright (`browser`; never
`playwright install`): Playwright's sync API runs one instance per thread, so every test that
needs a browser takes this fixture. Without chromium they skip, unless
WAYLINE_TEST_REQUIRE_BROWSER=1 (CI sets it when chromium is installed).

Redis tests get a real server too (`redis_url`, `redis`): WAYLINE_TEST_REDIS_URL, else the
local Redis at 127.0.0.1:6379, else an embedded server for the session; each session claims
its own database on it (see `redis_url`).
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from redis import Redis, RedisError
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from runtime.redis_server import NO_RETRY, EmbeddedRedis, connect
from runtime.store.db import make_engine, migrate

POSTGRES_URL = os.environ.get(
    "WAYLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("WAYLINE_TEST_REQUIRE_POSTGRES") == "1"
CHROMIUM = Path(os.environ.get("WAYLINE_TEST_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("WAYLINE_TEST_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _postgres_problem() -> str | None:
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except OperationalError as error:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable: {error.orig}"
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the configured PostgreSQL database, for creating databases."""
    problem = _postgres_problem()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(problem)
        pytest.skip(problem)
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def fresh_database_url(kind: str, request: pytest.FixtureRequest, tmp_dir) -> Iterator[str]:
    """A new empty database of `kind` for this test session; dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_dir / f'wayline-{uuid.uuid4().hex[:8]}.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = f"wayline_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """A migrated database URL, once per test session and database kind."""
    tmp_dir = tmp_path_factory.mktemp("db")
    for url in fresh_database_url(request.param, request, tmp_dir):
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the migrated database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(connection, join_transaction_mode="create_savepoint",
                     expire_on_commit=False) as session:
            yield session
        transaction.rollback()


@pytest.fixture
def dialect(engine: Engine) -> str:
    """'sqlite' or 'postgresql'."""
    return engine.dialect.name


TEST_REDIS_URL = os.environ.get("WAYLINE_TEST_REDIS_URL", "")
LOCAL_REDIS_URL = "redis://127.0.0.1:6379"
REDIS_TEST_DBS = 15
"""Databases 1..15 go to test sessions; 0 holds their claim keys."""
REDIS_CLAIM_TTL = 600
"""Seconds a session's claim on its database lasts; renewed before every test that uses it."""
REDIS_CLAIM_KEY = "wayline:test-lock:db{}"


def _redis_answers(url: str) -> bool:
    try:
        with connect(url, socket_connect_timeout=1, socket_timeout=1, retry=NO_RETRY) as client:
            return bool(client.ping())
    except RedisError:
        return False


def _with_db(url: str, db: int) -> str:
    """The URL with its database as ?db=N, which redis-py reads for every scheme."""
    base, _, query = url.partition("?")
    params = [(name, value) for name, value in parse_qsl(query) if name != "db"]
    if not base.startswith("unix:"):  # a redis:// path names a database too: drop it
        base = urlunsplit(urlsplit(base)._replace(path=""))
    return f"{base}?{urlencode([*params, ('db', db)])}"


@dataclass
class RedisClaim:
    """This test session's database on the shared test Redis, held by a key in database 0."""

    server_url: str
    db: int
    token: str

    @property
    def url(self) -> str:
        """The URL of the claimed database."""
        return _with_db(self.server_url, self.db)

    @property
    def key(self) -> str:
        """The claim key in database 0."""
        return REDIS_CLAIM_KEY.format(self.db)

    def renew(self) -> None:
        """Extend the claim; fail when another session took the database after it expired."""
        with connect(_with_db(self.server_url, 0)) as claims:
            holder = claims.get(self.key)
            if holder not in (None, self.token.encode()):
                pytest.fail(f"Another test session claimed Redis database {self.db} after this "
                            f"session's claim expired (a test ran over {REDIS_CLAIM_TTL} s). "
                            "Rerun the tests.")
            claims.set(self.key, self.token, ex=REDIS_CLAIM_TTL)

    def release(self) -> None:
        """Empty the database and drop the claim, if it is still this session's."""
        with connect(self.url) as client:
            client.flushdb()
        with connect(_with_db(self.server_url, 0)) as claims:
            if claims.get(self.key) == self.token.encode():
                claims.delete(self.key)


def _claim_redis_db(server_url: str) -> RedisClaim:
    """Claim a free database, starting at a random one so parallel sessions rarely contend."""
    token = uuid.uuid4().hex
    first = random.Random().randrange(REDIS_TEST_DBS)  # own generator: tests may seed random
    with connect(_with_db(server_url, 0)) as claims:
        for offset in range(REDIS_TEST_DBS):
            db = 1 + (first + offset) % REDIS_TEST_DBS
            if claims.set(REDIS_CLAIM_KEY.format(db), token, nx=True, ex=REDIS_CLAIM_TTL):
                return RedisClaim(server_url, db, token)
    pytest.fail(f"Redis databases 1-{REDIS_TEST_DBS} at {server_url} are all claimed by other "
                f"test sessions. Wait for one to finish (claims expire after {REDIS_CLAIM_TTL} "
                "s) or delete the wayline:test-lock:db* keys in database 0.")


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test Redis server, no database chosen: WAYLINE_TEST_REDIS_URL, else the local
    Redis at 127.0.0.1:6379 if it answers PING, else an embedded server for this session."""
    if TEST_REDIS_URL:
        if not _redis_answers(TEST_REDIS_URL):
            pytest.fail(f"WAYLINE_TEST_REDIS_URL={TEST_REDIS_URL} does not answer PING: start "
                        "that Redis, or unset the variable to use a local or embedded one.")
        yield TEST_REDIS_URL
    elif _redis_answers(LOCAL_REDIS_URL):
        yield LOCAL_REDIS_URL
    else:
        with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
            yield server.url


@pytest.fixture(scope="session")
def redis_claim(redis_server_url: str) -> Iterator[RedisClaim]:
    """This session's own database on the test Redis; emptied and released at the end."""
    claim = _claim_redis_db(redis_server_url)
    yield claim
    claim.release()


@pytest.fixture(scope="session")
def redis_url(redis_claim: RedisClaim) -> str:
    """URL of this session's own Redis database (…?db=N), for clients and worker processes.

    Test sessions on this machine share one Redis server, so each claims a database 1..15
    (a random one first, then the next free) with SET NX on wayline:test-lock:db<N> in
    database 0, expiring after REDIS_CLAIM_TTL s so a crashed session frees its database.
    """
    return redis_claim.url


@pytest.fixture
def redis(redis_claim: RedisClaim) -> Iterator[Redis]:
    """A client on this session's database, emptied by FLUSHDB before the test.

    Never FLUSHALL: other test sessions' databases live on the same server. Replies are bytes
    (no decode_responses), as RQ needs.
    """
    redis_claim.renew()
    with connect(redis_claim.url) as client:
        client.flushdb()
        yield client


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium, one for the whole session."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `apt-get install -y chromium`"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
