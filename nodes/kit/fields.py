"""Shared field types for node configs, and the form hints the inspector reads.

The inspector renders every node from its config's JSON schema; these types carry the hints
(`x-widget`, `x-order`, `x-show-if`) so that a duration, a local time, an audience rule or a
template picker looks the same on every node that uses one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from nodes.kit.channel import default_channels
from nodes.kit.hints import hint
from nodes.kit.rules import Attr, PropertyFilters, Rule
from nodes.kit.values import AttributeName, Duration, EventName, LocalTime, Unit, Weekday

__all__ = [
    "Attr", "AttributeName", "ChangeKind", "Channel", "Duration", "EventField", "EventFilters",
    "EventName", "LocalTime",
    "ProfileOperation", "PropertyFilters", "Purpose", "Rule", "SegmentRef", "TemplateRef", "Unit",
    "Weekday", "hint",
]


Channel = StrEnum("Channel", [(spec.key.upper(), spec.key) for spec in default_channels()],
                  module=__name__)
"""Where a message goes: one member per registered channel (`nodes/channels/`), in order."""
Channel.__doc__ = "Where a message goes."

CHANNEL_NAMES = {Channel(spec.key): spec.name for spec in default_channels()}
"""Each channel's name in a marketer's sentence."""


class Purpose(StrEnum):
    """Why a message is sent: marketing needs consent and respects caps; transactional doesn't."""

    MARKETING = "marketing"
    TRANSACTIONAL = "transactional"


EventField = Annotated[EventName, hint(
    "Event", order=1, widget="event-name",
    description="The event name as your app sends it, e.g. order_completed")]
"""The event a node listens for (entry, wait)."""

EventFilters = Annotated[list[Attr], hint(
    "Only when the event's properties match", widget="property-filters", order=2,
    max_length=20)]
"""Filters on an event's properties, e.g. amount ≥ 50000."""

TemplateRef = Annotated[int, hint("Template", widget="template-picker", ge=1)]
SegmentRef = Annotated[int, hint("Segment", widget="segment-picker", ge=1)]


class ChangeKind(StrEnum):
    """What a profile operation does. An enum (not a pattern) so the form offers a choice."""

    SET = "set"
    INCREMENT = "increment"
    UNSET = "unset"
    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"


TAG_CHANGES = (ChangeKind.ADD_TAG, ChangeKind.REMOVE_TAG)
"""Changes that name a tag rather than an attribute."""


class ProfileOperation(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One change to a customer: set/increment/unset an attribute, add/remove a tag."""

    op: Annotated[ChangeKind, hint("Change", order=1, description=(
        "Set, increase or clear an attribute, or add or remove a tag"))]
    name: Annotated[str, hint("Attribute or tag", order=2, min_length=1, max_length=64)]
    value: Annotated[str | int | float | bool | None, hint("Value", order=3)] = None
