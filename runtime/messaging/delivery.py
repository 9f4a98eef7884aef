"""Delivery: the outbox's far side. Queued message rows go to their channel's adapter.

The batch that advances customers writes each message row (status queued, content rendered)
in the same transaction as the step (DESIGN.md §6). Here a sweeper finds queued rows that are
due (`due_messages`), leases them so the next sweep leaves them alone (`lease`), and a delivery
job sends them (`deliver`). The message id is the provider's idempotency key, so if a job is
lost and its lease runs out, sending the same rows again is harmless.

A job claims its messages in one statement (counting the attempt), takes out those the brakes
and the send policy stop now and those a rate limit holds back, then calls the providers. Calls
to HTTP providers and webhooks (`AsyncAdapter`) are all in flight at once on the worker's event
loop (`runtime.messaging.inflight`), at most WAYLINE_PROVIDER_CONCURRENCY to each origin, while
the job sends its emails over a few kept-open SMTP connections, from a thread each.

A provider call cannot be rolled back. For a provider without an idempotency key (SMTP) each
outcome is committed as soon as it is known; for the others (outbox, webhooks, HTTP providers)
a job records its outcomes in one commit, since a crash in between only repeats calls the
provider drops. Every failure ends on the row: sent, retrying (queued again with a later
`next_attempt_at` and the reason), or failed with the reason. Waits back off exponentially or
as long as the provider asked (Retry-After), with some jitter, so messages that failed together
do not all come back in the same second. A provider that answers 429 is called no more in that
job: its messages not called yet are queued again for when it asked, their attempt given back.
The calls and the values their outcomes write are `runtime.messaging.calls`. What the provider
answered goes apart from the reason, in `provider_answer`: it may hold details not everyone on
the team should read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from redis import Redis, RedisError
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from runtime.messaging import inflight
from runtime.messaging.adapters import Adapter, is_async
from runtime.messaging.brakes import sending_stopped
from runtime.messaging.calls import Claimed, attempt, attempt_all
from runtime.messaging.fallback import Failed, queue_fallbacks, wants_fallback
from runtime.messaging.gate import ledger_values, recheck
from runtime.messaging.throttle import over_limits
from runtime.store.models import DEFERRED_ONLY, QUEUED_ONLY, Message, MessageStatus, utcnow
from runtime.store.sql import among, update_rows

log = logging.getLogger(__name__)

WAITING = (MessageStatus.QUEUED, MessageStatus.DEFERRED)
"""Messages delivery may pick up when due: queued ones, and deferred ones to check again."""

IN_FLIGHT = timedelta(minutes=5)
"""How long a message being sent is hidden from other jobs: longer than any provider call."""

LEASE_CHUNK = 1000
"""Ids per UPDATE when leasing: SQLite allows at most 32,766 parameters in one statement."""


@dataclass
class DeliveryReport:
    """Which messages one `deliver` call sent, queued again, failed, or left alone."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    """Not queued or not due any more: another job has them, or they are done."""
    held: list[int] = field(default_factory=list)
    """Held back by the send policy at the last look: deferred again, or suppressed."""
    fallbacks: list[int] = field(default_factory=list)
    """Fallback messages queued in place of ones that failed (KakaoTalk → SMS; due at once)."""
    journeys: dict[int, int] = field(default_factory=dict)
    """The journey of each message a provider was called for (for `runtime.run.guardrails`)."""

    def calls_by_journey(self) -> dict[int, dict[str, int]]:
        """Per journey, the provider calls made and how many failed (retried or given up)."""
        counts: dict[int, dict[str, int]] = {}
        for ids, failed in ((self.sent, False), (self.retried, True), (self.failed, True)):
            for message_id in ids:
                journey = counts.setdefault(self.journeys[message_id],
                                            {"calls": 0, "failed": 0, "sent": 0})
                journey["calls"] += 1
                journey["failed" if failed else "sent"] += 1
        return counts


@dataclass(frozen=True)
class Lease:
    """Messages a sweeper claimed for one delivery job, and when the claim runs out."""

    ids: list[int]
    until: datetime


def _is_due(now: datetime) -> ColumnElement[bool]:
    return or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now)


def due_messages(session: Session, now: datetime, limit: int) -> list[int]:
    """Ids of messages due for a try at `now`: queued ones oldest first, then deferred ones
    whose time has come (to be checked again), earliest first."""
    # The literal condition of the partial index, not a bound status: a prepared statement's
    # generic plan could not prove a parameter equal to 'queued' and would scan every message.
    query = (select(Message.id)
             .where(QUEUED_ONLY, _is_due(now))
             .order_by(Message.created_at, Message.id)
             .limit(limit))
    found = list(session.scalars(query))
    if len(found) < limit:  # a range on the deferred index: the ones still waiting are not read
        found += session.scalars(select(Message.id)
                                 .where(DEFERRED_ONLY, Message.next_attempt_at <= now)
                                 .order_by(Message.next_attempt_at, Message.id)
                                 .limit(limit - len(found)))
    return found


def lease(session: Session, ids: Sequence[int], now: datetime, seconds: float) -> Lease:
    """Hold the still-due messages among `ids` for `seconds`; the caller commits, then enqueues.

    Pass `Lease.until` to `deliver` as `leased_until`: the job may send what this lease holds.
    Messages another sweeper leased first are left out of `Lease.ids`.
    """
    if seconds <= 0:
        raise ValueError(f"a lease of {seconds} s would expire at once; give it a positive length")
    until = now + timedelta(seconds=seconds)
    claimed: set[int] = set()
    for start in range(0, len(ids), LEASE_CHUNK):
        claimed.update(session.scalars(
            update(Message)
            .where(among(session, Message.id, ids[start:start + LEASE_CHUNK]),
                   Message.status.in_(WAITING), _is_due(now))
            .values(next_attempt_at=until)
            .returning(Message.id)))
    return Lease([id_ for id_ in ids if id_ in claimed], until)


def deliver(session: Session, message_ids: Sequence[int], adapters: Mapping[str, Adapter],
            now: datetime, *, leased_until: datetime | None,
            redis: Redis | None = None,
            concurrency: int = inflight.PROVIDER_CONCURRENCY) -> DeliveryReport:
    """Send each queued, due message through its channel's adapter and record what happened.

    Messages for adapters that can send without blocking (HTTP providers, webhooks:
    `AsyncAdapter`) go concurrently, at most `concurrency` calls in flight to each provider
    origin; meanwhile the others go from this thread, or from as many threads as their adapter
    has connections (SMTP), each outcome without an idempotency key committed once known.

    With `redis`, the rate limits apply (`runtime.messaging.throttle`): messages over one wait their
    turn, queued again for when it comes.

    A message counts as due when `next_attempt_at` is empty or past, or when it still holds
    exactly the lease `leased_until` (`Lease.until`) taken for this job. The lease is a required
    argument because it is easy to forget: without it, leased messages are never due here.
    """
    report = DeliveryReport()
    claimed = _claim(session, message_ids, now, leased_until)
    report.skipped = [message_id for message_id in message_ids if message_id not in claimed]
    if claimed and sending_stopped(session) is not None:
        report.held = _give_back(session, claimed, now)
        return report
    report.held = _hold(session, claimed, now)
    if redis is not None and claimed:
        try:
            waiting = over_limits(session, redis, claimed, now)
        except RedisError as error:  # the limits are counters: without them, none applies
            log.warning("rate limits not applied: %s", error)
            waiting = {}
        report.held += _wait_turns(session, claimed, waiting, now)
    concurrent = {message_id: found for message_id, found in claimed.items()
                  if is_async(adapters.get(found[0]))}
    in_flight = (asyncio.run_coroutine_threadsafe(
        attempt_all(concurrent, adapters, now, inflight.Bounds(concurrency)), inflight.loop())
        if concurrent else None)
    blocking = {message_id: found for message_id, found in claimed.items()
                if message_id not in concurrent}  # the others are in flight meanwhile
    results = _attempt_blocking(session, blocking, adapters, now)
    if in_flight is not None:
        results.update(in_flight.result())
    _record(session, claimed, adapters, results, report, now)
    return report


def _attempt_blocking(session: Session, claimed: Claimed, adapters: Mapping[str, Adapter],
                      now: datetime) -> dict[int, dict[str, Any]]:
    """Send through the blocking adapters: from as many threads as an adapter has connections
    (SMTP: a few), else from this one. Each outcome an idempotency key does not protect is
    committed as soon as it is known. The column values of each message."""
    results: dict[int, dict[str, Any]] = {}
    threads = max((_connections(adapters.get(channel)) for channel, *_ in claimed.values()),
                  default=1)
    with ThreadPoolExecutor(max_workers=threads) if threads > 1 else nullcontext() as pool:
        calls: dict[Future[dict[str, Any]], int] = {}
        for message_id, (channel, content, attempts, _journey) in claimed.items():
            args = (message_id, channel, content, attempts, adapters, now)
            if pool is not None and _connections(adapters.get(channel)) > 1:
                calls[pool.submit(attempt, *args)] = message_id
            else:
                calls[done := Future()] = message_id
                done.set_result(attempt(*args))
        try:
            pending = set(calls)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                known = {calls[call]: call.result() for call in finished}
                results.update(known)
                # No provider key protects a repeat: record these now, all that are known
                # (one commit when several connections finished meanwhile).
                unkeyed = [{"id": message_id, **_outcome_columns(values, now),
                            "updated_at": utcnow()} for message_id, values in known.items()
                           if not getattr(adapters.get(claimed[message_id][0]), "idempotent",
                                          False)]
                if unkeyed:
                    update_rows(session, Message.__table__, unkeyed)
                    session.commit()
        except BaseException:
            if pool is not None:  # nothing more leaves that could not be recorded
                pool.shutdown(cancel_futures=True)
            raise
    return results


def _connections(adapter: Adapter | None) -> int:
    """Threads that may call `adapter` at once (its `connections`; one if it says nothing)."""
    return getattr(adapter, "connections", 1)


def _record(session: Session, claimed: Claimed, adapters: Mapping[str, Adapter],
            results: Mapping[int, dict[str, Any]], report: DeliveryReport,
            now: datetime) -> None:
    """Write the outcomes not written yet in one commit, with any fallbacks; fill `report`."""
    outcomes: list[dict[str, Any]] = []
    put_back: list[dict[str, Any]] = []
    gave_up: list[Failed] = []
    for message_id, (channel, content, _attempts, journey_id) in claimed.items():
        values = results[message_id]
        if "status" not in values:  # its provider asked for a pause before it was called
            put_back.append({"id": message_id, **values})
            report.held.append(message_id)
            continue
        report.journeys[message_id] = journey_id
        if values["status"] is MessageStatus.FAILED and wants_fallback(channel, content):
            gave_up.append(Failed(message_id, content, values["reason"]))
        if getattr(adapters.get(channel), "idempotent", False):
            outcomes.append({"id": message_id, **_outcome_columns(values, now)})
        bucket = {MessageStatus.SENT: report.sent, MessageStatus.FAILED: report.failed}
        bucket.get(values["status"], report.retried).append(message_id)
    update_rows(session, Message.__table__, outcomes)
    update_rows(session, Message.__table__, put_back)
    # a channel's fallback (KakaoTalk → SMS): runtime.messaging.fallback
    report.fallbacks = queue_fallbacks(session, gave_up, now)
    session.commit()


def _outcome_columns(values: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Every outcome column, so that one bulk statement can record mixed outcomes."""
    return {"status": values["status"], "reason": values.get("reason"),
            "provider_answer": values.get("provider_answer"),
            "provider_id": values.get("provider_id"), "sent_at": values.get("sent_at"),
            "next_attempt_at": values.get("next_attempt_at"),
            "updated_at": values.get("updated_at", now)}


