"""Condition: an if/else on the customer — attributes, tags, event history and engagement.

Customers who match the rule go down Yes, everyone else down No. The why names the parts of
the rule that decided it, so a preview can say "why / why not".
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from nodes.kit.checks import rule_check
from nodes.kit.fields import Duration, Rule, Unit, hint
from nodes.kit.rules import All, EventCount, HasTag, evaluate, explain
from nodes.kit.spec import Category, Decision, Go, NodeSpec, Port, Problem, StepContext


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The rule that sends a customer down Yes."""

    rule: Annotated[Rule, hint(
        "Rule", widget="rule", order=1,
        description="Customers who match go down Yes; everyone else down No",
    )]


def check(config: Config) -> list[Problem]:
    """The rule's values must suit its operators."""
    return rule_check(config.rule, "rule", "Rule")


def run(config: Config, ctx: StepContext) -> Decision:
    """Yes when the customer matches the rule now, else No."""
    verdict = evaluate(config.rule, ctx.profile, ctx.now)
    return Go("yes" if verdict.matched else "no", why=explain(verdict))


SPEC = NodeSpec(
    key="flow.condition",
    version=1,
    label="Condition",
    category=Category.FLOW,
    description="Sends customers down Yes or No depending on whether they match a rule.",
    config=Config,
    run=run,
    example=Config(rule=All(rules=[
        EventCount(event="order_completed", within=Duration(amount=30, unit=Unit.DAYS)),
        HasTag(tag="unsubscribed", has=False),
    ])),
    ports=(Port("yes", "Yes"), Port("no", "No")),
    check=check,
    color="#7c3aed",
    icon="git-branch",
)
