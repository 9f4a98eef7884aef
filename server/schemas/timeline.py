"""What the customer timeline gives: everything that happened to one customer, newest first.

Five kinds of item, told apart by `kind`: an event they did, a journey they entered, a step they
took, a message (with its ledger status, the reason it was held back or failed, and when it is
tried next), and a journey they left.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

ReasonKind = Literal["consent", "night-time", "quiet hours", "frequency cap", "missing data",
                     "provider failure", "other"]


class EventItem(msgspec.Struct, tag_field="kind", tag="event"):
    """An event the customer did."""

    at: datetime
    event_id: int
    name: str
    properties: dict[str, Any]


class EnteredItem(msgspec.Struct, tag_field="kind", tag="entered"):
    """The customer entered a journey."""

    at: datetime
    run_id: int
    journey_id: int
    journey_name: str
    version: int


class StepItem(msgspec.Struct, tag_field="kind", tag="step"):
    """A step the customer took: passed (by `port`), waiting there, exited or ended."""

    at: datetime
    run_id: int
    journey_id: int
    journey_name: str
    node_id: str
    node_label: str
    outcome: str
    port: str | None
    detail: str
    left_at: datetime | None
    depth: int
    """Steps from the journey's entry (orders a run's steps of one instant)."""


class MessageItem(msgspec.Struct, tag_field="kind", tag="message"):
    """A message from a send step, as the ledger has it now."""

    at: datetime
    message_id: int
    run_id: int
    journey_id: int
    journey_name: str
    node_id: str
    node_label: str
    channel: str
    purpose: str
    status: Literal["queued", "deferred", "sent", "delivered", "failed", "suppressed"]
    reason: str | None
    reason_kind: ReasonKind | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    attempts: int
    provider_answer: str | None = None
    """What the provider answered to a failed call (publishers and admins only)."""


class EndedItem(msgspec.Struct, tag_field="kind", tag="ended"):
    """The customer's pass through a journey ended: at its end, or by an exit."""

    at: datetime
    run_id: int
    journey_id: int
    journey_name: str
    status: Literal["done", "exited"]
    reason: str | None


TimelineItem = EventItem | EnteredItem | StepItem | MessageItem | EndedItem


class TimelineCustomer(msgspec.Struct):
    """Who the timeline is about."""

    id: int
    external_id: str
    email: str | None
    phone: str | None
    timezone: str | None


class CustomerTimeline(msgspec.Struct):
    """A page of the timeline, newest first. Pass `next_before` as `before` for the next page;
    null when this is the last. Items of the same instant are never split across pages."""

    customer: TimelineCustomer
    items: list[TimelineItem]
    next_before: datetime | None
