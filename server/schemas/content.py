"""What the pinned-content endpoints give: the templates saved since the live version was
published, and what updating its content in flight changed."""

from __future__ import annotations

import msgspec


class TemplateChange(msgspec.Struct):
    """A template saved since the live version pinned it."""

    id: int
    name: str
    channel: str
    pinned_version: int
    """The template version the live version's customers get."""
    current_version: int
    """The template version saved now."""


class ContentChanges(msgspec.Struct):
    """The live version's templates that have unpublished changes (empty when none, or when the
    journey has no live version)."""

    journey_id: int
    version: int | None
    """The live version's number (None: never published)."""
    changes: list[TemplateChange]


class ContentUpdated(msgspec.Struct):
    """The outcome of updating content in flight: the live version now sends these templates
    as they are saved now."""

    journey_id: int
    version: int
    updated: list[TemplateChange]
