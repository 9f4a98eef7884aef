"""The sweeper: finds what is due in SQL and hands it to workers in batches.

Timers live in SQL (`runs.wake_at`, indexed with status). Each sweep claims due runs of live
journeys — including runs whose earlier claim went stale because a worker died or Redis lost
the job — stamps them with a claim token, and returns them in chunks for batch jobs. Queued
messages whose lease ran out are re-driven the same way. Nothing per waiting customer lives in
Redis, so flushing it loses nothing: the next sweep finds everything again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, literal_column, or_, select, update
from sqlalchemy.orm import Session

from runtime.store.models import Journey, JourneyStatus, Run

BATCH_SIZE = 1000
"""Runs per batch job: large enough to amortise RQ's ~4 ms per job, small enough to spread.
(bench/runtime.py, 200k customers on PostgreSQL: ~34-36k steps/s with 1000, ~33k with 500.)"""

CLAIM_LIMIT = 50_000
"""Runs claimed by one sweep at most; the next sweep (a tick later) takes the rest."""

STALE_CLAIM = timedelta(seconds=60)
"""By default a claim older than this is presumed lost (worker killed, Redis flushed)."""


def is_due_status(run=Run) -> ColumnElement[bool]:
    """`status IN ('active', 'waiting')` written out, as the partial index `ix_runs_due` is.

    Bound parameters would do the same, but a prepared statement's generic plan cannot prove
    them equal to the index's values and would scan the whole table.
    """
    return run.status.in_([literal_column("'active'"), literal_column("'waiting'")])


def new_token() -> str:
    """A fresh claim token."""
    return uuid.uuid4().hex


def claim_due_runs(session: Session, now: datetime, token: str,
                   limit: int = CLAIM_LIMIT, run_ids: Sequence[int] | None = None,
                   stale: timedelta = STALE_CLAIM) -> list[int]:
    """Claim due, unclaimed (or stale) runs of live journeys with `token`; their ids.

    With `run_ids`, only those runs are considered (used to start new runs at once).
    """
    return [run_id for run_id, _journey in claim_due(session, now, token, limit, run_ids, stale)]


def claim_due(session: Session, now: datetime, token: str, limit: int = CLAIM_LIMIT,
              run_ids: Sequence[int] | None = None,
              stale: timedelta = STALE_CLAIM) -> list[tuple[int, int]]:
    """As `claim_due_runs`, with each run's journey id (for logs): (run id, journey id) pairs
    in run id order."""
    live = select(Journey.id).where(Journey.status == JourneyStatus.LIVE)
    due = (select(Run.id)
           .where(is_due_status(), Run.wake_at <= now,
                  or_(Run.claimed_at.is_(None), Run.claimed_at < now - stale),
                  Run.journey_id.in_(live))
           .order_by(Run.wake_at).limit(limit))
    if run_ids is not None:
        due = due.where(Run.id.in_(run_ids))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.execute(update(Run).where(Run.id.in_(due.scalar_subquery()))
                              .values(claimed_by=token, claimed_at=now)
                              .returning(Run.id, Run.journey_id))
    return sorted((run_id, journey_id) for run_id, journey_id in claimed)


def chunks(ids: Sequence[int], size: int = BATCH_SIZE) -> Iterator[list[int]]:
    """Consecutive slices of at most `size` ids."""
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])
