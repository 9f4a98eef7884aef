"""Enrollment: who enters a journey, and when — in SQL, in bulk, never twice by accident.

Every entry becomes one `INSERT … SELECT … ON CONFLICT DO NOTHING` into runs. Re-entry rules
are constraints, not Python loops: `entry_key` is "once" when customers may enter once, so the
unique (journey, customer, entry_key) refuses a second run; the partial unique index on
unfinished runs keeps a customer from being in a journey twice at the same time; "after N"
adds a NOT EXISTS on recent entries. The entry limit caps the SELECT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, aliased

from builder.compiled import CompiledJourney
from builder.document import Reentry
from nodes.kit.profile import Profile
from nodes.kit.rules import Rule, matches, properties_match
from nodes.kit.spec import ApiTrigger, AudienceTrigger, DateTrigger
from nodes.kit.values import local_instant, parse_day, parse_local_time
from runtime.audience.query import load_profiles, session_clause
from runtime.errors import InvalidInputError, WrongStateError
from runtime.flow.engine import customer_zone
from runtime.store.models import (
    Customer,
    Journey,
    JourneyStatus,
    JourneyVersion,
    Run,
    RunStatus,
    Segment,
)
from runtime.store.sql import among, insert_ignore, update_rows
from runtime.store.versions import LiveEntry, LiveIndex, compiled, live_entries

DATE_LOOKAHEAD = timedelta(hours=2)
"""Date entries are created this far ahead, waking at the exact local time."""

DATE_CATCH_UP = timedelta(days=1)
"""A date entry missed by up to this long (workers were down) still happens, late."""


def entry_key(journey: CompiledJourney, now: datetime) -> str:
    """The entry key for a run starting now under the journey's re-entry rule."""
    if journey.document.settings.reentry is Reentry.NEVER:
        return "once"
    return now.strftime("%Y%m%dT%H%M%S%f")


def goal_until(journey: CompiledJourney, entered_at: datetime) -> datetime | None:
    """When the goal window of a run entering now closes; None when the journey has no goal."""
    goal = journey.document.settings.goal
    return None if goal is None else entered_at + goal.within.to_timedelta()


def _guard(journey_id: int, journey: CompiledJourney, now: datetime) -> ColumnElement[bool]:
    """Re-entry "after": no entry of this customer into this journey within the period."""
    settings = journey.document.settings
    if settings.reentry is not Reentry.AFTER or settings.reentry_after is None:
        return true()
    earlier = aliased(Run)
    return ~exists().where(earlier.journey_id == journey_id,
                           earlier.customer_id == Customer.id,
                           earlier.entered_at > now - settings.reentry_after.to_timedelta())


def _admissible(journey_id: int, key: str) -> ColumnElement[bool]:
    """No run the INSERT would conflict with: one with this entry key, or one unfinished.

    A capped SELECT needs this: otherwise customers the database refuses take the places,
    and customers who match later never get in while places are left.
    """
    earlier = aliased(Run)
    return ~exists().where(earlier.journey_id == journey_id,
                           earlier.customer_id == Customer.id,
                           or_(earlier.entry_key == key, earlier.ended_at.is_(None)))


def _slots(session: Session, journey_id: int, journey: CompiledJourney) -> int | None:
    limit = journey.document.settings.max_entrants
    if limit is None:
        return None
    # Two enrolments at once must not both take the last place: hold the journey row.
    session.execute(select(Journey.id).where(Journey.id == journey_id).with_for_update())
    entered = session.scalar(select(func.count()).select_from(Run)
                             .where(Run.journey_id == journey_id)) or 0
    return max(limit - entered, 0)


def enroll(session: Session, entry: LiveEntry, where: ColumnElement[bool], now: datetime,
           payload: Mapping[str, Any] | None = None, wake_at: datetime | None = None,
           key: str | None = None, returning: bool = False,
           by_customer: bool = False) -> list[int] | dict[int, int] | int:
    """Enter the customers matching `where` into a live journey; ids (or a count) of new runs
    — with `by_customer`, the new run of each customer who entered, by customer id."""
    slots = _slots(session, entry.journey_id, entry.journey)
    if slots == 0:
        return ({} if by_customer else []) if returning else 0
    key = key or entry_key(entry.journey, now)
    source: Select = select(
        literal(entry.journey_id), literal(entry.version_id), Customer.id,
        literal(key), literal(RunStatus.ACTIVE.value),
        literal(entry.journey.entry_id), literal(wake_at or now, Run.wake_at.type),
        literal(0), literal(1), literal(dict(payload or {}), Run.payload.type),
        literal(now, Run.entered_at.type), literal(goal_until(entry.journey, now),
                                                   Run.goal_until.type),
    ).where(where, _guard(entry.journey_id, entry.journey, now)).order_by(Customer.id)
    if slots is not None:
        source = source.where(_admissible(entry.journey_id, key)).limit(slots)
    statement = insert_ignore(session, Run).from_select(
        ["journey_id", "journey_version_id", "customer_id", "entry_key", "status", "node_id",
         "wake_at", "step_count", "version", "payload", "entered_at", "goal_until"], source
    )
    per_minute = getattr(entry.journey.document.settings, "max_entries_per_minute", None)
    if per_minute is None and not returning:
        return session.execute(statement).rowcount
    rows = session.execute(statement.returning(Run.id, Run.customer_id)).all()
    if per_minute is not None:
        _take_turns(session, entry, sorted(run_id for run_id, _ in rows), wake_at or now,
                    per_minute)
    if by_customer:
        return {customer_id: run_id for run_id, customer_id in rows}
    return [run_id for run_id, _ in rows] if returning else len(rows)


