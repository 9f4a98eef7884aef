"""What the workspace's data holds: the attributes customers have and the events that arrived.

Pickers offer these names with their facts (an attribute's type, how many customers have it,
a few sample values; an event's counts, when it was last seen, its payload's property names),
and the validator warns about a name none of them carries (`unknown_names`). A big workspace is
never read in full: facts come from the most recent `SAMPLE_ROWS` customers and events, scaled
to the whole table and marked `sampled` (the page says "about"). Whether one named attribute or
event exists at all is asked exactly, one indexed-or-bounded query per name. Works the same on
SQLite and PostgreSQL: JSON is read and tallied in Python, not with dialect functions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nodes.kit.profile import BUILTIN_FIELDS
from nodes.kit.values import is_date_text
from runtime.store.models import Customer, Event

SAMPLE_ROWS = 20_000
"""How many of the most recent customers (and events) discovery reads at most."""

SAMPLES = 5
"""How many sample values an attribute shows (the most common first)."""

PROPERTIES = 12
"""How many property names an event shows (the most common first)."""

RECENT = timedelta(days=30)
"""The window of an event's "recent" count."""

SAMPLE_TEXT = 40
"""Longest sample text shown; longer values are cut."""

Kind = Literal["text", "number", "boolean", "date", "list"]

_COLUMNS = ("email", "phone", "timezone", "locale")

MOST_NAMES = 500
"""The most attributes, and the most events, a discovery lists (the most common first)."""

CUT = "…"
"""Ends a sample text cut at `SAMPLE_TEXT` characters."""
"""Profile columns rules may test, offered beside the custom attributes."""


class AttributeFacts(msgspec.Struct, frozen=True):
    """One attribute: its type, how many customers have it, a few of its values."""

    name: str
    type: Kind
    customers: int
    samples: list[Any]
    builtin: bool = False


class EventFacts(msgspec.Struct, frozen=True):
    """One event name: how often it arrived (ever, in the last 30 days), last seen, properties."""

    name: str
    total: int
    recent: int
    last_seen: datetime | None
    properties: list[str]


class Discovery(msgspec.Struct, frozen=True):
    """Everything pickers offer; `sampled_*` says the counts are estimates from a sample."""

    customers: int
    attributes: list[AttributeFacts]
    sampled_customers: bool
    events: list[EventFacts]
    sampled_events: bool


def discover(session: Session, now: datetime, sample: int = SAMPLE_ROWS) -> Discovery:
    """The attributes and events of the workspace, from at most `sample` recent rows each."""
    customers = session.scalar(select(func.count()).select_from(Customer)) or 0
    attributes = attribute_facts(session, customers, sample)
    events_total = session.scalar(select(func.count()).select_from(Event)) or 0
    events = event_facts(session, events_total, now, sample)
    return Discovery(customers=customers, attributes=attributes,
                     sampled_customers=customers > sample, events=events,
                     sampled_events=events_total > sample)


def attribute_facts(session: Session, total: int, sample: int) -> list[AttributeFacts]:
    """Each attribute (custom, and the profile columns) with its facts, most common first."""
    rows = session.execute(
        select(Customer.attributes, *(getattr(Customer, name) for name in _COLUMNS))
        .order_by(Customer.id.desc()).limit(sample)).all()
    values: dict[str, list[Any]] = defaultdict(list)
    builtin: set[str] = set()
    for attributes, *columns in rows:
        for name, value in (attributes or {}).items():
            if value is not None:
                values[name].append(value)
        for name, value in zip(_COLUMNS, columns, strict=True):
            if value is not None:
                values[name].append(value)
                builtin.add(name)
    scale = total / len(rows) if rows else 0
    facts = [AttributeFacts(name=name, type=kind_of(found), customers=round(len(found) * scale),
                            samples=samples_of(found),
                            builtin=name in builtin)
             for name, found in values.items()]
    return sorted(facts, key=lambda fact: (-fact.customers, fact.name))[:MOST_NAMES]


def event_facts(session: Session, total: int, now: datetime, sample: int) -> list[EventFacts]:
    """Each event name in the recent events with its counts and properties, most common first."""
    rows = session.execute(select(Event.name, Event.properties, Event.occurred_at)
                           .order_by(Event.id.desc()).limit(sample)).all()
    scale = total / len(rows) if rows else 0
    since = now - RECENT
    counts: Counter[str] = Counter()
    recent: Counter[str] = Counter()
    last: dict[str, datetime] = {}
    properties: dict[str, Counter[str]] = defaultdict(Counter)
    for name, payload, occurred_at in rows:
        counts[name] += 1
        recent[name] += occurred_at >= since
        last[name] = max(last.get(name, occurred_at), occurred_at)
        properties[name].update(list(payload or {}))
    facts = [EventFacts(name=name, total=round(count * scale), recent=round(recent[name] * scale),
                        last_seen=last[name],
                        properties=[key for key, _ in properties[name].most_common(PROPERTIES)])
             for name, count in counts.items()]
    return sorted(facts, key=lambda fact: (-fact.total, fact.name))[:MOST_NAMES]


def kind_of(values: Iterable[Any]) -> Kind:
    """The type most of `values` have: number, boolean, date (ISO text), list or text."""
    kinds = Counter(_kind(value) for value in values)
    return kinds.most_common(1)[0][0] if kinds else "text"


def _kind(value: Any) -> Kind:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "list"
    return "date" if is_date_text(value) else "text"


def samples_of(values: Iterable[Any]) -> list[Any]:
    """The most common plain values (text cut to `SAMPLE_TEXT`, marked `CUT`), at most
    `SAMPLES`."""
    plain = Counter(value if not isinstance(value, str) or len(value) <= SAMPLE_TEXT
                    else value[:SAMPLE_TEXT] + CUT
                    for value in values if isinstance(value, str | int | float | bool))
    return [value for value, _ in plain.most_common(SAMPLES)]


def unknown_names(session: Session, attributes: Collection[str],
                  events: Collection[str]) -> tuple[set[str], set[str]]:
    """(the attributes no customer has, the events that never arrived), asked exactly."""
    missing_attributes = {name for name in attributes
                          if name not in BUILTIN_FIELDS and not _has_attribute(session, name)}
    missing_events = {name for name in events if not _has_event(session, name)}
    return missing_attributes, missing_events


def _has_attribute(session: Session, name: str) -> bool:
    # `->>` (PostgreSQL) and JSON_EXTRACT (SQLite) are NULL both for a missing key and a JSON
    # null: a null counts as not having it, as rules read it.
    value = Customer.attributes[name].as_string()
    return session.scalar(select(Customer.id).where(value.isnot(None)).limit(1)) is not None


def _has_event(session: Session, name: str) -> bool:
    return session.scalar(select(Event.id).where(Event.name == name).limit(1)) is not None


def known_in(discovery: Discovery) -> Mapping[str, set[str]]:
    """The attribute and event names a discovery saw: {"attributes": …, "events": …}."""
    return {"attributes": {fact.name for fact in discovery.attributes},
            "events": {fact.name for fact in discovery.events}}
