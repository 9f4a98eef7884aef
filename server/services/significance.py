"""Is a path's conversion rate really different from the control's? Two-proportion z-test.

Pure arithmetic, no SciPy: the normal CDF comes from `math.erf`. The test is two-sided with a
pooled standard error, the textbook test for comparing two conversion rates (its square is
Pearson's chi-square for the 2×2 table, without continuity correction). `verdict` says the
result in a marketer's words: "Coupon beats Control group with 97% confidence".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CONFIDENCE_LEVEL = 0.95
"""How sure a result must be before it is called a win or a loss (p < 0.05)."""

MIN_PER_ARM = 30
"""Customers each side needs before any verdict; below that, "too few to tell"."""

MIN_EXPECTED = 5
"""Conversions and non-conversions expected on each side (pooled rate) for the normal
approximation to hold; below that the test says too few to tell."""


def normal_cdf(x: float) -> float:
    """P(Z <= x) for a standard normal Z."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@dataclass(frozen=True)
class Comparison:
    """One path against the baseline: rates, uplift and the test's result."""

    rate: float | None
    baseline_rate: float | None
    difference: float | None
    """Percentage points: rate − baseline rate (0.02 is two points)."""
    uplift: float | None
    """Relative change: (rate − baseline rate) / baseline rate; None when the baseline is 0."""
    z: float | None
    p_value: float | None
    confidence: float | None
    """1 − p: how sure we are that the rates differ."""
    enough: bool
    """True when both sides are large enough for the test to mean something."""

    @property
    def significant(self) -> bool:
        """True when the difference clears the confidence level with enough customers."""
        return self.enough and self.confidence is not None and \
            self.confidence >= CONFIDENCE_LEVEL


def compare(converted: int, entered: int, baseline_converted: int,
            baseline_entered: int) -> Comparison:
    """Compare a path's conversions with the baseline's (two-sided two-proportion z-test)."""
    rate = converted / entered if entered else None
    base = baseline_converted / baseline_entered if baseline_entered else None
    if rate is None or base is None:
        return Comparison(rate, base, None, None, None, None, None, False)
    difference = rate - base
    uplift = difference / base if base else None
    pooled = (converted + baseline_converted) / (entered + baseline_entered)
    enough = min(entered, baseline_entered) >= MIN_PER_ARM and all(
        size * pooled >= MIN_EXPECTED and size * (1 - pooled) >= MIN_EXPECTED
        for size in (entered, baseline_entered))
    error = math.sqrt(pooled * (1 - pooled) * (1 / entered + 1 / baseline_entered))
    if error == 0:  # nobody converted, or everybody: no difference to test
        return Comparison(rate, base, difference, uplift, 0.0, 1.0, 0.0, enough)
    z = difference / error
    p_value = min(1.0, 2 * (1 - normal_cdf(abs(z))))
    return Comparison(rate, base, difference, uplift, z, p_value, 1 - p_value, enough)


def percent(share: float) -> str:
    """A confidence as a marketer reads it: whole percent, rounded down, at most "99.9%"."""
    if share >= 0.99:
        return f"{min(math.floor(share * 1000) / 10, 99.9):g}%"
    return f"{math.floor(share * 100)}%"


def verdict(label: str, baseline: str, comparison: Comparison, *,
            entered: int = 0, baseline_entered: int = 0) -> str:
    """The result in one sentence, e.g. "Coupon beats Control group with 97% confidence"."""
    if comparison.rate is None or comparison.baseline_rate is None:
        return f"No customers have reached {label if comparison.rate is None else baseline} yet."
    if not comparison.enough:
        return (f"Too few customers to tell yet ({entered:,} in {label}, {baseline_entered:,} "
                f"in {baseline}; each needs at least {MIN_PER_ARM} and a few conversions).")
    sure = percent(comparison.confidence or 0.0)
    if comparison.significant and (comparison.difference or 0) > 0:
        return f"{label} beats {baseline} with {sure} confidence."
    if comparison.significant:
        return f"{label} does worse than {baseline}, with {sure} confidence."
    return (f"No clear difference between {label} and {baseline} yet ({sure} confidence; "
            f"{percent(CONFIDENCE_LEVEL)} is the bar).")
