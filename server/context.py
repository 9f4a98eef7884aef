"""What every application service works with: the database, the clock, the registry, the queues.

The REST controllers and the canvas get the same `Wayline` object (one service path, two faces).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from redis import RedisError
from sqlalchemy.orm import Session, sessionmaker

from nodes import Registry, default_registry
from runtime.clock import Clock
from runtime.messaging.compliance import install_rules, rules_from_settings
from runtime.run.jobs import Runtime, build_runtime, sweep_job, wake
from runtime.run.lifecycle import install_limits
from runtime.settings import Settings
from runtime.store.db import read_sessionmaker
from server.event_gate import EventGate

log = logging.getLogger("wayline.server")

API_KEY_FILE = "api_key"
"""File under the data dir holding the generated ingest key when WAYLINE_API_KEY is empty."""


@dataclass
class Wayline:
    """The application: a warm runtime (engine, Redis, clock) plus the node registry."""

    runtime: Runtime
    registry: Registry = field(default_factory=default_registry)
    api_key: str = ""

    def __post_init__(self) -> None:
        self.reads: sessionmaker[Session] = read_sessionmaker(self.runtime.engine)
        # Previews render as sends do: with this workspace's label, opt-out line and links.
        install_rules(rules_from_settings(self.runtime.settings))
        install_limits(self.runtime.settings.limits)  # what drafts are checked against
        self.api_key = self.api_key or api_key_for(self.runtime.settings)

    @cached_property
    def event_gate(self) -> EventGate:
        """Single events of concurrent requests, written in groups (`server.event_gate`)."""
        return EventGate(self.writing, self.now, self.move_now)

    @property
    def settings(self) -> Settings:
        """The settings in effect."""
        return self.runtime.settings

    @property
    def clock(self) -> Clock:
        """The clock (frozen in tests)."""
        return self.runtime.clock

    def now(self) -> datetime:
        """The current time, by the injected clock."""
        return self.runtime.clock.now()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in a write transaction, committed when the block ends without error."""
        with self.runtime.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only (a deferred transaction, never blocking writers on SQLite)."""
        with self.reads() as session:
            yield session

    def move_now(self, run_ids: Sequence[int]) -> None:
        """Have these runs moved at once (`runtime.run.jobs.wake`: micro-batched by the
        workers); if Redis is away, the sweeper moves them within seconds."""
        if not run_ids:
            return
        try:
            wake(self.runtime, run_ids)
        except RedisError as error:
            log.warning("could not queue %d runs now (%s); the sweeper will", len(run_ids), error)

    def sweep_soon(self) -> None:
        """Ask for a sweep now (after publish/resume), instead of waiting for the next tick."""
        try:
            self.runtime.steps.enqueue(sweep_job, result_ttl=0, failure_ttl=86_400)
        except RedisError as error:
            log.warning("could not queue a sweep (%s); the ticker will", error)


def api_key_for(settings: Settings) -> str:
    """WAYLINE_API_KEY, else the key kept under the data dir (made on first use, mode 0600)."""
    if settings.api_key:
        return settings.api_key
    path = Path(settings.data_dir) / API_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key


def build_wayline(settings: Settings, redis_url: str, clock: Clock | None = None) -> Wayline:
    """A Wayline from settings and the Redis URL in effect."""
    return Wayline(build_runtime(settings, redis_url, clock))
