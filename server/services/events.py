"""Events in (one or a batch) and API entries into journeys.

Each event is stored and applied to journeys (entries, waits, exits) in the request's
transaction by runtime.flow.ingest; after the commit the runs it started or woke are queued at once,
so a customer who signs up gets the welcome message now, not at the next sweep.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from builder.document import Reentry
from builder.validation import Issue
from runtime.customers.fields import FieldError, check_no_nul, normalise_external_id
from runtime.customers.input_bounds import Problem, parse_instant, value_problems
from runtime.errors import InvalidInputError
from runtime.flow.enrollment import enroll_api
from runtime.flow.ingest import IngestResult, NewEvent, customer_id_for, ingest_events
from runtime.run import lifecycle
from runtime.store.models import Run
from runtime.store.versions import LiveEntry, live_entries
from server.context import Wayline
from server.schemas.events import (
    EntryIn,
    EntryResult,
    EventBatchIn,
    EventBatchResult,
    EventIn,
    EventResult,
)


def ingest_one(wl: Wayline, data: EventIn) -> EventResult:
    """Record one event and apply it; 422 listing every problem when it can't be recorded.

    Concurrent requests of this process are ingested together (`EventGate`): one transaction
    and a handful of statements for all of them, so under load the cost of each falls."""
    occurred_at, issues = _checked(wl, data)
    if issues:
        raise InvalidInputError("; ".join(issue.message for issue in issues[:5]), issues)
    return _result(wl.event_gate.ingest(_new_event(wl, data, occurred_at)))


def ingest_batch(wl: Wayline, data: EventBatchIn) -> EventBatchResult:
    """Record up to 1,000 events in order, in one transaction; a bad event never fails the rest."""
    checked = [_checked(wl, event) for event in data.events]
    valid = [_new_event(wl, event, occurred_at)
             for event, (occurred_at, issues) in zip(data.events, checked, strict=True)
             if not issues]
    with wl.writing() as session:
        outcomes = ingest_events(session, valid, wl.now())
    wl.move_now([run_id for outcome in outcomes for run_id in outcome.runs_to_dispatch])
    recorded = iter(outcomes)
    results = [EventResult(status="invalid", issues=issues) if issues else
               _result(next(recorded)) for _, issues in checked]
    return EventBatchResult(
        accepted=sum(result.status == "accepted" for result in results),
        duplicates=sum(result.status == "duplicate" for result in results),
        invalid=sum(result.status == "invalid" for result in results), results=results)


def _checked(wl: Wayline, event: EventIn) -> tuple[datetime | None, list[Issue]]:
    """When the event happened (None: now), and every problem that keeps it out."""
    problems = _field_problems(event) + value_problems("properties", event.properties)
    occurred_at = None
    if event.occurred_at is not None:
        try:
            occurred_at = parse_instant("occurred_at", event.occurred_at, wl.now())
        except FieldError as problem:
            problems.append(Problem(problem.field, problem.message))
    return (None if problems else occurred_at), [
        Issue(code="event.invalid", field=problem.field, message=problem.message)
        for problem in problems]


def _field_problems(event: EventIn) -> list[Problem]:
    checks = [partial(normalise_external_id, event.external_id)] + [
        partial(check_no_nul, field, value) for field, value in (
            ("name", event.name), ("properties", event.properties),
            ("dedup_key", event.dedup_key))]
    problems = []
    for check in checks:
        try:
            check()
        except FieldError as problem:
            problems.append(Problem(problem.field, problem.message))
    return problems


def _new_event(wl: Wayline, event: EventIn, occurred_at: datetime | None) -> NewEvent:
    return NewEvent(event.external_id.strip(), event.name, event.properties,
                    occurred_at or wl.now(), event.dedup_key)


def _result(result: IngestResult) -> EventResult:
    return EventResult(status="duplicate" if result.duplicate else "accepted",
                       event_id=result.event_id, duplicate=result.duplicate,
                       enrolled=result.enrolled, resumed=result.resumed, exited=result.exited)


def enter_journey(wl: Wayline, journey_id: int, data: EntryIn) -> EntryResult:
    """Put a customer into a live API-entry journey; 409 when it isn't one, 422 for a payload
    missing required fields. An unknown external_id creates an empty profile."""
    problems = value_problems("payload", data.payload)
    if problems:
        raise InvalidInputError("The payload is out of bounds: " + "; ".join(
            problem.message for problem in problems[:5]), [
            {"code": "entry.invalid", "field": problem.field, "message": problem.message}
            for problem in problems])
    try:
        external_id = normalise_external_id(data.external_id)
        check_no_nul("payload", data.payload)
    except FieldError as problem:
        raise InvalidInputError(problem.message, [{"field": problem.field,
                                                   "message": problem.message}]) from None
    with wl.writing() as session:
        lifecycle.get_journey(session, journey_id)
        now = wl.now()
        customer_id = customer_id_for(session, external_id, now)
        run_id = enroll_api(session, journey_id, customer_id, data.payload, now)
        reason = None if run_id else _not_admitted(session, journey_id, customer_id, now)
    if run_id is None:
        return EntryResult(admitted=False, reason=reason)
    wl.move_now([run_id])
    return EntryResult(admitted=True, run_id=run_id)


def _not_admitted(session: Session, journey_id: int, customer_id: int, now: datetime) -> str:
    """Why enrollment refused the customer, in the journey's own terms."""
    [entry] = [item for item in live_entries(session) if item.journey_id == journey_id]
    runs = select(Run).where(Run.journey_id == journey_id, Run.customer_id == customer_id)
    if session.scalar(select(exists(runs.where(Run.ended_at.is_(None)).subquery()))):
        return "The customer is in this journey already; they can't be in it twice at once."
    settings = entry.journey.document.settings
    if settings.reentry is Reentry.NEVER and session.scalar(select(exists(runs.subquery()))):
        return "The customer went through this journey before, and it lets each customer in once."
    if settings.reentry is Reentry.AFTER and settings.reentry_after is not None:
        return (f"The customer entered less than {settings.reentry_after.describe()} ago; "
                "this journey lets customers back in only after that.")
    return _limit_reason(session, entry)


def _limit_reason(session: Session, entry: LiveEntry) -> str:
    limit = entry.journey.document.settings.max_entrants
    entered = session.scalar(select(func.count()).select_from(Run).where(
        Run.journey_id == entry.journey_id))
    if limit is not None and entered >= limit:
        return f"The journey has reached its entry limit of {limit:,} customers."
    return "The journey did not admit the customer."
