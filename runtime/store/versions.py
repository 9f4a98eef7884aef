"""Published versions as the runtime uses them: compiled once per process, found by trigger.

Versions are immutable, so a compiled version is cached for the life of the process; only the
list of which versions are live is read from SQL each time it is needed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.compiled import CompiledJourney, compile_journey
from nodes import Registry, default_registry
from nodes.kit.spec import Trigger
from runtime.store.models import Journey, JourneyStatus, JourneyVersion

CACHE_SIZE = 512
"""How many compiled versions a process keeps."""

_compiled: OrderedDict[tuple[str, int], CompiledJourney] = OrderedDict()


def _database(session: Session) -> str:
    """Which database a session talks to: part of the cache key, as ids are per database."""
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def compiled(session: Session, version_id: int, document: dict[str, Any] | None,
             registry: Registry | None = None) -> CompiledJourney:
    """The compiled form of a published version (validated again: the runtime trusts nothing)."""
    key = (_database(session), version_id)
    found = _compiled.get(key)
    if found is None:
        found = compile_journey(document, registry or default_registry())
        _compiled[key] = found
        while len(_compiled) > CACHE_SIZE:
            _compiled.popitem(last=False)
    else:
        _compiled.move_to_end(key)
    return found


def load_compiled(session: Session, version_ids: set[int]) -> dict[int, CompiledJourney]:
    """Compiled versions by id, reading from SQL only the ones not cached yet."""
    database = _database(session)
    missing = [key for key in version_ids if (database, key) not in _compiled]
    documents: dict[int, Any] = {}
    if missing:
        documents = dict(session.execute(select(JourneyVersion.id, JourneyVersion.document)
                                         .where(JourneyVersion.id.in_(missing))).all())
    return {key: compiled(session, key, documents.get(key)) for key in version_ids}


@dataclass(frozen=True)
class LiveEntry:
    """A live journey, its live version, and how customers enter it."""

    journey_id: int
    version_id: int
    journey: CompiledJourney
    trigger: Trigger


def live_entries(session: Session, kind: type | tuple[type, ...] | None = None) -> list[LiveEntry]:
    """Every live journey with its entry trigger (optionally only triggers of `kind`)."""
    rows = session.execute(
        select(Journey.id, JourneyVersion.id, JourneyVersion.document)
        .join(JourneyVersion, JourneyVersion.id == Journey.live_version_id)
        .where(Journey.status == JourneyStatus.LIVE)).all()
    entries = []
    for journey_id, version_id, document in rows:
        journey = compiled(session, version_id, document)
        spec = journey.specs[journey.entry_id]
        trigger = spec.trigger(journey.configs[journey.entry_id])
        if kind is None or isinstance(trigger, kind):
            entries.append(LiveEntry(journey_id, version_id, journey, trigger))
    return entries