def _take_turns(session: Session, entry: LiveEntry, ids: list[int], start: datetime,
                per_minute: int) -> None:
    """Entry throttling: the new runs start at most `per_minute` a minute, after those who
    entered this minute and those still waiting their turn (none is dropped). Counting this
    minute's entrants reads the journey's runs: only journeys with a limit pay for it."""
    if not ids:
        return
    earlier = Run.id < ids[0]  # ids are sorted, and a run's id grows with its insert
    waiting = (Run.journey_id == entry.journey_id, Run.node_id == entry.journey.entry_id,
               Run.status == RunStatus.ACTIVE, earlier)
    base = session.scalar(select(func.max(Run.wake_at)).where(*waiting, Run.wake_at > start))
    if base is not None:  # the last minute someone waits for: fill it up, then the next ones
        taken = session.scalar(select(func.count()).select_from(Run).where(
            *waiting, Run.wake_at == base)) or 0
    else:
        base = start
        taken = session.scalar(select(func.count()).select_from(Run).where(
            Run.journey_id == entry.journey_id, Run.entered_at > start - timedelta(minutes=1),
            earlier)) or 0
    slots: dict[datetime, list[int]] = defaultdict(list)
    for position, run_id in enumerate(ids, start=taken):
        slots[base + timedelta(minutes=position // per_minute)].append(run_id)
    for when, chunk in slots.items():
        if when != start:
            session.execute(update(Run).where(among(session, Run.id, chunk))
                            .values(wake_at=when)
                            .execution_options(synchronize_session=False))


def _audience_rule(session: Session, trigger: AudienceTrigger) -> Rule | None:
    if trigger.rule is not None:
        return trigger.rule
    stored = session.get(Segment, trigger.segment)
    return None if stored is None else msgspec.convert(stored.rule, Rule)


def audience_rule(session: Session, plan: CompiledJourney) -> Rule | None:
    """The rule of a journey's audience entry (its own, or its segment's); None for an entry
    of another kind, or a segment that no longer exists."""
    trigger = plan.specs[plan.entry_id].trigger(plan.configs[plan.entry_id])
    return _audience_rule(session, trigger) if isinstance(trigger, AudienceTrigger) else None


def enroll_audience(session: Session, journey: Journey, version: JourneyVersion,
                    now: datetime) -> int:
    """Enter everyone matching a live segment-entry journey's audience; returns how many."""
    plan = compiled(session, version.id, version.document)
    trigger = plan.specs[plan.entry_id].trigger(plan.configs[plan.entry_id])
    if not isinstance(trigger, AudienceTrigger):
        return 0
    rule = _audience_rule(session, trigger)
    if rule is None:
        return 0
    where = session_clause(session, rule, now)
    if not trigger.include_existing:
        # Only customers who changed since publishing can have started to match since.
        where = and_(where, Customer.updated_at > version.published_at)
    return enroll(session, LiveEntry(journey.id, version.id, plan, trigger), where, now)


def enroll_segments(session: Session, now: datetime) -> int:
    """Periodic: enter customers who have started to match any live segment entry."""
    total = 0
    for entry in live_entries(session, AudienceTrigger):
        journey = session.get(Journey, entry.journey_id)
        total += enroll_audience(session, journey, session.get(JourneyVersion, entry.version_id),
                                 now)
    return total


def enroll_events(session: Session, live: LiveIndex,
                  events: Sequence[tuple[int, str, Mapping[str, Any]]],
                  now: datetime) -> dict[int, list[int]]:
    """Enter customers into the live journeys their events start: (customer id, event name,
    properties), one event per customer; the new runs' ids by customer.

    One enrollment per journey listening to the events' names (`live.by_event`), for all its
    customers at once; each run's payload is its event's properties. Profiles are read only
    when a journey admits by a rule on them.
    """
    entered: dict[int, list[int]] = defaultdict(list)
    profiles: dict[int, Profile] = {}
    for name in sorted({name for _, name, _ in events}):
        for entry in live.by_event.get(name, ()):
            trigger = entry.trigger
            chosen = {customer_id: properties for customer_id, event, properties in events
                      if event == name and properties_match(trigger.where, properties, now)}
            if trigger.only_if is not None and chosen:
                unread = [customer_id for customer_id in chosen if customer_id not in profiles]
                profiles.update(load_profiles(session, unread, now) if unread else {})
                chosen = {customer_id: properties for customer_id, properties in chosen.items()
                          if matches(trigger.only_if, profiles[customer_id], now)}
            if not chosen:
                continue
            only = next(iter(chosen.values())) if len(chosen) == 1 else None
            runs = enroll(session, entry, among(session, Customer.id, sorted(chosen)), now,
                          payload=only, returning=True, by_customer=True)
            if only is None:  # several customers: each run gets its own event's properties
                update_rows(session, Run.__table__, [
                    {"id": run_id, "payload": dict(chosen[customer_id])}
                    for customer_id, run_id in runs.items() if chosen[customer_id]])
            for customer_id, run_id in runs.items():
                entered[customer_id].append(run_id)
    return entered


def enroll_api(session: Session, journey_id: int, customer_id: int,
               payload: Mapping[str, Any], now: datetime) -> int | None:
    """Enter one customer into an API-entry journey; the new run id, or None if not admitted."""
    [entry] = [item for item in live_entries(session) if item.journey_id == journey_id] or [None]
    if entry is None:
        raise WrongStateError(f"Journey {journey_id} is not live; publish or resume it first.")
    if not isinstance(entry.trigger, ApiTrigger):
        raise WrongStateError(f"Journey {journey_id} does not start by API call.")
    missing = [field for field in entry.trigger.required_fields if field not in payload]
    if missing:
        raise InvalidInputError(f"The payload needs {', '.join(missing)}.",
                                [{"field": f"payload.{field}", "message": "required"}
                                 for field in missing])
    ids = enroll(session, entry, Customer.id == customer_id, now, payload=payload,
                 returning=True)
    return ids[0] if ids else None


def enroll_dates(session: Session, now: datetime) -> int:
    """Periodic: create the runs of date entries due soon, each waking at its local time."""
    total = 0
    for entry in live_entries(session, DateTrigger):
        groups: dict[tuple[datetime, str], list[int]] = defaultdict(list)
        for customer_id, text, tz in _date_candidates(session, entry.trigger, now):
            zone = customer_zone(tz, entry.journey.document.settings.timezone)
            due = _date_occurrence(entry.trigger, text, zone, now)
            if due is not None:
                groups[due].append(customer_id)
        for (wake_at, key), ids in groups.items():
            total += enroll(session, entry, Customer.id.in_(ids), now, wake_at=wake_at, key=key)
    return total


def _date_candidates(session: Session, trigger: DateTrigger, now: datetime):
    """Customers whose date attribute may fall in the window (a coarse, SQL-side filter)."""
    days = [(now + timedelta(days=shift)).date() - timedelta(days=trigger.offset_days)
            for shift in range(-2, 3)]
    if trigger.yearly:
        wanted = {day.strftime("%m-%d") for day in days} | (
            {"02-29"} if any(day.strftime("%m-%d") == "02-28" for day in days) else set())
        part = func.substr(_attribute_text(session, trigger.attribute), 6, 5)
    else:
        wanted = {day.isoformat() for day in days}
        part = func.substr(_attribute_text(session, trigger.attribute), 1, 10)
    return session.execute(select(Customer.id, _attribute_text(session, trigger.attribute),
                                  Customer.timezone).where(part.in_(sorted(wanted)))).all()


def _attribute_text(session: Session, name: str) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return Customer.attributes.op("->>")(literal(name))
    return func.json_extract(Customer.attributes, f'$."{name}"')


def _date_occurrence(trigger: DateTrigger, text: Any, zone, now: datetime
                     ) -> tuple[datetime, str] | None:
    """(local instant, entry key) of the occurrence due in the window, or None."""
    day = parse_day(text, zone)
    if day is None:
        return None
    at = parse_local_time(trigger.at)
    years = (now.year - 1, now.year, now.year + 1) if trigger.yearly else (day.year,)
    for year in years:
        occurrence = _in_year(day, year) + timedelta(days=trigger.offset_days)
        instant = local_instant(occurrence, at, zone)
        if now - DATE_CATCH_UP <= instant <= now + DATE_LOOKAHEAD:
            return instant, str(year) if trigger.yearly else "once"
    return None


def _in_year(day: date, year: int) -> date:
    """The same month and day in another year; 29 February is the 28th in common years."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def is_live(journey: Journey) -> bool:
    """True when the journey admits customers."""
    return journey.status is JourneyStatus.LIVE
