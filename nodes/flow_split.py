"""Audience split: several ranked branches, each with a rule, and "Everyone else".

A customer goes down the first branch whose rule they match, top to bottom; customers who match
none go down "Everyone else". Each branch is one output, named by its key.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from nodes.kit.checks import rule_check
from nodes.kit.fields import Rule, hint
from nodes.kit.rules import Attr, HasTag, Op, evaluate, explain
from nodes.kit.spec import Category, Decision, Go, NodeSpec, Port, Problem, StepContext

BRANCH_KEY = r"^[a-z0-9_]{1,32}$"
"""Branch keys name output ports: short, lowercase, stable across edits of the label."""

ELSE = "else"
"""The port for customers who match no branch."""


class Branch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One ranked branch: its port key, the name marketers see, and who goes this way."""

    key: Annotated[str, hint(
        "Key", order=1, pattern=BRANCH_KEY,
        description="Names this branch's output: a-z, 0-9 and _, up to 32 characters",
    )]
    label: Annotated[str, hint("Name", order=2, min_length=1, max_length=60)]
    rule: Annotated[Rule, hint("Who goes this way", widget="rule", order=3)]


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The branches, in the order they are tried."""

    branches: Annotated[list[Branch], hint(
        "Branches", order=1, min_length=1, max_length=8,
        description="Tried top to bottom: a customer goes down the first branch they match",
    )]


def check(config: Config) -> list[Problem]:
    """Keys are unique and not 'else'; every branch's rule makes sense."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, branch in enumerate(config.branches):
        path = f"branches[{index}]"
        if branch.key == ELSE:
            problems.append(Problem(f"{path}.key", "Branches: the key 'else' is kept for "
                                                   "'Everyone else'; pick another key"))
        elif branch.key in seen:
            problems.append(Problem(f"{path}.key", f"Branches: two branches use the key "
                                                   f"'{branch.key}'; give each its own key"))
        seen.add(branch.key)
        problems += rule_check(branch.rule, f"{path}.rule", f"Branch '{branch.label}'")
    return problems


def ports(config: Config) -> tuple[Port, ...]:
    """One output per branch, in rank order, then "Everyone else"."""
    return (*(Port(branch.key, branch.label) for branch in config.branches),
            Port(ELSE, "Everyone else"))


def run(config: Config, ctx: StepContext) -> Decision:
    """The first branch the customer matches, else "Everyone else"."""
    reasons = []
    for branch in config.branches:
        verdict = evaluate(branch.rule, ctx.profile, ctx.now)
        if verdict.matched:
            return Go(branch.key, why=f"{branch.label}: {explain(verdict)}")
        reasons.append(f"not {branch.label} ({explain(verdict)})")
    return Go(ELSE, why="matched no branch: " + "; ".join(reasons))


SPEC = NodeSpec(
    key="flow.split",
    version=1,
    label="Audience split",
    category=Category.FLOW,
    description="Sends each customer down the first of several ranked branches they match, "
                "or down Everyone else.",
    config=Config,
    run=run,
    example=Config(branches=[
        Branch(key="vip", label="VIP", rule=HasTag(tag="vip")),
        Branch(key="big_spender", label="Spent 1M+",
               rule=Attr(field="total_spent", op=Op.GTE, value=1_000_000)),
    ]),
    ports=ports,
    check=check,
    color="#7c3aed",
    icon="split",
)
