"""What the preview endpoints take and give: audiences, why/why not, path previews, dry runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from nodes.kit.rules import Rule
from nodes.kit.values import Duration, EventName

ExternalId = Annotated[str, msgspec.Meta(min_length=1, max_length=255,
                                         description="The customer's id in your systems.")]
PageSize = Annotated[int, msgspec.Meta(ge=1, le=100)]
CustomerCursor = Annotated[int, msgspec.Meta(ge=0, le=2**62, description=(
    "Show customers after this one (`next_after` of the previous page)."))]
Moment = Annotated[datetime, msgspec.Meta(tz=True, description="A time with its offset.")]
Payload = Annotated[dict[str, Any], msgspec.Meta(description=(
    "What the customer enters with: the entry event's properties, or the API call's payload."))]


class AudienceIn(msgspec.Struct, forbid_unknown_fields=True):
    """An audience rule to count and list."""

    rule: Rule
    limit: PageSize = 20
    after: CustomerCursor | None = None


class AudienceCustomer(msgspec.Struct):
    """One matching customer, with the attributes the rule looks at first."""

    id: int
    external_id: str
    email: str | None
    phone: str | None
    created_at: datetime
    attributes: dict[str, Any]


class EntryInfo(msgspec.Struct):
    """How customers enter a journey, in a sentence, and which audience is counted for it."""

    node_id: str
    kind: str
    label: str
    summary: str
    rule: dict[str, Any] | None = None


class AudiencePreview(msgspec.Struct):
    """How many customers match, and one page of them (id order)."""

    count: int | None
    customers: list[AudienceCustomer]
    next_after: int | None
    evaluated_at: datetime
    took_ms: int
    entry: EntryInfo | None = None
    notes: list[str] = []


class ExplainIn(msgspec.Struct, forbid_unknown_fields=True):
    """A rule and the customer to explain it for."""

    rule: Rule
    external_id: ExternalId


class Clause(msgspec.Struct):
    """One part of the rule and whether it held for the customer; `path` points into the rule
    (rule.rules[1].rules[0]) and `depth` says how far to indent it."""

    path: str
    depth: int
    kind: Literal["and", "or", "not", "attr", "tag", "event"]
    matched: bool
    reason: str


class Explanation(msgspec.Struct):
    """Why one customer matches or not: a sentence, every clause, and the ones that failed."""

    external_id: str
    customer_id: int
    matches: bool
    summary: str
    clauses: list[Clause]
    failed: list[Clause]
    evaluated_at: datetime
    entry: EntryInfo | None = None
    notes: list[str] = []


class EventIn(msgspec.Struct, forbid_unknown_fields=True):
    """An event the customer is imagined to do, some time after they enter."""

    name: EventName
    after: Duration
    properties: dict[str, Any] = {}


class PathIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whose path to preview, from when, with which imagined events, and how far ahead."""

    external_id: ExternalId
    start_at: Moment | None = None
    payload: Payload | None = None
    events: Annotated[list[EventIn], msgspec.Meta(max_length=50)] = []
    horizon: Duration | None = None


class MessageOut(msgspec.Struct):
    """What a send step would do: queue the message (with its content), or why not."""

    channel: str
    purpose: str
    template_id: int | str | None
    template_name: str | None
    status: Literal["queued", "deferred", "suppressed", "failed"]
    reason: str | None
    content: dict[str, Any]
    goes_at: datetime | None = None
    """A deferred message: when the send policy lets it go (the night rule's end, …)."""


class Changes(msgspec.Struct):
    """Profile changes a step makes (in the preview only; nothing is saved)."""

    attributes: dict[str, Any]
    removed: list[str]
    tags_added: list[str]
    tags_removed: list[str]


class PathStep(msgspec.Struct):
    """One node on the customer's path: when, which way, and why."""

    node_id: str
    label: str
    kind: str
    outcome: Literal["passed", "waiting", "exited"]
    port: str | None
    why: str
    entered_at: datetime
    left_at: datetime | None
    next_node_id: str | None = None
    wait_until: datetime | None = None
    waiting_for: str | None = None
    message: MessageOut | None = None
    changes: Changes | None = None


class PathPreview(msgspec.Struct):
    """The customer's whole simulated path through the draft; nothing was sent or saved."""

    journey_id: int
    external_id: str
    entered: bool
    entry_why: str
    entered_at: datetime | None
    status: Literal["not_entered", "done", "exited", "waiting"]
    end_reason: str | None
    ended_at: datetime | None
    converted_at: datetime | None
    horizon_end: datetime
    steps: list[PathStep]
    attributes_after: dict[str, Any]
    tags_after: list[str]
    notes: list[str]


class DryRunIn(msgspec.Struct, forbid_unknown_fields=True):
    """How far ahead to simulate, how many customers at most, and the sample's seed."""

    horizon: Duration | None = None
    sample_limit: Annotated[int, msgspec.Meta(ge=100, le=200_000)] | None = None
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**31)] | None = None


class Estimate(msgspec.Struct):
    """A count, and the 95% margin (±) within which the real run's count should land."""

    count: int
    margin: int


class Window(msgspec.Struct):
    """How many got there within `seconds` of the dry run's start."""

    label: str
    seconds: int
    count: Estimate


class DryRunNode(msgspec.Struct):
    """How many customers reach a node, by when, and where they stop."""

    node_id: str
    label: str
    kind: str
    reached: Estimate
    within: list[Window]
    waiting_at_horizon: Estimate
    completed_here: Estimate
    exited_here: Estimate
    timeline: list[int]
    messages: dict[str, Estimate] | None = None


class DryRunPort(msgspec.Struct):
    """How many customers leave a node by one output (the canvas draws it on the edge)."""

    node_id: str
    port: str
    label: str
    edge_id: str | None
    target: str | None
    count: Estimate
    within: list[Window]


class Timeline(msgspec.Struct):
    """The buckets each node's `timeline` counts arrivals in: `buckets` × `bucket_seconds`."""

    start: datetime
    bucket_seconds: int
    buckets: int


class DryRun(msgspec.Struct):
    """The whole entry audience simulated: per node and per output, how many and by when."""

    journey_id: int
    audience: int
    simulated: int
    sampled: bool
    confidence: float
    entered: Estimate
    start: datetime
    horizon_end: datetime
    timeline: Timeline
    nodes: list[DryRunNode]
    ports: list[DryRunPort]
    entry: EntryInfo
    notes: list[str]
    took_ms: int
