"""Date entry: customers enter on a date attribute (birthday, renewal) at a local time.

Yearly entries repeat on the anniversary; one-off entries fire on the date itself. The offset
moves the day, e.g. -7 for a week before. The runtime schedules entries in each customer's
time zone; this kind says on which date and at what time.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from nodes.kit.fields import AttributeName, LocalTime, hint
from nodes.kit.spec import Category, DateTrigger, Decision, Go, NodeSpec, Port, StepContext


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The date attribute, the local time of day, the offset in days, and whether yearly."""

    attribute: Annotated[AttributeName, hint(
        "Date attribute", order=1, widget="attribute-name",
        extra={"attribute-type": "date"},
        description="A customer attribute holding a date, e.g. birthday or renewal_date",
    )]
    at: Annotated[LocalTime, hint(
        "At", order=2, description="Time of day in the customer's time zone",
    )] = "09:00"
    offset_days: Annotated[int, hint(
        "Days before (-) or after (+)", order=3, ge=-365, le=365,
        description="-7 enters a week before the date; 0 on the day",
    )] = 0
    yearly: Annotated[bool, hint(
        "Every year", order=4,
        description="On: every anniversary (birthdays). Off: only once, on the date itself",
    )] = True


def trigger(config: Config) -> DateTrigger:
    """Customers enter when their date comes round."""
    return DateTrigger(attribute=config.attribute, at=config.at,
                       offset_days=config.offset_days, yearly=config.yearly)


def run(config: Config, ctx: StepContext) -> Decision:
    """An entered customer moves straight on."""
    return Go("next", why=f"'{config.attribute}' came round")


SPEC = NodeSpec(
    key="entry.date",
    version=1,
    label="Date entry",
    category=Category.ENTRY,
    description="Customers enter on a date in their profile, such as a birthday or a renewal.",
    config=Config,
    run=run,
    example=Config(attribute="birthday", at="10:00", offset_days=-3, yearly=True),
    ports=(Port("next", "Next", required=True),),
    trigger=trigger,
    color="#16a34a",
    icon="calendar",
)
