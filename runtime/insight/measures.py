"""What `insight_days` counts: the measures, their dimensions, and the time-to-convert buckets.

One row of `insight_days` is (journey, local day, version, node, measure, dimension) → count,
amount. The `journey_days` roller writes them (runtime/insight/rollers/journey_days.py):

- ENTERED: customers who entered the journey that day (node "", dimension "").
- CONVERTED: customers who converted that day (node ""), split by how long after entering
  (dimension: a TO_CONVERT key); amount is the revenue: the goal event's value property.
- ATTRIBUTED: the same conversions, credited to the last send step whose message was sent
  before the conversion (node: that step; "" when none was), amount the revenue.
- MESSAGE + status (`message.sent`, `message.delivered`, `message.failed`, `message.suppressed`,
  `message.queued`, `message.deferred`, `message.held`): messages a send step made that day, by
  their status now (dimension: the channel).
- OPENED, CLICKED: first opens and clicks of a step's emails that day (dimension: the channel).
- UNSUBSCRIBED: unsubscribes that day, credited to the step whose message on that channel
  reached the customer last before it (dimension: the channel).
"""

from __future__ import annotations

from datetime import timedelta

ENTERED = "entered"
CONVERTED = "converted"
ATTRIBUTED = "attributed"
MESSAGE = "message."
OPENED = "opened"
CLICKED = "clicked"
UNSUBSCRIBED = "unsubscribed"

TO_CONVERT: tuple[tuple[str, timedelta | None], ...] = (
    ("1h", timedelta(hours=1)),
    ("6h", timedelta(hours=6)),
    ("1d", timedelta(days=1)),
    ("3d", timedelta(days=3)),
    ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)),
    ("more", None),
)
"""Time-to-convert buckets, each holding conversions up to its length after entry (and past the
one before): "1h" is within an hour, "6h" one to six hours, … "more" beyond 30 days."""


def message_measure(status: str) -> str:
    """The measure of messages with a status ("sent" → "message.sent")."""
    return MESSAGE + status


def to_convert_bucket(seconds: float) -> str:
    """The TO_CONVERT key of a conversion `seconds` after entry."""
    for key, length in TO_CONVERT:
        if length is not None and seconds <= length.total_seconds():
            return key
    return TO_CONVERT[-1][0]
