"""Published versions as the runtime uses them: compiled once per process, found by trigger.

Versions are immutable, so a compiled version is cached for the life of the process; only the
list of which versions are live — (journey, version) pairs, no documents — is read from SQL
each time it is needed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.compiled import CompiledJourney, compile_journey
from nodes import Registry, default_registry
from nodes.kit.spec import EventTrigger, Trigger
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


@dataclass(frozen=True)
class LiveIndex:
    """The live journeys of one moment, and those an event of each name starts."""

    entries: tuple[LiveEntry, ...]
    by_event: dict[str, tuple[LiveEntry, ...]]


_LIVE = (select(Journey.id, Journey.live_version_id)
         .where(Journey.status == JourneyStatus.LIVE).order_by(Journey.id))
_live: dict[str, tuple[frozenset[tuple[int, int]], LiveIndex]] = {}


def live_index(session: Session) -> LiveIndex:
    """The live journeys, read as (journey, version) pairs only: the compiled versions and the
    index by event name are kept per process and rebuilt only when that list changes, so an
    event costs the same however big the live journeys are."""
    pairs = [(journey_id, version_id) for journey_id, version_id in session.execute(_LIVE)]
    key, database = frozenset(pairs), _database(session)
    cached = _live.get(database)
    if cached is not None and cached[0] == key:
        return cached[1]
    plans = load_compiled(session, {version_id for _, version_id in pairs})
    entries = []
    for journey_id, version_id in pairs:
        journey = plans[version_id]
        trigger = journey.specs[journey.entry_id].trigger(journey.configs[journey.entry_id])
        entries.append(LiveEntry(journey_id, version_id, journey, trigger))
    by_event: dict[str, list[LiveEntry]] = {}
    for entry in entries:
        if isinstance(entry.trigger, EventTrigger):
            by_event.setdefault(entry.trigger.event, []).append(entry)
    index = LiveIndex(tuple(entries), {name: tuple(found) for name, found in by_event.items()})
    _live[database] = (key, index)
    return index


def live_entries(session: Session, kind: type | tuple[type, ...] | None = None) -> list[LiveEntry]:
    """Every live journey with its entry trigger (optionally only triggers of `kind`)."""
    return [entry for entry in live_index(session).entries
            if kind is None or isinstance(entry.trigger, kind)]
