"""Random split: customers are shared out between paths by percentage, with a control group.

The draw is a hash of the step's seed (stable per run and node), not a random number, so a
retried step goes the same way and a preview agrees with the real run.
"""

from __future__ import annotations

import hashlib
from itertools import accumulate
from typing import Annotated

import msgspec

from nodes.kit.fields import hint
from nodes.kit.spec import Arm, Category, Decision, Go, NodeSpec, Port, Problem, StepContext

VARIANT_KEY = r"^[a-z0-9_]{1,32}$"
"""Variant keys name output ports: short, lowercase, stable across edits of the label."""

CONTROL = "control"
"""The port for the control (holdout) group."""

TOLERANCE = 1e-6
"""How far from 100 the percentages may add up, for float rounding (33.33 + 33.33 + 33.34)."""


class Variant(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One path: its port key, the name marketers see, and its share of customers."""

    key: Annotated[str, hint(
        "Key", order=1, pattern=VARIANT_KEY,
        description="Names this path's output: a-z, 0-9 and _, up to 32 characters",
    )]
    label: Annotated[str, hint("Name", order=2, min_length=1, max_length=60)]
    percent: Annotated[float, hint("Share of customers (%)", order=3, gt=0, le=100)]


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The paths and the control group; together they share out exactly 100%."""

    variants: Annotated[list[Variant], hint(
        "Paths", order=1, min_length=1, max_length=10,
        description="At least two paths, or one path and a control group",
    )]
    control_percent: Annotated[float, hint(
        "Control group (%)", order=2, ge=0, le=100,
        description="Customers held out of every path, to measure the difference; 0 for none",
    )] = 0


def check(config: Config) -> list[Problem]:
    """Two ways to go at least, unique keys, and shares adding up to 100%."""
    problems: list[Problem] = []
    if len(config.variants) == 1 and config.control_percent == 0:
        problems.append(Problem("variants", "Paths: add a second path or a control group, so "
                                            "customers have two ways to go"))
    seen: set[str] = set()
    for index, variant in enumerate(config.variants):
        path = f"variants[{index}].key"
        if variant.key == CONTROL:
            problems.append(Problem(path, "Paths: the key 'control' is kept for the control "
                                          "group; pick another"))
        elif variant.key in seen:
            problems.append(Problem(path, f"Paths: two paths use the key '{variant.key}'; "
                                          "give each its own"))
        seen.add(variant.key)
    total = sum(variant.percent for variant in config.variants) + config.control_percent
    if abs(total - 100) > TOLERANCE:
        problems.append(Problem("variants", f"Paths: the shares add up to {total:g}%; make the "
                                            "paths and the control group add up to exactly 100%"))
    return problems


def ports(config: Config) -> tuple[Port, ...]:
    """One output per path, then the control group when it has a share."""
    paths = tuple(Port(v.key, f"{v.label} ({v.percent:g}%)") for v in config.variants)
    if config.control_percent > 0:
        # Held-out customers usually just leave: an unconnected control exit is fine.
        control = Port(CONTROL, f"Control group ({config.control_percent:g}%)", optional=True)
        return (*paths, control)
    return paths


def bucket(seed: str) -> float:
    """A number in [0, 100) fixed by the seed and spread evenly over seeds."""
    digest = hashlib.sha256(seed.encode()).digest()
    # 53 bits: exactly what a float holds, so the fraction can never round up to 1.
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53 * 100


def run(config: Config, ctx: StepContext) -> Decision:
    """The path whose share the seed's bucket falls in."""
    drawn = bucket(ctx.seed)
    shares = [(v.key, v.label, v.percent) for v in config.variants]
    if config.control_percent > 0:
        shares.append((CONTROL, "Control group", config.control_percent))
    edges = accumulate(percent for _, _, percent in shares)
    # Shares a hair short of 100 (float rounding) leave a sliver: the last path takes it.
    key, label, percent = next(
        (share for share, edge in zip(shares, edges, strict=True) if drawn < edge), shares[-1])
    return Go(key, why=f"drew {drawn:.2f} of 100: {label} ({percent:g}%)")


def arms(config: Config) -> list[Arm]:
    """The paths as an experiment: each variant, then the control group when there is one."""
    found = [Arm(variant.key, variant.label, variant.percent) for variant in config.variants]
    if config.control_percent > 0:
        found.append(Arm(CONTROL, "Control group", config.control_percent, control=True))
    return found


SPEC = NodeSpec(
    key="flow.random",
    version=1,
    label="Random split",
    category=Category.FLOW,
    description="Shares customers out at random between paths, with an optional control group.",
    config=Config,
    run=run,
    example=Config(variants=[
        Variant(key="a", label="Coupon", percent=45),
        Variant(key="b", label="Free shipping", percent=45),
    ], control_percent=10),
    ports=ports,
    check=check,
    random=True,
    color="#db2777",
    icon="shuffle",
    arms=arms,
)
