"""Brakes: what a pause, a step pause, an archive and "stop all sending" do to unsent messages.

A message is unsent while it is queued (due, or retrying later) or deferred (the night rule,
quiet hours, a cap). Pausing a journey, or one of its steps, turns its unsent messages into
held ones: delivery's sweep never picks a held message up, so nothing goes while the pause
lasts, however long the night rule or a retry had it wait. Resuming makes them queued again,
keeping the time each was waiting for; delivery's last look (`runtime.messaging.gate.recheck`) then
judges each afresh — consent, unsubscribes, exit criteria, caps, the night rule — at the moment
it would go. Archiving suppresses them, with the reason.

Stopping all sending is a workspace switch (`workspace_settings`, key `sending`): while it is
on, the sweep leases no message and a delivery job that already holds some gives them back
untouched, so resuming costs nothing and every message keeps its place and time.
A message a provider is being called for at the moment of a pause still goes: a call in flight
cannot be recalled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from runtime.store.models import (
    DEFERRED_ONLY,
    HELD_ONLY,
    QUEUED_ONLY,
    Message,
    MessageStatus,
    Run,
    RunStatus,
    WorkspaceSetting,
)

UNSENT = or_(QUEUED_ONLY, DEFERRED_ONLY)
"""Messages a brake holds: due or waiting, not yet handed to a provider. The partial indexes'
own conditions, so a pause reads only unsent messages, never the whole ledger."""

SENDING_KEY = "sending"
"""The workspace_settings key of the stop-all-sending switch."""

JOURNEY_PAUSED = "held: the journey is paused"
STEP_PAUSED = "held: this step is paused"
ARCHIVED = "not sent: the journey was archived"


@dataclass(frozen=True)
class SendingStop:
    """All sending is stopped: by whom, when, and why."""

    by: str
    at: datetime
    reason: str


def hold(session: Session, journey_id: int, now: datetime, node_id: str | None = None) -> int:
    """Hold the journey's unsent messages (or one step's); how many. The caller commits."""
    reason = STEP_PAUSED if node_id is not None else JOURNEY_PAUSED
    return _set(session, _of(journey_id, node_id), UNSENT,
                {"status": MessageStatus.HELD, "reason": reason}, now)


def release(session: Session, journey_id: int, now: datetime, paused_steps: list[str],
            node_id: str | None = None) -> int:
    """Queue again the held messages of the journey (or of one step), except those of steps
    still paused; how many. Each keeps its time and is judged afresh when due."""
    where = [_of(journey_id, node_id)]
    if node_id is None and paused_steps:
        where.append(Message.node_id.not_in(paused_steps))
    return _set(session, where, HELD_ONLY,
                {"status": MessageStatus.QUEUED, "reason": None}, now)


def cancel(session: Session, journey_id: int, now: datetime) -> int:
    """Suppress every unsent or held message of an archived journey, saying why; how many."""
    return _set(session, _of(journey_id, None), or_(UNSENT, HELD_ONLY),
                {"status": MessageStatus.SUPPRESSED, "reason": ARCHIVED,
                 "next_attempt_at": None}, now)


def pause_step(session: Session, journey_id: int, node_id: str, now: datetime) -> int:
    """Hold the step's messages; runs arriving at it stop before it (`runtime.flow.engine`)."""
    return hold(session, journey_id, now, node_id)


def resume_step(session: Session, journey_id: int, node_id: str, now: datetime) -> int:
    """Release the step's messages and the customers held before it; how many customers."""
    release(session, journey_id, now, [], node_id)
    return wake_held_runs(session, journey_id, now, [], node_id)


def wake_held_runs(session: Session, journey_id: int, now: datetime, paused_steps: list[str],
                   node_id: str | None = None) -> int:
    """Make due the runs held before a paused step (of one step, or of every step no longer
    paused); how many. A held run waits with neither a time nor an event (`runtime.flow.engine`)."""
    where = [Run.journey_id == journey_id, Run.status == RunStatus.WAITING,
             Run.wake_at.is_(None), Run.waiting_for.is_(None), Run.ended_at.is_(None)]
    if node_id is not None:
        where.append(Run.node_id == node_id)
    elif paused_steps:
        where.append(Run.node_id.not_in(paused_steps))
    return session.execute(update(Run).where(*where)
                           .values(wake_at=now, version=Run.version + 1)
                           .execution_options(synchronize_session=False)).rowcount


def sending_stopped(session: Session) -> SendingStop | None:
    """The workspace's stop, if all sending is stopped now."""
    value = session.scalar(select(WorkspaceSetting.value)
                           .where(WorkspaceSetting.key == SENDING_KEY))
    if not value or not value.get("stopped"):
        return None
    return SendingStop(value.get("by", ""), datetime.fromisoformat(value["at"]),
                       value.get("reason", ""))


def set_sending(session: Session, stop: SendingStop | None, now: datetime) -> None:
    """Stop all sending (`stop`) or let it go again (None). The caller commits."""
    value: dict[str, Any] = {"stopped": False}
    if stop is not None:
        value = {"stopped": True, "by": stop.by, "at": stop.at.isoformat(),
                 "reason": stop.reason}
    found = session.get(WorkspaceSetting, SENDING_KEY)
    if found is None:
        session.add(WorkspaceSetting(key=SENDING_KEY, value=value, updated_at=now))
    else:
        found.value, found.updated_at = value, now
    session.flush()


def _of(journey_id: int, node_id: str | None) -> ColumnElement[bool]:
    if node_id is None:
        return Message.journey_id == journey_id
    return (Message.journey_id == journey_id) & (Message.node_id == node_id)


def _set(session: Session, where: Any, statuses: ColumnElement[bool],
         values: dict[str, Any], now: datetime) -> int:
    conditions = where if isinstance(where, list) else [where]
    return session.execute(update(Message).where(*conditions, statuses)
                           .values(**values, updated_at=now)
                           .execution_options(synchronize_session=False)).rowcount
