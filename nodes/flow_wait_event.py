"""Wait for event: hold a customer until they do an event, or give up after a while.

Customers who do the event (with matching properties) in time leave through "Did it"; the rest
leave through "Timed out" when the time is up. The runtime watches the events.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

import msgspec

from nodes.kit.checks import filters_check
from nodes.kit.fields import Duration, EventField, EventFilters, Unit, hint
from nodes.kit.spec import (
    Category,
    Decision,
    NodeSpec,
    Port,
    Problem,
    StepContext,
    WaitForEvent,
)


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The event to wait for, its property filters, and how long to wait."""

    event: EventField
    where: EventFilters = []
    timeout: Annotated[Duration, hint("Give up after", widget="duration", order=3)]


def check(config: Config) -> list[Problem]:
    """Every property filter must make sense."""
    return filters_check(config.where, "where", "Event properties")


def run(config: Config, ctx: StepContext) -> Decision:
    """Wait for the event until now + timeout."""
    until = (ctx.now + config.timeout.to_timedelta()).astimezone(UTC)
    return WaitForEvent(config.event, tuple(config.where), until,
                        why=f"waiting up to {config.timeout.describe()} for '{config.event}'")


SPEC = NodeSpec(
    key="flow.wait_event",
    version=1,
    label="Wait for event",
    category=Category.FLOW,
    description="Holds customers until they do an event, or until the time runs out.",
    config=Config,
    run=run,
    example=Config(event="order_completed", timeout=Duration(amount=3, unit=Unit.DAYS)),
    ports=(Port("matched", "Did it"), Port("timeout", "Timed out")),
    check=check,
    waits_for=lambda config: config.event,
    preview_note="Future events can't be known: every 'Wait for event' step is assumed to time "
                 "out. Past events count in conditions as they would in the real run.",
    color="#0891b2",
    icon="hourglass",
)
