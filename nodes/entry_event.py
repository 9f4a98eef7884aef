"""Event entry: a customer enters when an event arrives, optionally filtered.

Filters look at the event's own properties (`where`) and, optionally, at the customer
(`only_if`). The runtime matches incoming events against the trigger; this kind says which.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from nodes.kit.checks import filters_check, rule_check
from nodes.kit.fields import Attr, EventField, EventFilters, Rule, hint
from nodes.kit.rules import HasTag, Op
from nodes.kit.spec import (
    Category,
    Decision,
    EventTrigger,
    Go,
    NodeSpec,
    Port,
    Problem,
    StepContext,
)


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The event that lets a customer in, and the filters it must pass."""

    event: EventField
    where: EventFilters = []
    only_if: Annotated[Rule | None, hint(
        "Only customers who match", widget="rule", order=3,
        description="Leave empty to let every customer who does the event in",
    )] = None


def check(config: Config) -> list[Problem]:
    """Every property filter and the audience filter must make sense."""
    return (filters_check(config.where, "where", "Event properties")
            + rule_check(config.only_if, "only_if", "Only customers who match"))


def trigger(config: Config) -> EventTrigger:
    """Customers enter when the event arrives and passes the filters."""
    return EventTrigger(event=config.event, where=tuple(config.where), only_if=config.only_if)


def run(config: Config, ctx: StepContext) -> Decision:
    """An entered customer moves straight on."""
    return Go("next", why=f"did '{config.event}'")


SPEC = NodeSpec(
    key="entry.event",
    version=1,
    label="Event entry",
    category=Category.ENTRY,
    description="A customer enters when they do an event, such as placing an order.",
    config=Config,
    run=run,
    example=Config(
        event="order_completed",
        where=[Attr(field="total", op=Op.GTE, value=50_000)],
        only_if=HasTag(tag="test_account", has=False),
    ),
    ports=(Port("next", "Next", required=True),),
    check=check,
    trigger=trigger,
    color="#16a34a",
    icon="zap",
)
