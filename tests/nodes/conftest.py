"""Fixtures for node-kind tests: a step context with a frozen clock and a customer to shape."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from nodes.kit.profile import EventRecord, Profile
from nodes.kit.spec import StepContext

NOW = datetime(2024, 5, 1, 3, 0, tzinfo=UTC)
"""The frozen clock: Wednesday 12:00 in Seoul, Tuesday 23:00 in New York."""

MakeContext = Callable[..., StepContext]


@pytest.fixture
def make_ctx() -> MakeContext:
    """Build a StepContext; every part has a sensible default and can be overridden."""

    def make(*, now: datetime = NOW, zone: str = "Asia/Seoul",
             attributes: Mapping[str, Any] | None = None, tags: Sequence[str] = (),
             events: Sequence[EventRecord] = (), seed: str = "run-1:n1",
             created_at: datetime = datetime(2024, 4, 20, 5, 0, tzinfo=UTC)) -> StepContext:
        profile = Profile(id=1, external_id="c-1", created_at=created_at, email="a@example.com",
                          timezone=zone, attributes=dict(attributes or {}),
                          tags=frozenset(tags), events=tuple(events))
        return StepContext(profile=profile, now=now, timezone=ZoneInfo(zone), node_id="n1",
                           seed=seed)

    return make


@pytest.fixture
def ctx(make_ctx: MakeContext) -> StepContext:
    """A plain customer in Seoul at the frozen `NOW`."""
    return make_ctx()
