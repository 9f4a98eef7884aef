"""What the results endpoint gives: conversions per path of each random split, tested."""

from __future__ import annotations

from datetime import datetime

import msgspec


class GoalSummary(msgspec.Struct):
    """The journey's goal: the conversion event and the window after entry it counts in."""

    event: str
    within: str
    exit: bool


class VariantResult(msgspec.Struct):
    """One path of a split (or its control group) against the baseline."""

    key: str
    label: str
    share: float
    """The percentage of customers the split sends this way."""
    is_baseline: bool
    entered: int
    converted: int
    rate: float | None
    """converted / entered; None before anyone entered."""
    uplift: float | None
    """(rate − baseline rate) / baseline rate; None for the baseline or a zero baseline."""
    difference: float | None
    """rate − baseline rate, as a fraction (0.02 is two percentage points)."""
    z: float | None
    p_value: float | None
    """Two-sided two-proportion z-test against the baseline."""
    confidence: float | None
    """1 − p_value."""
    significant: bool
    verdict: str


class SplitResult(msgspec.Struct):
    """A random split's results: each path compared with the control group (or, without one,
    with the first path)."""

    node_id: str
    label: str
    baseline: str
    """The key of the path the others are compared with."""
    baseline_label: str
    variants: list[VariantResult]
    summary: str


class JourneyResults(msgspec.Struct):
    """Conversions of a published journey and of every A/B split in it."""

    journey_id: int
    version: int | None
    goal: GoalSummary | None
    entered: int
    converted: int
    rate: float | None
    splits: list[SplitResult]
    confidence_level: float
    generated_at: datetime
