"""API fixtures: the real Litestar app on the test database and Redis, with a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from runtime.channels import OutboxAdapter
from runtime.clock import FrozenClock
from runtime.db import make_sessionmaker
from runtime.jobs import Runtime, install_runtime
from runtime.redis_server import connect
from runtime.settings import Settings
from server.app import create_app
from server.context import Wayline
from tests.runtime.harness import START, truncate

API_KEY = "test-key-0123456789abcdef"
CHANNELS = ("email", "sms", "kakao", "push", "webhook")


@pytest.fixture
def app_context(engine: Engine, redis_url: str, redis, tmp_path) -> Iterator[Wayline]:
    """The application context the API runs on (tables emptied before and after: it commits)."""
    truncate(engine)
    runtime = Runtime(Settings(data_dir=tmp_path, api_key=API_KEY), engine,
                      make_sessionmaker(engine), connect(redis_url),
                      {channel: OutboxAdapter() for channel in CHANNELS}, FrozenClock(START))
    previous = install_runtime(runtime)  # RQ jobs the API queues run on the same runtime
    yield Wayline(runtime)
    install_runtime(previous)
    truncate(engine)


@pytest.fixture
def client(app_context: Wayline) -> Iterator[TestClient]:
    """An HTTP client on the app (raises nothing: every error is an HTTP answer)."""
    with TestClient(create_app(app_context), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def ingest_headers() -> dict[str, str]:
    """Headers that authenticate ingest calls."""
    return {"X-Api-Key": API_KEY}
