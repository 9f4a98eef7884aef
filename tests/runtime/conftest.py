"""Runtime fixtures: a real Wayline runtime, and real local servers standing in for providers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from runtime.channels import OutboxAdapter
from runtime.clock import FrozenClock
from runtime.db import make_sessionmaker
from runtime.jobs import Runtime, install_runtime
from runtime.redis_server import connect
from runtime.settings import Settings
from tests.runtime.harness import START, truncate
from tests.runtime.providers import http_server, smtp_server, webhook  # noqa: F401 - fixtures

CHANNELS = ("email", "sms", "kakao", "push", "webhook")


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


