"""Reading the audit trail: pages with filters, and the same rows as CSV for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import msgspec
from sqlalchemy import Select, select

from runtime.store.team_models import AuditEvent
from server.context import Wayline
from server.schemas.team import AuditEventOut, AuditPage

EXPORT_CHUNK = 1_000
"""Rows read per query while exporting (the export streams; it never holds the trail)."""

ACTOR_KINDS = ("user", "key", "system")
"""The actor kinds a filter may name with an id (`user:12`)."""

CSV_COLUMNS = ("at", "last_at", "count", "actor_kind", "actor_id", "actor_name", "action",
               "object_kind", "object_id", "object_name", "summary", "before", "after", "ip")


@dataclass(frozen=True)
class AuditFilter:
    """Which rows: by actor (`user:<id>`, `key:<id>`, or part of a name), action prefix,
    object, and a time range."""

    actor: str | None = None
    action: str | None = None
    object_kind: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select) -> Select:
        """`query` narrowed to the rows this filter keeps."""
        if self.actor:
            kind, _, key = self.actor.partition(":")
            query = query.where(AuditEvent.actor_kind == kind, AuditEvent.actor_id == key) \
                if kind in ACTOR_KINDS and key else \
                query.where(AuditEvent.actor_name.contains(self.actor, autoescape=True))
        if self.action:  # a prefix, as a range an index can read
            query = query.where(AuditEvent.action >= self.action,
                                AuditEvent.action < self.action + "\uffff")
        if self.object_kind:
            query = query.where(AuditEvent.object_kind == self.object_kind)
        if self.object_id:
            query = query.where(AuditEvent.object_id == self.object_id)
        if self.since:
            query = query.where(AuditEvent.at >= self.since)
        if self.until:
            query = query.where(AuditEvent.at < self.until)
        return query


def event_out(row: AuditEvent) -> AuditEventOut:
    """An audit row as the API shows it."""
    return AuditEventOut(
        id=row.id, at=row.at, last_at=row.last_at, count=row.count, actor_kind=row.actor_kind,
        actor_id=row.actor_id, actor_name=row.actor_name, action=row.action,
        object_kind=row.object_kind, object_id=row.object_id, object_name=row.object_name,
        summary=row.summary, before=row.before, after=row.after, ip=row.ip)


def list_events(wl: Wayline, where: AuditFilter, limit: int = 100,
                before: int | None = None) -> AuditPage:
    """A page of the trail, newest first; pass `next_before` back as `before` for the next."""
    query = where.apply(select(AuditEvent))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    with wl.reading() as db:
        rows = db.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    items = [event_out(row) for row in rows[:limit]]
    return AuditPage(items=items, next_before=items[-1].id if len(rows) > limit else None)


def export_csv(wl: Wayline, where: AuditFilter) -> Iterator[str]:
    """The filtered trail as CSV text, newest first, a chunk of rows at a time. The first
    chunk is read now, so a filter the database refuses fails before the answer starts."""
    first = list_events(wl, where, EXPORT_CHUNK)
    return _chunks(wl, where, first)


def _chunks(wl: Wayline, where: AuditFilter, page: AuditPage) -> Iterator[str]:
    yield _line(CSV_COLUMNS)
    while True:
        yield "".join(_line(_cells(item)) for item in page.items)
        if page.next_before is None:
            return
        page = list_events(wl, where, EXPORT_CHUNK, page.next_before)


def _cells(item: AuditEventOut) -> list[str]:
    values = msgspec.to_builtins(item)
    return [_cell(values[name]) for name in CSV_COLUMNS]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return msgspec.json.encode(value).decode()
    text = str(value)
    # A cell a spreadsheet would run as a formula is written as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _line(cells: object) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()
