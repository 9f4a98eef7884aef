"""Segments: saved audience rules that journeys use by id (entry.segment and friends).

A rule is checked by the same code the nodes use (`rule_problems`), so a segment that saves is a
segment every node accepts. Names are unique ignoring case: a duplicate is a 422 on `name`, like
any other field a marketer must change. A segment a journey still uses can't be deleted (409,
naming the journeys and steps); see `server.services.usage` for what "uses" means.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nodes.kit.rules import Rule
from runtime.audience.query import count_audience
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.store.audit import Actor, record
from runtime.store.models import Segment
from runtime.store.query_budget import PREVIEW_BUDGET, time_budget
from server.context import Wayline
from server.schemas.previews import AudienceIn, AudiencePreview
from server.schemas.segments import (
    SegmentCreate,
    SegmentDetail,
    SegmentPage,
    SegmentSummary,
    SegmentUpdate,
)
from server.services import audience_preview, previews
from server.services.usage import in_use_message, journeys_using, usage


def list_segments(wl: Wayline, search: str | None = None, counts: bool = False,
                  limit: int = 50, offset: int = 0) -> SegmentPage:
    """A page of segments by name, with how many journeys use each (and customers, if asked)."""
    query = select(Segment)
    if search:
        query = query.where(func.lower(Segment.name).contains(search.lower(), autoescape=True))
    with wl.reading() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(func.lower(Segment.name), Segment.id)
                               .limit(limit).offset(offset)).all()
        used = usage(session, wl.registry, "segment")
        now = wl.now()
        items = [SegmentSummary(
            id=row.id, name=row.name, description=row.description,
            customers=_counted(session, _rule(row), now) if counts else None,
            journeys=len(used.get(row.id, [])), created_at=row.created_at,
            updated_at=row.updated_at) for row in rows]
    return SegmentPage(items=items, total=total, limit=limit, offset=offset)


def create_segment(wl: Wayline, actor: Actor, data: SegmentCreate) -> SegmentDetail:
    """Save a new segment (422 naming each problem in the rule, or a name already taken)."""
    _check_rule(data.rule)
    name = data.name.strip()
    with _name_race(name), wl.writing() as session:
        _refuse_taken(session, name)
        now = wl.now()
        segment = Segment(name=name, description=data.description,
                          rule=msgspec.to_builtins(data.rule), created_at=now, updated_at=now)
        session.add(segment)
        session.flush()
        _audit(session, actor, "segment.created", segment, now, after={"rule": segment.rule})
        return _detail(wl, session, segment)


def get_segment(wl: Wayline, segment_id: int) -> SegmentDetail:
    """One segment, its rule, its audience size now and the journeys using it."""
    with wl.reading() as session:
        return _detail(wl, session, _get(session, segment_id))


def update_segment(wl: Wayline, actor: Actor, segment_id: int,
                   data: SegmentUpdate) -> SegmentDetail:
    """Rename, describe or change the rule (journeys using it follow the new rule from now)."""
    if data.rule is not None:
        _check_rule(data.rule)
    name = data.name.strip() if data.name is not None else None
    with _name_race(name or ""), wl.writing() as session:
        segment = _get(session, segment_id, lock=True)
        before = {"name": segment.name, "rule": segment.rule}
        if name is not None and name != segment.name:
            _refuse_taken(session, name, segment.id)
            segment.name = name
        if data.description is not None:
            segment.description = data.description
        if data.rule is not None:
            segment.rule = msgspec.to_builtins(data.rule)
        segment.updated_at = wl.now()
        after = {"name": segment.name, "rule": segment.rule}
        if after != before:
            _audit(session, actor, "segment.changed", segment, wl.now(), before=before,
                   after=after)
        session.flush()
        return _detail(wl, session, segment)


def delete_segment(wl: Wayline, actor: Actor, segment_id: int) -> None:
    """Delete a segment no journey uses; 409 naming the journeys that do."""
    with wl.writing() as session:
        segment = _get(session, segment_id, lock=True)
        uses = journeys_using(session, wl.registry, "segment", segment.id)
        if uses:
            raise WrongStateError(in_use_message(f"the segment '{segment.name}'", uses),
                                  [{"code": "segment.in_use", "message": f"Used by '{use.name}'",
                                    "node_id": use.node_ids[0]} for use in uses])
        _audit(session, actor, "segment.deleted", segment, wl.now(), before={"rule": segment.rule})
        session.delete(segment)


def segment_audience(wl: Wayline, segment_id: int, limit: int = 20,
                     after: int | None = None) -> AudiencePreview:
    """Who is in a segment now: the exact count and a page of customers."""
    with wl.reading() as session:
        rule = _rule(_get(session, segment_id))
    return audience_preview.preview_audience(wl, AudienceIn(rule=rule, limit=limit, after=after))


# --- shared -----------------------------------------------------------------------------------


def _audit(session: Session, actor: Actor, action: str, segment: Segment, at: Any,
           **details: Any) -> None:
    record(session, actor, action, object_kind="segment", object_id=segment.id,
           object_name=segment.name, at=at, **details)


def _get(session: Session, segment_id: int, lock: bool = False) -> Segment:
    query = select(Segment).where(Segment.id == segment_id)
    segment = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if segment is None:
        raise NotFoundError("segment", segment_id)
    return segment


def _counted(session: Session, rule: Rule, now: datetime) -> int:
    """How many customers match now, within the preview's time budget."""
    with time_budget(session, PREVIEW_BUDGET):
        return count_audience(session, rule, now)


def _rule(segment: Segment) -> Rule:
    return msgspec.convert(segment.rule, Rule)


def _detail(wl: Wayline, session: Session, segment: Segment) -> SegmentDetail:
    rule = _rule(segment)
    return SegmentDetail(
        id=segment.id, name=segment.name, description=segment.description, rule=rule,
        customers=_counted(session, rule, wl.now()),
        used_by=journeys_using(session, wl.registry, "segment", segment.id),
        created_at=segment.created_at, updated_at=segment.updated_at)


def _check_rule(rule: Rule) -> None:
    issues = previews.rule_issues(rule)  # the check previews make, with the same codes
    if issues:
        raise InvalidInputError(
            "The segment's rule has problems: " +
            "; ".join(f"{issue['field']}: {issue['message']}" for issue in issues[:5]), issues)


def _refuse_taken(session: Session, name: str, other_than: int | None = None) -> None:
    query = select(Segment.name).where(func.lower(Segment.name) == name.lower())
    if other_than is not None:
        query = query.where(Segment.id != other_than)
    taken = session.scalar(query.limit(1))
    if taken is not None:
        raise _taken(taken)


def _taken(name: str) -> InvalidInputError:
    message = f"A segment named '{name}' already exists; give this one another name."
    return InvalidInputError(message, [{"code": "name.taken", "field": "name",
                                        "message": message}])


@contextmanager
def _name_race(name: str) -> Iterator[None]:
    """Turns a unique-constraint race (two saves of one name at once) into the same 422."""
    try:
        yield
    except IntegrityError:
        raise _taken(name) from None
