"""What the lifecycle stage endpoints take and give: the stages (runtime.insight.stages) and
the board: customers per stage now and over time, conversion between stages, time in stage,
and the journeys that moved customers."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from runtime.insight.stages import Stage, StageDefinitions

__all__ = ["Stage", "StageBoard", "StageCard", "StageDefinitions", "StageHistoryDay",
           "StageStep", "TransitionJourney"]


class StageCard(msgspec.Struct):
    """One stage now: customers in it at the last roll and their share of all customers; of
    the moves into it in the period, how many have left it since and their median stay."""

    key: str
    name: str
    customers: int
    share: float
    entered: int
    left: int
    median_stay_seconds: float | None


class StageStep(msgspec.Struct):
    """From one stage to the next: of the customers who entered `from_stage` in the period,
    how many got to `to_stage` or beyond since, that as a share (None: nobody entered), and
    the median time it took."""

    from_stage: str
    to_stage: str
    entered: int
    reached: int
    conversion: float | None
    median_seconds: float | None


class StageHistoryDay(msgspec.Struct):
    """Customers per stage on one local day, in the stages' order; `none` is in no stage."""

    day: date
    customers: list[int]
    none: int


class TransitionJourney(msgspec.Struct):
    """A journey credited with moving customers from one stage to another in the period."""

    from_stage: str
    to_stage: str
    journey_id: int
    journey_name: str
    moves: int


class StageBoard(msgspec.Struct):
    """The board: every figure of the stages in the period [since, until) (sizes: at the last
    roll, `as_of`; history: one row per day a roll happened, up to HISTORY_DAYS)."""

    stages: list[StageCard]
    not_in_stage: int
    total: int
    as_of: date | None
    rolled_at: datetime | None
    since: datetime
    until: datetime
    steps: list[StageStep]
    history: list[StageHistoryDay]
    journeys: list[TransitionJourney]
