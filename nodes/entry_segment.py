"""Audience entry: customers matching a saved segment or an audience rule enter the journey.

Everyone who already matches can enter when the journey is published, and after that customers
enter as they start matching. The runtime does the matching; this kind only says who.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from nodes.kit.checks import rule_check
from nodes.kit.fields import Rule, SegmentRef, Unit, hint
from nodes.kit.rules import All, Attr, Op
from nodes.kit.spec import (
    AudienceTrigger,
    Category,
    Decision,
    Go,
    NodeSpec,
    Port,
    Problem,
    Ref,
    StepContext,
)


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Who enters: a saved segment or an inline rule (exactly one), and who enters at publish."""

    segment: Annotated[SegmentRef | None, hint(
        "Saved segment", order=1, description="Pick a saved segment, or build a rule instead",
    )] = None
    rule: Annotated[Rule | None, hint(
        "Audience rule", widget="rule", order=2, description="Customers who match this rule enter",
    )] = None
    include_existing: Annotated[bool, hint(
        "Also enter everyone who matches at publish", order=3,
        description="Off: only customers who start matching after publishing enter",
    )] = True


def check(config: Config) -> list[Problem]:
    """Exactly one of a saved segment or a rule, and the rule must make sense."""
    if config.segment is None and config.rule is None:
        return [Problem("segment", "Choose a saved segment or build an audience rule")]
    if config.segment is not None and config.rule is not None:
        return [Problem("rule", "Use either a saved segment or an audience rule, not both: "
                                "clear one of them")]
    return rule_check(config.rule, "rule", "Audience rule")


def refs(config: Config) -> list[Ref]:
    """The saved segment this entry uses, if any."""
    return [] if config.segment is None else [Ref("segment", config.segment, "segment")]


def trigger(config: Config) -> AudienceTrigger:
    """Customers enter by matching the audience."""
    return AudienceTrigger(rule=config.rule, segment=config.segment,
                           include_existing=config.include_existing)


def run(config: Config, ctx: StepContext) -> Decision:
    """An entered customer moves straight on."""
    return Go("next", why="entered as part of the audience")


SPEC = NodeSpec(
    key="entry.segment",
    version=1,
    label="Audience entry",
    category=Category.ENTRY,
    description="Customers who match an audience enter, when you publish and as they start "
                "matching.",
    config=Config,
    run=run,
    example=Config(rule=All(rules=[
        Attr(field="country", op=Op.EQ, value="KR"),
        Attr(field="created_at", op=Op.WITHIN_LAST, value=30, unit=Unit.DAYS),
    ])),
    ports=(Port("next", "Next", required=True),),
    check=check,
    refs=refs,
    trigger=trigger,
    color="#16a34a",
    icon="users",
)
