"""The events consent's built-in journeys enter on: `consent_changed` and `consent_anniversary`.

정보통신망법 제50조 ⑦ asks a sender to tell the customer, within 14 days, the result of their
consent, refusal or withdrawal; 제50조 ⑧ (시행령 제62조의3) asks it to tell each customer who
consented to advertising, every two years, who sends, when they consented and how to keep or
withdraw it (silence keeps consent). Counsel should confirm the reading. Wayline does both
with ordinary journeys (`runtime.messaging.consent_journeys`) entering on these events:

- `consent_changed` {channel, purpose, state, before, source, at}: one per consent history
  row, recorded by the sweeper soon after the change (`announce_changes`) — every path that
  changes consent writes the row, so no path can forget the event. Its dedup key is the row's
  id, so a sweep repeated after a crash records nothing twice.
- `consent_anniversary` {channel, consented_at, years}: for each customer whose advertising
  consent on a channel is 2, 4, 6 … years old today (`announce_anniversaries`), keyed by
  customer, channel, consent date and years: exactly once per cycle however often it runs.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.customers.consent_history import State, state_of
from runtime.flow.ingest import NewEvent, ingest_events
from runtime.store.consent_models import ConsentChangeRow
from runtime.store.models import Customer

CHANGED_EVENT = "consent_changed"
ANNIVERSARY_EVENT = "consent_anniversary"

ANNOUNCE_BATCH = 2_000
"""History rows turned into events per sweep (the rest wait for the next one)."""

UTC_ZONE = ZoneInfo("UTC")

REMINDER_YEARS = 2
"""Advertising consent is confirmed every this many years (제50조 ⑧)."""

MAX_CYCLES = 25
"""Anniversaries looked for (50 years of consent)."""


def announce_changes(session: Session, after_id: int, now: datetime,
                     zone: ZoneInfo = UTC_ZONE) -> tuple[list[int], int]:
    """Record `consent_changed` for the history rows after `after_id` (no commit): the runs
    to move, and the last row announced. `day` is the change's date in the workspace's
    `zone`, as a text tells it."""
    rows = session.execute(
        select(ConsentChangeRow, Customer.external_id)
        .join(Customer, Customer.id == ConsentChangeRow.customer_id)
        .where(ConsentChangeRow.id > after_id).order_by(ConsentChangeRow.id)
        .limit(ANNOUNCE_BATCH)).all()
    if not rows:
        return [], after_id
    events = [NewEvent(external_id, CHANGED_EVENT, _changed(row, zone), row.recorded_at,
                       dedup_key=f"{CHANGED_EVENT}:{row.id}") for row, external_id in rows]
    results = ingest_events(session, events, now)
    return [run for result in results for run in result.runs_to_dispatch], rows[-1][0].id


def _changed(row: ConsentChangeRow, zone: ZoneInfo) -> dict[str, Any]:
    return {"channel": row.channel, "purpose": row.purpose, "state": row.after,
            "before": row.before, "source": row.source, "at": row.at.isoformat(),
            "day": row.at.astimezone(zone).date().isoformat()}


def anniversary_days(today: date) -> list[tuple[int, date]]:
    """(years, consent date) pairs whose anniversary is `today` (a consent given on 29 February
    has its anniversary on 28 February in a common year)."""
    found = []
    for cycle in range(1, MAX_CYCLES + 1):
        years = cycle * REMINDER_YEARS
        year = today.year - years
        if today.month == 2 and today.day == 29:
            if calendar.isleap(year):
                found.append((years, date(year, 2, 29)))
            continue
        found.append((years, today.replace(year=year)))
        if today.month == 2 and today.day == 28 and calendar.isleap(year) \
                and not calendar.isleap(today.year):
            found.append((years, date(year, 2, 29)))
    return found


def announce_anniversaries(session: Session, now: datetime,
                           zone: ZoneInfo = UTC_ZONE) -> list[int]:
    """Record `consent_anniversary` for each customer whose advertising consent on a channel
    is a whole number of cycles old today (days in the workspace's `zone`; no commit): the
    runs to move."""
    today = now.astimezone(zone).date()
    days = anniversary_days(today)
    events = []
    for years, day in days:
        start = datetime.combine(day, time(0), zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        rows = session.execute(
            select(ConsentChangeRow.customer_id, ConsentChangeRow.channel, Customer.external_id,
                   Customer.consent)
            .join(Customer, Customer.id == ConsentChangeRow.customer_id)
            .where(ConsentChangeRow.purpose == "advertising",
                   ConsentChangeRow.after == State.GRANTED.value,
                   ConsentChangeRow.at >= start, ConsentChangeRow.at < end)
        ).all()
        events += _anniversaries(rows, years, day, now, zone)
    results = ingest_events(session, events, now)
    return [run for result in results for run in result.runs_to_dispatch]


def _anniversaries(rows: Sequence[Any], years: int, day: date, now: datetime,
                   zone: ZoneInfo) -> list[NewEvent]:
    """Events for the rows whose customer still consents, since that very day."""
    events, seen = [], set()
    for row in rows:
        given = (row.consent or {}).get(row.channel)
        if state_of(given, "advertising") is not State.GRANTED or \
                _local_day(given.get("at"), zone) != day:
            continue  # withdrawn since, or consented again on another day
        key = f"{ANNIVERSARY_EVENT}:{row.customer_id}:{row.channel}:{day.isoformat()}:{years}"
        if key in seen:
            continue
        seen.add(key)
        events.append(NewEvent(row.external_id, ANNIVERSARY_EVENT, {
            "channel": row.channel, "consented_at": day.isoformat(), "years": years},
            now, dedup_key=key))
    return events


def _local_day(stamp: Any, zone: ZoneInfo) -> date | None:
    """The date in `zone` of a consent's stored time ('2026-03-02T00:00:00Z')."""
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).astimezone(zone).date()
    except ValueError:
        return None
