"""The coverage roller: each customer's latest touch, the reserved `untouched-<N>d` tags of saved
segments, and today's untouched counts (`runtime.insight.coverage` says what touched means)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from runtime.insight import RollContext, Roller, coverage

BREAKDOWN_EVERY = timedelta(minutes=15)
"""How often today's breakdown by attribute is counted again (it reads every untouched
customer's attributes; the counts themselves are redone each roll), and at once when the
workspace chose other attributes."""


def roll(session: Session, context: RollContext) -> dict[str, Any]:
    """Touches since the last roll, the reserved tags, today's snapshot; the new watermarks."""
    since = context.state.get("since")
    coverage.touch(session, datetime.fromisoformat(since) if since else None)
    windows = coverage.tagged_windows(session)
    for days in sorted(windows):
        coverage.sync_tag(session, days, context.now)
    coverage.drop_tags(session, set(context.state.get("tagged", [])) - windows)
    today = context.today().isoformat()
    counted = context.state.get("breakdown_at")
    attributes = list(coverage.breakdown_attributes(session))
    breakdown = (context.state.get("breakdown_day") != today or counted is None
                 or context.now - datetime.fromisoformat(counted) >= BREAKDOWN_EVERY
                 or context.state.get("attributes", list(coverage.TEXT_ATTRIBUTES)) != attributes)
    coverage.snapshot(session, context.today(), context.now,
                      tuple(attributes) if breakdown else None)
    return {"since": (context.now - coverage.LAG).isoformat(), "tagged": sorted(windows),
            "breakdown_day": today if breakdown else context.state.get("breakdown_day"),
            "breakdown_at": context.now.isoformat() if breakdown else counted,
            "attributes": attributes}


ROLLER = Roller("coverage", timedelta(seconds=60), roll)
