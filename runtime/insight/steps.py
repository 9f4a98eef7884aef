"""What each step earned, from `insight_days`: messages, engagement, conversions and revenue.

`step_figures` sums a journey's days (all of them, or a range) per step and measure in one
grouped read of the summary — its rows for one journey, a few per step and day — so the
canvas's per-step figures cost the same at ten messages or ten million.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.insight.measures import (
    ATTRIBUTED,
    CLICKED,
    MESSAGE,
    OPENED,
    UNSUBSCRIBED,
)
from runtime.store.insight_models import InsightDay


@dataclass
class StepFigures:
    """One step's totals: messages by status, engagement, and conversions credited to it."""

    messages: dict[str, int] = field(default_factory=dict)
    opened: int = 0
    clicked: int = 0
    unsubscribed: int = 0
    converted: int = 0
    revenue: float = 0.0

    @property
    def sent(self) -> int:
        """Messages that left: sent, and those whose receipt says delivered."""
        return self.messages.get("sent", 0) + self.messages.get("delivered", 0)


def step_figures(session: Session, journey_id: int, version_ids: Collection[int] | None = None,
                 first: date | None = None, last: date | None = None) -> dict[str, StepFigures]:
    """Per step of a journey (its versions in `version_ids`, or all; days first..last, or
    all): its totals. Conversions credited to no step are under ""."""
    query = (select(InsightDay.node_id, InsightDay.measure, func.sum(InsightDay.count),
                    func.sum(InsightDay.amount))
             .where(InsightDay.journey_id == journey_id,
                    InsightDay.measure.not_in(("entered", "converted")))
             .group_by(InsightDay.node_id, InsightDay.measure))
    if version_ids is not None:
        query = query.where(InsightDay.version_id.in_(list(version_ids)))
    if first is not None:
        query = query.where(InsightDay.day >= first)
    if last is not None:
        query = query.where(InsightDay.day <= last)
    found: defaultdict[str, StepFigures] = defaultdict(StepFigures)
    for node_id, measure, count, amount in session.execute(query):
        figures = found[node_id]
        if measure.startswith(MESSAGE):
            figures.messages[measure.removeprefix(MESSAGE)] = int(count)
        elif measure == ATTRIBUTED:
            figures.converted, figures.revenue = int(count), float(amount or 0)
        elif measure in (OPENED, CLICKED, UNSUBSCRIBED):
            setattr(figures, measure, int(count))
    return dict(found)
