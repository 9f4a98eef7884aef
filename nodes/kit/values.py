"""Small value types shared by node configs and rules: durations, local times, names."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec

# `(?!\n)`: Python's `$` also matches before a final newline ("plan\n"); JSON Schema's doesn't.
ATTRIBUTE_NAME = r"^[^\W\d][\w]{0,63}(?!\n)$"
"""Attribute and property names: a letter or _, then letters, digits or _ (any script)."""

EVENT_NAME = r"^[^\s][^\x00]{0,127}$"
"""Event names: 1-128 characters, not starting with a space."""

LOCAL_TIME = r"^([01]\d|2[0-3]):[0-5]\d(?!\n)$"
"""A wall-clock time of day, 24-hour HH:MM."""

AttributeName = Annotated[str, msgspec.Meta(pattern=ATTRIBUTE_NAME, title="Attribute")]
EventName = Annotated[str, msgspec.Meta(pattern=EVENT_NAME, title="Event")]
LocalTime = Annotated[str, msgspec.Meta(pattern=LOCAL_TIME, title="Time of day",
                                        extra_json_schema={"x-widget": "local-time"})]

DAY_TEXT_LENGTH = 10
"""len('2024-05-01'): date text without a time."""

_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class Unit(StrEnum):
    """A unit of time a marketer picks next to a number."""

    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"


class Weekday(StrEnum):
    """Days of the week, Monday first (as `datetime.weekday()` counts)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def index(self) -> int:
        """0 for Monday … 6 for Sunday."""
        return list(Weekday).index(self)


class Duration(msgspec.Struct, forbid_unknown_fields=True):
    """An amount of time: a whole number of minutes, hours, days or weeks."""

    amount: Annotated[int, msgspec.Meta(ge=1, le=100_000, title="Amount")]
    unit: Annotated[Unit, msgspec.Meta(title="Unit")] = Unit.DAYS

    def to_timedelta(self) -> timedelta:
        """The duration as a timedelta."""
        return timedelta(**{self.unit.value: self.amount})

    def describe(self) -> str:
        """'3 days', '1 hour'."""
        unit = self.unit.value if self.amount != 1 else self.unit.value[:-1]
        return f"{self.amount} {unit}"


def utc_text(moment: datetime) -> str:
    """The canonical text of an instant, as stored in attributes: 2024-05-01T09:30:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_date_text(value: object) -> bool:
    """True for text that starts like an ISO date (YYYY-MM-DD…), compared at its own precision."""
    return isinstance(value, str) and bool(_DATE_LIKE.match(value))


def parse_local_time(text: str) -> time:
    """The wall-clock time a LocalTime ('09:30') names."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant the wall time `at` on `day` means in `zone`, whatever DST does that day.

    An ambiguous time (autumn, clocks go back) is its first occurrence. A time that does not
    exist (spring, clocks jump forward) becomes the first instant after it: the moment of the
    jump, so 02:30 on a 02:00→03:00 night is 03:00.
    """
    wall = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first of two occurrences
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    return _jump_instant(wall.replace(fold=1).astimezone(UTC), instant, zone)


def _jump_instant(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The first second at which the zone is on its later offset, between `before` and `after`."""
    late_offset = after.astimezone(zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == late_offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def parse_day(value: object, zone: ZoneInfo) -> date | None:
    """The calendar day a date attribute names in `zone`; None when it is not date text.

    '2024-05-01' is that day anywhere; a time ('2024-05-01T23:30:00Z') is the day it falls on
    in `zone` (a time without an offset is read as UTC, as attributes are stored).
    """
    if not is_date_text(value):
        return None
    try:
        if len(value) == DAY_TEXT_LENGTH:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()
