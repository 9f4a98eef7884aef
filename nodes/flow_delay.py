"""Wait: hold a customer for a while, until a time of day, or until a date in their profile.

Times of day are wall-clock times in the customer's time zone (`ctx.timezone`; the runtime
falls back to the journey's). Daylight saving is handled by `local_instant`: a time skipped by
the spring jump becomes the moment of the jump, an autumn time that happens twice is the first.
A date wait that cannot happen (no date, or the moment has passed) lets the customer go on at
once rather than holding them forever.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import msgspec

from nodes.kit.fields import AttributeName, Duration, LocalTime, Unit, Weekday, hint
from nodes.kit.rules import profile_value
from nodes.kit.spec import Category, Decision, Go, NodeSpec, Port, Problem, StepContext, WaitUntil
from nodes.kit.values import local_instant, parse_day, parse_local_time

DEFAULT_AT = "09:00"
"""The time of day a date-attribute wait ends when none is chosen."""


class DelayMode(StrEnum):
    """What the customer waits for."""

    DURATION = "duration"
    TIME_OF_DAY = "time_of_day"
    DATE_ATTRIBUTE = "date_attribute"


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How long, or until when, to wait; the form shows only the fields the mode uses."""

    mode: Annotated[DelayMode, hint("Wait", widget="radio", order=1)] = DelayMode.DURATION
    duration: Annotated[Duration | None, hint(
        "Wait for", widget="duration", order=2, show_if={"mode": ["duration"]},
    )] = None
    attribute: Annotated[AttributeName | None, hint(
        "Date attribute", order=3, widget="attribute-name",
        extra={"attribute-type": "date"}, show_if={"mode": ["date_attribute"]},
        description="A customer attribute holding a date, e.g. renewal_date",
    )] = None
    offset_days: Annotated[int, hint(
        "Days before (-) or after (+)", order=4, ge=-365, le=365,
        show_if={"mode": ["date_attribute"]},
        description="-7 ends the wait a week before the date; 0 on the day",
    )] = 0
    at: Annotated[LocalTime | None, hint(
        "At", order=5, show_if={"mode": ["time_of_day", "date_attribute"]},
        description=f"Time of day in the customer's time zone ({DEFAULT_AT} for a date "
                    "when left empty)",
    )] = None
    weekdays: Annotated[list[Weekday], hint(
        "Only on", widget="weekdays", order=6, max_length=7, show_if={"mode": ["time_of_day"]},
        description="Leave empty for any day",
    )] = []


def check(config: Config) -> list[Problem]:
    """The fields the chosen mode needs are filled in."""
    if config.mode is DelayMode.DURATION and config.duration is None:
        return [Problem("duration", "Wait for: choose how long to wait")]
    if config.mode is DelayMode.TIME_OF_DAY and config.at is None:
        return [Problem("at", "At: choose the time of day to wait until")]
    if config.mode is DelayMode.DATE_ATTRIBUTE and config.attribute is None:
        return [Problem("attribute", "Date attribute: choose the date to wait for, "
                                     "e.g. renewal_date")]
    return []


def run(config: Config, ctx: StepContext) -> Decision:
    """Wait until the moment the mode names (in UTC), or go on now if there is none."""
    if config.mode is DelayMode.TIME_OF_DAY:
        return _until_time_of_day(config, ctx)
    if config.mode is DelayMode.DATE_ATTRIBUTE:
        return _until_date_attribute(config, ctx)
    until = (ctx.now + config.duration.to_timedelta()).astimezone(UTC)
    return WaitUntil(until, why=f"waiting {config.duration.describe()}")


def _until_time_of_day(config: Config, ctx: StepContext) -> Decision:
    """The next time `at` strikes, strictly after now, on an allowed day, in the customer's zone."""
    at = parse_local_time(config.at)
    allowed = {day.index for day in config.weekdays} or set(range(7))
    today = ctx.now.astimezone(ctx.timezone).date()
    # Eight days always reach one: tomorrow onwards covers every weekday once.
    days = (today + timedelta(days=ahead) for ahead in range(8))
    until = next(moment for moment in (local_instant(day, at, ctx.timezone)
                                       for day in days if day.weekday() in allowed)
                 if moment > ctx.now)
    return WaitUntil(until, why=f"waiting until {_local_text(until, ctx)}")


def _until_date_attribute(config: Config, ctx: StepContext) -> Decision:
    """The attribute's date, moved by the offset, at `at` local time; go on now if impossible."""
    name = config.attribute
    value = profile_value(ctx.profile, name)
    day = parse_day(value, ctx.timezone)
    if day is None:
        state = "missing" if value is None else f"not a date ({value!r})"
        return Go("next", why=f"'{name}' is {state}, so the customer goes on without waiting")
    try:
        until = local_instant(day + timedelta(days=config.offset_days),
                              parse_local_time(config.at or DEFAULT_AT), ctx.timezone)
    except OverflowError:
        return Go("next", why=f"'{name}' ({value!r}) is too far off to wait for, so the "
                              "customer goes on without waiting")
    if until <= ctx.now:
        return Go("next", why=f"{_local_text(until, ctx)} from '{name}' has already passed, "
                              "so the customer goes on without waiting")
    return WaitUntil(until, why=f"waiting until {_local_text(until, ctx)} from '{name}'")


def _local_text(moment: datetime, ctx: StepContext) -> str:
    """'Tue 2024-05-07 09:00 Asia/Seoul': a moment as the customer's clock shows it."""
    return f"{moment.astimezone(ctx.timezone):%a %Y-%m-%d %H:%M} {ctx.timezone.key}"


SPEC = NodeSpec(
    key="flow.delay",
    version=1,
    label="Wait",
    category=Category.FLOW,
    description="Holds customers for a while, until a time of day, or until a date in their "
                "profile.",
    config=Config,
    run=run,
    example=Config(mode=DelayMode.DURATION, duration=Duration(amount=2, unit=Unit.DAYS)),
    ports=(Port("next", "Next"),),
    check=check,
    color="#0891b2",
    icon="clock",
)
