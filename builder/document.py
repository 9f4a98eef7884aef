"""The journey document: React Flow's shape plus journey settings, and its compiled form.

One JSON document per draft and per published version (DESIGN.md §2). The canvas loads and
saves it without translation. `compile_journey` turns a valid document into what the runtime
walks: configs parsed once, and for every (node, port) the node it leads to.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from builder.limits import MAX_NOTES, NOTE_MAX_SIDE, NOTE_MAX_TEXT, NOTE_MIN_SIDE
from nodes import NodeSpec, Registry, default_registry
from nodes.kit.fields import hint
from nodes.kit.values import Duration, EventName, LocalTime, Weekday

NODE_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
"""Node and edge ids: what React Flow and our canvas generate; safe in URLs and logs."""

NodeId = Annotated[str, msgspec.Meta(pattern=NODE_ID)]


class Position(msgspec.Struct, forbid_unknown_fields=True):
    """Where a node sits on the canvas."""

    x: float
    y: float


class NodeData(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A node's own data: the label a marketer gave it and its kind's config."""

    label: Annotated[str, msgspec.Meta(max_length=120)] = ""
    config: dict[str, Any] = {}


class Node(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One step on the canvas. `version` is the kind's version, stamped at publish."""

    id: NodeId
    type: str
    position: Position
    data: NodeData = msgspec.field(default_factory=NodeData)
    version: int | None = None


class Edge(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A connection from one node's output port (`sourceHandle`) to another node."""

    id: NodeId
    source: str
    target: str
    sourceHandle: str | None = None  # noqa: N815 - React Flow's name
    targetHandle: str | None = None  # noqa: N815 - React Flow's name
    label: str | None = None


class Reentry(StrEnum):
    """Whether a customer who entered before may enter again."""

    NEVER = "never"
    AFTER = "after"
    ALWAYS = "always"


class Goal(msgspec.Struct, forbid_unknown_fields=True):
    """A conversion: the event that counts, the window after entry, and whether it ends the run."""

    event: Annotated[EventName, hint("Conversion event", widget="event-name")]
    within: Annotated[Duration, hint("Counts within", widget="duration")]
    exit: Annotated[bool, hint("Customers who convert leave the journey")] = True
    value: Annotated[str, hint(
        "Revenue from the event's property",
        description="The property of the conversion event that holds its value, e.g. total; "
                    "leave empty to count conversions only.",
        pattern=r"^(?:[^\W\d]\w{0,63})?(?!\n)$", max_length=64)] = ""
    """The goal event's property whose number is the conversion's revenue (insight)."""


class ExitWhen(msgspec.Struct, forbid_unknown_fields=True):
    """Exit criteria: customers leave as soon as they do this event."""

    event: Annotated[EventName, hint("Exit when the customer does",
                                        widget="event-name")]


class QuietHours(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A time of day when this journey's marketing waits (or is skipped), e.g. 12:00–13:00."""

    start: Annotated[LocalTime, hint("From")]
    end: Annotated[LocalTime, hint("Until", description=(
        "In the customer's time zone; an end before the start runs past midnight"))]
    days: Annotated[list[Weekday], hint("Only on", widget="weekdays", max_length=7,
                                        description="Leave empty for every day")] = []


class Guardrails(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Limits watched over a rolling window: crossing one pauses the journey, says why with the
    figures, and alerts the workspace's alert address (`runtime.run.guardrails`)."""

    window_minutes: Annotated[int, hint("Window (minutes)", ge=5, le=60)] = 15
    min_messages: Annotated[int, hint("Judge after (messages)", ge=1, le=1_000_000, description=(
        "Rates are judged once this many messages went out in the window"))] = 50
    max_failure_percent: Annotated[int, hint("Failed deliveries above (%)", ge=1,
                                             le=100)] | None = 20
    max_bounce_percent: Annotated[int, hint(
        "Bounces reported above (%)", ge=1, le=100,
        description="Receipts saying a sent message did not arrive")] | None = 10
    max_unsubscribe_percent: Annotated[int, hint("Unsubscribes above (%)", ge=1,
                                                 le=100)] | None = 5
    max_sends_per_hour: Annotated[int, hint("Messages per hour above", ge=1, le=100_000_000,
                                            description="Empty: no ceiling")] | None = None


class Settings(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Journey-wide settings."""

    reentry: Annotated[Reentry, hint("Re-entry")] = Reentry.NEVER
    reentry_after: Annotated[Duration | None, hint("Re-enter after", widget="duration",
                                                   show_if={"reentry": "after"})] = None
    max_entrants: Annotated[int, hint("Entry limit", ge=1)] | None = None
    goal: Annotated[Goal | None, hint("Goal")] = None
    exit_when: Annotated[ExitWhen | None, hint("Exit criteria")] = None
    timezone: Annotated[str, hint("Time zone", widget="timezone", description=(
        "For customers without a time zone of their own"))] = "Asia/Seoul"
    quiet_hours: Annotated[list[Annotated[QuietHours, msgspec.Meta(title="Quiet time")]], hint(
        "Quiet hours", max_length=10, description=(
        "No marketing from this journey at these times; each send step waits or skips"))] = []
    quiet_days: Annotated[list[Weekday], hint("No marketing on", widget="weekdays",
                                              max_length=7, description=(
        "Whole days (customer's time zone) this journey sends no marketing, e.g. weekends"))] = []
    max_messages_per_minute: Annotated[int, hint(
        "Messages a minute, at most", ge=1, le=10_000_000, description=(
            "All this journey's sends together; the rest wait their turn, none is dropped"))
    ] | None = None
    max_entries_per_minute: Annotated[int, hint(
        "Entries a minute, at most", ge=1, le=10_000_000, description=(
            "Customers entering from an audience or on a date beyond this wait their turn"))
    ] | None = None
    guardrails: Annotated[Guardrails | None, hint("Guardrails", description=(
        "Pause this journey when it goes wrong; empty: the workspace's (Send rules)"))] = None


class NoteColor(StrEnum):
    """The colours a sticky note comes in."""

    YELLOW = "yellow"
    BLUE = "blue"
    GREEN = "green"
    PINK = "pink"
    PURPLE = "purple"


class Note(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A sticky note on the canvas: the team's words beside the steps. The runtime never reads
    notes; they are saved, versioned and shown like the steps they explain."""

    id: NodeId
    position: Position
    width: Annotated[float, msgspec.Meta(ge=NOTE_MIN_SIDE, le=NOTE_MAX_SIDE)] = 220
    height: Annotated[float, msgspec.Meta(ge=NOTE_MIN_SIDE, le=NOTE_MAX_SIDE)] = 140
    text: Annotated[str, msgspec.Meta(max_length=NOTE_MAX_TEXT)] = ""
    color: NoteColor = NoteColor.YELLOW


class Document(msgspec.Struct, forbid_unknown_fields=True):
    """A whole journey as the canvas draws it."""

    nodes: list[Node] = []
    edges: list[Edge] = []
    settings: Settings = msgspec.field(default_factory=Settings)
    notes: Annotated[list[Note], msgspec.Meta(max_length=MAX_NOTES)] = []


def empty_document(timezone: str = "Asia/Seoul") -> dict[str, Any]:
    """A new, blank journey document as JSON data."""
    return msgspec.to_builtins(Document(settings=Settings(timezone=timezone)))


def to_data(document: Document) -> dict[str, Any]:
    """A document as JSON data, ready to store."""
    return msgspec.to_builtins(document)


def port_of(edge: Edge, spec: NodeSpec | None, config: Any) -> str | None:
    """The output port an edge leaves from: its handle, or the only port when it names none."""
    if edge.sourceHandle is not None or spec is None:
        return edge.sourceHandle
    ports = spec.ports_for(config)
    return ports[0].key if len(ports) == 1 else None



def upgraded(document: Mapping[str, Any], registry: Registry | None = None) -> dict[str, Any]:
    """A copy of a document whose steps are all at their kind's current version, configs upgraded
    (`Registry.upgrade_config`) and version stamps dropped, as a draft holds them. A published
    version copied into a draft (clone, import, restore) goes through here."""
    registry = registry or default_registry()
    return {**document, "nodes": [_upgraded(node, registry)
                                   for node in document.get("nodes") or []]}


def _upgraded(node: Any, registry: Registry) -> Any:
    if not isinstance(node, Mapping) or node.get("version") is None:
        return node
    version = node["version"]
    node = {key: value for key, value in node.items() if key != "version"}
    data = node.get("data")
    if node.get("type") in registry and isinstance(version, int) and isinstance(data, Mapping) \
            and isinstance(data.get("config"), Mapping):
        config = registry.upgrade_config(node["type"], version, dict(data["config"]))
        node["data"] = {**data, "config": config}
    return node
