"""The audit trail: who changed what, written in the same transaction as the change.

Every service that changes something takes the acting `Actor` (a signed-in user, an API key,
or Wayline itself) and calls `record(...)` with the session it changes things in, so a change
and its audit row commit or roll back together. Rows are only ever added; the one exception
is coalescing: a run of draft saves by one person on one journey within `COALESCE_WINDOW`
counts on in one row (first and last time, how many, the last revision) instead of filling
the trail with a row per keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.store.team_models import AuditEvent

COALESCE_WINDOW = timedelta(minutes=15)
"""Draft saves by one person on one journey this close together share one audit row."""

TEXT_LIMIT = 254
"""Names and ids are cut to the column's length (they are labels, not the record itself)."""


@dataclass(frozen=True)
class Actor:
    """Who acts: `kind` is user, key, system or anonymous; `id` the user's or key's id."""

    kind: str
    id: str | None
    name: str
    ip: str | None = None


SYSTEM = Actor("system", None, "Wayline")
"""Wayline itself (the sweeper, guardrails, the CLI's first start)."""


def record(session: Session, actor: Actor, action: str, *, object_kind: str,
           object_id: object = None, object_name: str = "", summary: str = "",
           before: Any = None, after: Any = None, at: datetime,
           coalesce: bool = False) -> AuditEvent:
    """Add an audit row for `action` on the object (or count on the last one, `coalesce`)."""
    key = None if object_id is None else str(object_id)[:TEXT_LIMIT]
    if coalesce:
        row = _coalescing_row(session, actor, action, object_kind, key, at)
        if row is not None:
            row.count += 1
            row.last_at = at
            row.after = after
            row.summary = summary or row.summary
            return row
    row = AuditEvent(at=at, last_at=at, count=1, actor_kind=actor.kind, actor_id=actor.id,
                     actor_name=actor.name[:TEXT_LIMIT], action=action, object_kind=object_kind,
                     object_id=key, object_name=(object_name or "")[:TEXT_LIMIT],
                     summary=summary, before=before, after=after, ip=actor.ip)
    session.add(row)
    return row


def _coalescing_row(session: Session, actor: Actor, action: str, object_kind: str,
                    object_id: str | None, at: datetime) -> AuditEvent | None:
    """The newest row of the same action by the same actor on the same object, if it is
    recent enough to count on."""
    row = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.object_id == object_id,
               AuditEvent.object_kind == object_kind)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)).first()
    if row is None or row.actor_kind != actor.kind or row.actor_id != actor.id:
        return None
    return row if at - row.last_at <= COALESCE_WINDOW else None
