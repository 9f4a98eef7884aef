"""Who enters: an audience rule or a journey's entry counted in SQL, with a page of customers
(the count runs beside the first page, within the preview's time budget)."""


import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nodes.kit.profile import BUILTIN_FIELDS
from nodes.kit.rules import (
    Attr,
    Rule,
    leaves,
)
from runtime.audience.query import (
    count_audience,
    customers,
    plan_audience_queries,
    session_clause,
)
from runtime.run import lifecycle
from runtime.store.query_budget import PREVIEW_BUDGET, time_budget
from server.context import Wayline
from server.schemas.previews import (
    AudienceCustomer,
    AudienceIn,
    AudiencePreview,
)
from server.services.previews import check_rule, draft_entry

SHOWN_ATTRIBUTES = 6
"""Attributes shown per customer in an audience page: the rule's first, then others."""


PAGE_WINDOW = 20_000
"""Customer ids the first window of an audience page looks through (each next one doubles)."""

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wayline-audience")
"""Runs an audience count beside its first page, so a preview costs the slower of the two."""


# --- audience ----------------------------------------------------------------------------------


def preview_audience(wl: Wayline, data: AudienceIn) -> AudiencePreview:
    """The exact count of customers matching a rule and one page of them."""
    check_rule(data.rule)
    return _audience(wl, data.rule, data.limit, data.after)


def journey_audience(wl: Wayline, journey_id: int, limit: int = 20,
                     after: int | None = None) -> AudiencePreview:
    """Who enters a journey's draft: its entry's audience, counted, with a page of it."""
    with wl.reading() as session:
        entry = draft_entry(wl, session, lifecycle.get_journey(session, journey_id))
    if entry.rule is None:
        return AudiencePreview(count=None, customers=[], next_after=None, evaluated_at=wl.now(),
                               took_ms=0, entry=entry.info(), notes=entry.notes)
    preview = _audience(wl, entry.rule, limit, after)
    preview.entry, preview.notes = entry.info(), entry.notes
    return preview


def _audience(wl: Wayline, rule: Rule, limit: int, after: int | None) -> AudiencePreview:
    began, now = time.perf_counter(), wl.now()
    counted = _POOL.submit(_count, wl, rule, now)
    with wl.reading() as session, time_budget(session, PREVIEW_BUDGET):
        rows = _page(session, rule, now, limit + 1, after, counted)
    count = counted.result()
    shown = _shown_attributes(rule)
    page = [AudienceCustomer(id=row.id, external_id=row.external_id, email=row.email,
                             phone=row.phone, created_at=row.created_at,
                             attributes=_attributes(row.attributes or {}, shown))
            for row in rows[:limit]]
    return AudiencePreview(count=count, customers=page,
                           next_after=page[-1].id if len(rows) > limit else None,
                           evaluated_at=now, took_ms=round((time.perf_counter() - began) * 1000))


def _count(wl: Wayline, rule: Rule, now: datetime) -> int:
    with wl.reading() as session, time_budget(session, PREVIEW_BUDGET):
        return count_audience(session, rule, now)


def _page(session: Session, rule: Rule, now: datetime, limit: int, after: int | None,
          counted: Future[int] | None = None) -> list[Any]:
    """The first `limit` matches after `after`, in id order, found window by window.

    Planners can't estimate how many rows a JSON rule keeps, so a plain ORDER BY id LIMIT may
    sort a full scan. Id windows that double in size read only as far as the matches go; the
    count running beside the page stops the search once every match is found (or there are
    none), so a rare rule costs no more than its count.
    """
    plan_audience_queries(session)
    clause = session_clause(session, rule, now)
    c = customers.c
    columns = (c.id, c.external_id, c.email, c.phone, c.created_at, c.attributes)
    low = after or 0
    last = session.scalar(select(func.max(c.id))) or 0
    found: list[Any] = []
    size = PAGE_WINDOW
    while low < last and len(found) < limit:
        high = low + size
        found += session.execute(select(*columns).where(c.id > low, c.id <= high, clause)
                                 .order_by(c.id).limit(limit - len(found))).all()
        low, size = high, size * 2
        if counted is not None and counted.done() and after is None and \
                len(found) >= counted.result():
            break
    return found


def _shown_attributes(rule: Rule) -> list[str]:
    named = [leaf.field for leaf in leaves(rule) if isinstance(leaf, Attr)]
    return list(dict.fromkeys(name for name in named if name not in BUILTIN_FIELDS))


def _attributes(attributes: Mapping[str, Any], first: list[str]) -> dict[str, Any]:
    names = [name for name in first if name in attributes]
    names += [name for name in attributes if name not in names]
    return {name: attributes[name] for name in names[:max(SHOWN_ATTRIBUTES, len(first))]}
