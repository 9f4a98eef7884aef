"""What the journey endpoints take and give."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from builder.diff import JourneyDiff
from builder.validation import Issue

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200,
                                   description="What marketers call the journey.")]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
JourneyDocument = Annotated[dict[str, Any], msgspec.Meta(
    description="The journey as the canvas draws it: {nodes, edges, settings} (React Flow shape).")]
Status = Literal["draft", "live", "paused", "archived"]

EXPORT_FORMAT = "wayline.journey"
EXPORT_VERSION = 1


class JourneyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new journey: a name, and a document (a blank one when left out)."""

    name: Name
    description: Description = ""
    document: JourneyDocument | None = None


class JourneyUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a journey's draft. `revision` (the draft revision the change was made on)
    makes a save from a stale copy fail with 409 instead of overwriting newer work."""

    name: Name | None = None
    description: Description | None = None
    document: JourneyDocument | None = None
    revision: Annotated[int, msgspec.Meta(ge=1)] | None = None


class JourneyCounts(msgspec.Struct):
    """How many customers: in the journey now, ever entered, finished, left early, converted."""

    active: int = 0
    entered: int = 0
    completed: int = 0
    exited: int = 0
    converted: int = 0


class JourneySummary(msgspec.Struct):
    """A journey as the list shows it."""

    id: int
    name: str
    description: str
    status: Status
    live_version: int | None
    draft_revision: int
    has_unpublished_changes: bool
    counts: JourneyCounts
    created_at: datetime
    updated_at: datetime
    paused_reason: str | None = None
    """Why it is paused: who paused it and what they said, or a guardrail and its figures."""
    paused_steps: list[str] = []
    """Steps paused on their own (customers hold before them)."""
    held_messages: int = 0
    """Messages kept unsent by a pause of the journey or of a step."""


class PauseIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why the journey is paused, for the team (kept with it until it resumes)."""

    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class JourneyDetail(msgspec.Struct):
    """A journey with its draft document and what is wrong with the draft."""

    journey: JourneySummary
    document: JourneyDocument
    issues: list[Issue]


class JourneyPage(msgspec.Struct):
    """One page of journeys, newest edit first."""

    items: list[JourneySummary]
    total: int
    limit: int
    offset: int


class ValidationReport(msgspec.Struct):
    """Every problem in a document; `publishable` is false while any is an error."""

    issues: list[Issue]
    errors: int
    warnings: int
    publishable: bool


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    """A document to check without saving it."""

    document: JourneyDocument


class Published(msgspec.Struct):
    """The outcome of publishing: the new version and how many customers entered at once."""

    journey: JourneySummary
    version: int
    entered: int
    moving: int = 0
    """Customers in flight the map moves to the new version or out of the journey (a worker
    moves them in batches: GET /api/journeys/{id}/flight-moves follows it)."""


class Archived(msgspec.Struct):
    """The outcome of archiving: how many customers were taken out of the journey."""

    journey: JourneySummary
    ended_runs: int


class CloneIn(msgspec.Struct, forbid_unknown_fields=True):
    """The clone's name; "Copy of …" when left out."""

    name: Name | None = None


VersionStatus = Literal["live", "holding", "retired"]
"""A version's place: the one customers enter (live), an older one customers are still
going through (holding), or one nobody is in any more (retired)."""


class VersionSummary(msgspec.Struct):
    """One published version."""

    id: int
    number: int
    published_at: datetime
    is_live: bool
    customers: int
    """Customers in it now (entered with it and not finished)."""
    status: VersionStatus
    published_by: str | None = None
    """Who published it, as the audit trail names them (None for versions from before)."""
    summary: str | None = None
    """What publishing it changed, as the audit trail says it (None for versions from
    before)."""


class VersionDetail(msgspec.Struct):
    """One published version with its frozen document."""

    version: VersionSummary
    document: JourneyDocument


class ComparedSide(msgspec.Struct, omit_defaults=True):
    """One side of a comparison: which document, and what to call it."""

    ref: str
    """The version's number, or `draft`."""
    label: str
    """What it is called: "Version 3 (live)", "Draft"."""
    number: int | None = None
    document: JourneyDocument | None = None
    """The document itself (for the canvas, which draws it; the API leaves it out)."""


class Comparison(msgspec.Struct, kw_only=True):
    """What changed from one version (or the draft) to another, step by step and field by
    field, and the sentence saying it."""

    old: ComparedSide = msgspec.field(name="from")
    new: ComparedSide = msgspec.field(name="to")
    diff: JourneyDiff


class JourneyExport(msgspec.Struct, forbid_unknown_fields=True):
    """A journey as a file, to move between Wayline installations."""

    name: Name
    document: JourneyDocument
    description: Description = ""
    format: Literal["wayline.journey"] = EXPORT_FORMAT
    format_version: Annotated[int, msgspec.Meta(ge=1, le=EXPORT_VERSION)] = EXPORT_VERSION
    exported_at: datetime | None = None
