"""What moving customers in flight takes and gives: the map, its preview, the moves done."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from builder.validation import Issue
from runtime.run.flight import StepMove

StepId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Moves = Annotated[dict[StepId, StepMove], msgspec.Meta(max_length=2000, description=(
    "For steps of the live version: move its customers to a step of the new version "
    "(`to`, optionally `restart_wait`), `leave` the journey, or `stay` on the old version. "
    "Steps left out take the default: a step still there with the same kind maps to itself; "
    "any other stays."))]


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    """Publishing's options. Without `moves`, everyone in flight stays on their version."""

    moves: Moves | None = None


class FlightPreviewIn(msgspec.Struct, forbid_unknown_fields=True):
    """A map to preview (none: the defaults)."""

    moves: Moves | None = None


class FlightStep(msgspec.Struct):
    """One step of the live version: who is there and what the map does with them."""

    node_id: str
    label: str
    kind: str
    customers: int
    waiting: int
    choice: StepMove
    default: StepMove
    keeps_wait: bool
    """Waiting customers keep their remaining time (a move to a step of the same kind)."""
    entry: bool = False
    """The entry: its customers (who have just entered) may go to the new entry."""


class FlightTarget(msgspec.Struct):
    """A step of the new version, and how many customers in flight the map sends there."""

    node_id: str
    label: str
    kind: str
    customers: int
    entry: bool = False
    """The new entry: only the old entry's customers may go there."""


class FlightPreview(msgspec.Struct):
    """What publishing the draft with a map would do to the customers in flight."""

    live_version: int | None
    steps: list[FlightStep]
    targets: list[FlightTarget]
    moving: int
    leaving: int
    staying: int
    restarting: int
    """Customers who arrive at their target step now (instead of keeping a wait)."""
    messages_at_once: int
    """Messages those arrivals would send before their next wait."""
    estimated: bool
    """The messages were counted for a sample of each step and scaled."""
    summary: str
    problems: list[Issue]


class FlightMoveOut(msgspec.Struct):
    """A move of customers in flight made by a publish, and what it has done so far."""

    id: int
    from_version: int
    to_version: int
    moves: dict[str, StepMove]
    expected: dict[str, int]
    """Customers per target step, as the preview said when it was published."""
    moved: int
    left: int
    created_by: str
    created_at: datetime
    finished_at: datetime | None
