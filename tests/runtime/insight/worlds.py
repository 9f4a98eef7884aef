"""Pieces of the random worlds insight tests count by brute force: a journey published twice,
and a run that may convert."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from runtime.store.models import JourneyVersion, Run, RunStatus
from tests.runtime.harness import add_journey


def published_twice(session: Session, document: Callable[[], dict[str, Any]],
                    published_at: datetime, name: str = "Journey") -> tuple[int, list[int]]:
    """A journey with versions 1 and 2 of `document()`: its id and the versions' ids."""
    journey_id = add_journey(session, document(), name)
    versions = []
    for number in (1, 2):
        version = JourneyVersion(journey_id=journey_id, number=number, document=document(),
                                 published_at=published_at)
        session.add(version)
        session.flush()
        versions.append(version.id)
    return journey_id, versions


def converting_run(session: Session, rng: random.Random, journey_id: int, version_id: int,
                   customer_id: int, index: int, entered: datetime, now: datetime,
                   chance: float, hours: Sequence[float]) -> Run:
    """A finished run that entered at `entered` and, with `chance`, converted one of `hours`
    later (unless that is after `now`)."""
    converted = entered + timedelta(hours=rng.choice(hours)) if rng.random() < chance else None
    if converted is not None and converted > now:
        converted = None
    run = Run(journey_id=journey_id, journey_version_id=version_id, customer_id=customer_id,
              entry_key=f"k{index}", status=RunStatus.DONE, node_id="end", entered_at=entered,
              ended_at=entered + timedelta(days=1), converted_at=converted)
    session.add(run)
    session.flush()
    return run
