"""Coverage: the customers no journey and no message reached in the last N days — how many,
the trend, the breakdown by attribute, the list — and "save as segment", which saves a segment
on the window's reserved tag (`runtime.insight.coverage`) so a journey can reach them.

The figures are read from the coverage roller's summaries (`runtime.insight.coverage_reads`).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.validation import Issue
from nodes.kit.rules import HasTag, Rule
from runtime.customers.fields import FieldError, check_attribute_name
from runtime.errors import InvalidInputError
from runtime.insight import coverage as rules
from runtime.insight import coverage_reads as reads
from runtime.store.audit import Actor, record
from runtime.store.models import Segment, WorkspaceSetting
from server.context import Wayline
from server.schemas.coverage import (
    CoverageAttribute,
    CoverageAttributesIn,
    CoverageDay,
    CoverageSegment,
    CoverageSegmentIn,
    CoverageSummary,
    CoverageValue,
    UntouchedCustomer,
    UntouchedPage,
)
from server.schemas.segments import SegmentCreate
from server.security.masking import mask_email, mask_phone
from server.services import segments

DESCRIPTION = ("Customers no journey and no message reached in the last {days} days. Wayline "
               "keeps this segment up to date: every minute it adds those who became untouched "
               "and removes those a journey or a message reached (the tag {tag}).")
"""The saved segment's description when the request gives none."""


def coverage_summary(wl: Wayline, days: int) -> CoverageSummary:
    """How many customers are untouched in the window, the trend and the breakdown."""
    _check_days(days)
    now, zone = wl.now(), ZoneInfo(wl.settings.timezone)
    with wl.reading() as session:
        line = reads.headline(session, days, now, zone)
        trend = reads.trend(session, days, now, zone)
        day, counted = reads.breakdown(session, days)
        segment = _saved(session, days)
        attributes = rules.breakdown_attributes(session)
    return CoverageSummary(
        days=days, customers=line.customers, untouched=line.untouched,
        share=line.untouched / line.customers if line.customers else 0.0,
        previous_day=line.previous_day, previous_untouched=line.previous_untouched,
        rolled_at=line.rolled_at,
        trend=[CoverageDay(point.day, point.customers, point.untouched) for point in trend],
        breakdown_day=day,
        breakdown=[CoverageAttribute(attribute, [CoverageValue(value, untouched)
                                                 for value, untouched in values.items()])
                   for attribute, values in sorted(counted.items(),
                                                   key=lambda item: _place(attributes, item[0]))],
        segment=_segment(segment, False) if segment else None,
        attributes=list(attributes), max_attributes=rules.MAX_ATTRIBUTES)


def _place(attributes: tuple[str, ...], attribute: str) -> int:
    """Where an attribute's breakdown goes: the workspace's order, last purchase last."""
    return attributes.index(attribute) if attribute in attributes else len(attributes)


def untouched_customers(wl: Wayline, days: int, after: int | None = None, limit: int = 50,
                        contacts: bool = False) -> UntouchedPage:
    """A page of untouched customers by id (email and phone masked unless `contacts`)."""
    _check_days(days)
    with wl.reading() as session:
        rows = reads.untouched_page(session, days, wl.now(), after, limit)
    items = [UntouchedCustomer(
        id=row.id, external_id=row.external_id,
        email=row.email if contacts else mask_email(row.email),
        phone=row.phone if contacts else mask_phone(row.phone),
        attributes=row.attributes or {}, last_touched_at=row.last_touched_at) for row in rows]
    return UntouchedPage(days=days, items=items,
                         next_after=rows[-1].id if len(rows) == limit else None)


def save_as_segment(wl: Wayline, actor: Actor, data: CoverageSegmentIn) -> CoverageSegment:
    """The window's segment: the one saved before, or a new one (audited) whose reserved tag is
    then put on exactly the untouched customers, so it holds them from the start (were that
    to fail, the coverage roller puts it on within a minute)."""
    tag = rules.untouched_tag(data.days)
    with wl.reading() as session:
        existing = _saved(session, data.days)
    if existing is not None:
        return _segment(existing, False)
    detail = segments.create_segment(wl, actor, SegmentCreate(
        name=data.name or f"Untouched for {data.days} days", rule=HasTag(tag=tag),
        description=data.description or DESCRIPTION.format(days=data.days, tag=tag)))
    with wl.writing() as session:
        rules.sync_tag(session, data.days, wl.now())
    return CoverageSegment(id=detail.id, name=detail.name, tag=tag, created=True)


def _saved(session: Session, days: int) -> Segment | None:
    wanted = HasTag(tag=rules.untouched_tag(days))
    for segment in session.scalars(select(Segment).order_by(Segment.id)):
        if _rule_of(segment) == wanted:
            return segment
    return None


def _rule_of(segment: Segment) -> Rule | None:
    try:
        return msgspec.convert(segment.rule, Rule)
    except msgspec.ValidationError:
        return None


def _segment(segment: Segment, created: bool) -> CoverageSegment:
    return CoverageSegment(id=segment.id, name=segment.name,
                           tag=msgspec.convert(segment.rule, Rule).tag, created=created)


def _check_days(days: int) -> None:
    if not rules.DAYS_MIN <= days <= rules.DAYS_MAX:
        message = (f"The window must be {rules.DAYS_MIN} to {rules.DAYS_MAX} days, not {days}: "
                   "choose a number of days in that range.")
        raise InvalidInputError(message, [{"code": "days.range", "field": "days",
                                           "message": message}])


def set_breakdown_attributes(wl: Wayline, actor: Actor,
                             data: CoverageAttributesIn) -> list[str]:
    """Choose the attributes the breakdown counts by (audited); the coverage roller counts by
    them on its next roll, within a minute. Every problem is listed at once."""
    problems = []
    if len(data.attributes) > rules.MAX_ATTRIBUTES:
        problems.append(Issue(code="coverage.attributes", field="attributes", message=(
            f"choose at most {rules.MAX_ATTRIBUTES} attributes")))
    for index, name in enumerate(data.attributes):
        field = f"attributes[{index}]"
        try:
            check_attribute_name(name)
        except FieldError as error:
            problems.append(Issue(code="coverage.attributes", field=field,
                                  message=error.message))
            continue
        if name == rules.LAST_PURCHASE:
            problems.append(Issue(code="coverage.attributes", field=field, message=(
                f"'{name}' is always counted, in buckets; leave it out")))
        elif name in data.attributes[:index]:
            problems.append(Issue(code="coverage.attributes", field=field, message=(
                f"'{name}' is chosen twice")))
    if problems:
        raise InvalidInputError("The breakdown's attributes have problems: " +
                                "; ".join(problem.message for problem in problems), problems)
    with wl.writing() as session:
        before = list(rules.breakdown_attributes(session))
        row = session.get(WorkspaceSetting, rules.ATTRIBUTES_KEY)
        if row is None:
            session.add(WorkspaceSetting(key=rules.ATTRIBUTES_KEY, value=data.attributes,
                                         updated_at=wl.now()))
        else:
            row.value, row.updated_at = list(data.attributes), wl.now()
        if before != data.attributes:
            record(session, actor, "coverage.attributes_changed", object_kind="workspace",
                   object_id=rules.ATTRIBUTES_KEY, object_name="Coverage breakdown",
                   at=wl.now(), before={"attributes": before},
                   after={"attributes": data.attributes})
    return list(data.attributes)
