"""Profiles: what the Python side of rules and node code sees of many customers, read at once.

One query per table (customers, tags, and the events the journeys' rules count) for up to
`LOAD_BATCH` customers; a batch of runs loads its customers with one call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from nodes.kit.profile import EventRecord, Profile
from runtime.store.models import Customer, CustomerTag, Event
from runtime.store.sql import among

customers = Customer.__table__
customer_tags = CustomerTag.__table__
events = Event.__table__

LOAD_BATCH = 5_000
"""Customers per query (keeps IN lists under every driver's parameter cap)."""

_NO_TAGS: frozenset[str] = frozenset()

_PROFILE_COLUMNS = (customers.c.id, customers.c.external_id, customers.c.created_at,
                    customers.c.email, customers.c.phone, customers.c.timezone,
                    customers.c.locale, customers.c.attributes, customers.c.consent)


def load_profiles(session: Session, customer_ids: Iterable[int], now: datetime,
                  event_names: Iterable[str] | None = None) -> dict[int, Profile]:
    """Profiles with tags and events up to `now` (only `event_names` when given), by id."""
    ids = sorted(set(customer_ids))
    names = None if event_names is None else sorted(set(event_names))
    profiles: dict[int, Profile] = {}
    for start in range(0, len(ids), LOAD_BATCH):
        profiles.update(_load_batch(session, ids[start:start + LOAD_BATCH], now, names))
    return profiles


def _load_batch(session: Session, ids: list[int], now: datetime,
                names: list[str] | None) -> dict[int, Profile]:
    tags: dict[int, list[str]] = defaultdict(list)
    tag_rows = select(customer_tags.c.customer_id, customer_tags.c.tag).where(
        among(session, customer_tags.c.customer_id, ids))
    for customer_id, tag in session.execute(tag_rows):
        tags[customer_id].append(tag)
    history: dict[int, list[EventRecord]] = defaultdict(list)
    if names is None or names:
        for row in session.execute(_events_query(session, ids, now, names)):
            history[row.customer_id].append(
                EventRecord(row.name, row.occurred_at, row.properties or {}))
    rows = session.execute(select(*_PROFILE_COLUMNS).where(among(session, customers.c.id, ids)))
    return {id_: Profile(
        id=id_, external_id=external_id, created_at=created_at, email=email, phone=phone,
        timezone=timezone, locale=locale, attributes=attributes or {}, consent=consent or {},
        tags=frozenset(tags[id_]) if id_ in tags else _NO_TAGS,
        events=tuple(history[id_]) if id_ in history else (),
    ) for id_, external_id, created_at, email, phone, timezone, locale, attributes, consent
        in rows}


def _events_query(session: Session, ids: list[int], now: datetime,
                  names: list[str] | None) -> Select:
    """The customers' events up to `now` (events after it never count), oldest first."""
    query = (select(events.c.customer_id, events.c.name, events.c.occurred_at,
                    events.c.properties)
             .where(among(session, events.c.customer_id, ids), events.c.occurred_at <= now)
             .order_by(events.c.customer_id, events.c.occurred_at, events.c.id))
    if names is not None:
        query = query.where(events.c.name.in_(names))
    return query
