"""Runtime fixtures: a real Wayline runtime, and real local servers standing in for providers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from runtime.clock import FrozenClock
from runtime.messaging.adapters import OutboxAdapter
from runtime.messaging.providers import HttpProviderAdapter
from runtime.redis_server import connect
from runtime.run.jobs import Runtime, install_runtime
from runtime.settings import Settings
from runtime.store.db import make_sessionmaker
from tests.runtime.harness import START, truncate
from tests.runtime.providers import http_server, smtp_server, webhook  # noqa: F401 - fixtures

CHANNELS = ("email", "sms", "kakao", "push", "webhook", "brand")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def wayline(engine: Engine, redis_url: str, redis) -> Iterator[Runtime]:
    """A Runtime on the test database and Redis, with a frozen clock at START (tables emptied
    before and after, since the runtime commits through its own sessions)."""
    truncate(engine)
    rt = Runtime(Settings(), engine, make_sessionmaker(engine), connect(redis_url),
                 {channel: OutboxAdapter() for channel in CHANNELS}, FrozenClock(START))
    previous = install_runtime(rt)
    yield rt
    install_runtime(previous)
    truncate(engine)  # these tests commit for real: leave the shared database empty


@pytest.fixture
def sms_provider(wayline, http_server):  # noqa: F811 - the fixture imported above
    """The SMS channel goes to a local provider (a local HTTP server): what it receives is what
    was really sent. Its `settings` point worker processes at it too. The adapter waits 10 s,
    as Wayline does by default: on a loaded machine a shorter wait turned slow answers into
    retries, and the provider saw those texts twice."""
    endpoint = http_server()
    wayline.adapters["sms"] = HttpProviderAdapter("sms", endpoint.url, "key",
                                                  {"sender": "0212345678"}, timeout=10)
    endpoint.settings = {"sms_url": endpoint.url, "sms_api_key": "key",
                         "sms_sender": "0212345678"}
    yield endpoint
    wayline.adapters["sms"].close()


@pytest.fixture
def workers(database_url: str, redis_url: str, tmp_path) -> Iterator:
    """Start real `wayline worker` processes on the real clock: `workers(**settings)` → Popen
    (extra WAYLINE_ variables as keyword arguments; `launcher`, a module run instead of the
    `wayline` command, e.g. one that installs another clock); all are killed at the end."""
    started: list[subprocess.Popen] = []

    def start(launcher: str = "server.cli", **settings: str) -> subprocess.Popen:
        env = {**os.environ, "WAYLINE_DATABASE_URL": database_url, "WAYLINE_REDIS_URL": redis_url,
               "WAYLINE_CLAIM_TIMEOUT": "2", "WAYLINE_DATA_DIR": str(tmp_path),
               "WAYLINE_LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT),
               **{f"WAYLINE_{name.upper()}": value for name, value in settings.items()}}
        log = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen([sys.executable, "-m", launcher, "worker"], env=env,
                                   stdout=log.open("wb"), stderr=subprocess.STDOUT)
        process.log = log
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
