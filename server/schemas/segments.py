"""What the segment endpoints take and give: saved audience rules, used by nodes by id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from nodes.kit.rules import Rule
from server.schemas.usage import JourneyUse

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description=(
    "What marketers call the segment; unique (ignoring case)."))]
Description = Annotated[str, msgspec.Meta(max_length=2000)]


class SegmentCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new segment: a unique name and its audience rule."""

    name: Name
    rule: Rule
    description: Description = ""


class SegmentUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a segment; fields left out stay as they are."""

    name: Name | None = None
    description: Description | None = None
    rule: Rule | None = None


class SegmentSummary(msgspec.Struct):
    """A segment as the list shows it. `customers` is how many match now (only when asked
    for with `counts=true` on the list); `journeys` is how many journeys use it."""

    id: int
    name: str
    description: str
    customers: int | None
    journeys: int
    created_at: datetime
    updated_at: datetime


class SegmentDetail(msgspec.Struct):
    """A segment with its rule, how many customers match it now, and the journeys using it."""

    id: int
    name: str
    description: str
    rule: Rule
    customers: int
    used_by: list[JourneyUse]
    created_at: datetime
    updated_at: datetime


class SegmentPage(msgspec.Struct):
    """One page of segments, by name."""

    items: list[SegmentSummary]
    total: int
    limit: int
    offset: int