def _claim(session: Session, message_ids: Sequence[int], now: datetime,
           leased_until: datetime | None) -> Claimed:
    """Count the attempts and hide the messages from other jobs while providers are called.

    One statement, committed before any call: the claim is a compare-and-set, so of two jobs
    holding the same ids only one gets each row (a stale job costs one query), and no lock is
    held while a provider takes its time.
    """
    due = _is_due(now)
    if leased_until is not None:
        due = or_(due, Message.next_attempt_at == leased_until)
    rows = session.execute(
        update(Message)
        .where(among(session, Message.id, message_ids), Message.status.in_(WAITING), due)
        .values(attempts=Message.attempts + 1, next_attempt_at=now + IN_FLIGHT)
        .returning(Message.id, Message.channel, Message.content, Message.attempts,
                   Message.journey_id)).all()
    session.commit()
    by_id = {row.id: (row.channel, row.content, row.attempts, row.journey_id) for row in rows}
    return {message_id: by_id[message_id] for message_id in message_ids if message_id in by_id}


def _hold(session: Session, claimed: Claimed, now: datetime) -> list[int]:
    """Take out of `claimed` the messages the send policy stops now, recording why; their ids.

    Deferred messages come back here when their time comes: night-time over, a cap freed.
    The claim's attempt is given back, since no provider was called.
    """
    decisions = recheck(session, list(claimed), now)
    update_rows(session, Message.__table__, [
        {"id": message_id, **ledger_values(decision), "attempts": claimed[message_id][2] - 1,
         "updated_at": now} for message_id, decision in decisions.items()])
    session.commit()
    for message_id in decisions:
        del claimed[message_id]
    return list(decisions)


def _wait_turns(session: Session, claimed: Claimed,
                waiting: Mapping[int, tuple[datetime, str]], now: datetime) -> list[int]:
    """Queue again, due when their turn comes, the messages a rate limit holds back now (the
    claim's attempt given back); their ids, taken out of `claimed`."""
    update_rows(session, Message.__table__, [
        {"id": message_id, "attempts": claimed[message_id][2] - 1, "next_attempt_at": turn,
         "reason": why} for message_id, (turn, why) in waiting.items()])
    session.commit()
    for message_id in waiting:
        del claimed[message_id]
    return list(waiting)


def _give_back(session: Session, claimed: Claimed, now: datetime) -> list[int]:
    """All sending is stopped: return the claimed messages as they were, due at once (so the
    first sweep after the resume takes them), and the claim's attempt with them."""
    update_rows(session, Message.__table__, [
        {"id": message_id, "attempts": attempts - 1, "next_attempt_at": now}
        for message_id, (_channel, _content, attempts, _journey) in claimed.items()])
    session.commit()
    return list(claimed)
