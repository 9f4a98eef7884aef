"""What the live stats endpoint gives: per node and per output of a published journey."""

from __future__ import annotations

from datetime import datetime

import msgspec


class MessageCounts(msgspec.Struct):
    """The send ledger of one send step, by status."""

    queued: int = 0
    deferred: int = 0
    """Held back by night-time, quiet hours or a frequency cap; sent when the rules allow."""
    sent: int = 0
    delivered: int = 0
    """Sent, and the provider's receipt says it arrived (counted apart from `sent`)."""
    failed: int = 0
    suppressed: int = 0


class PortStats(msgspec.Struct):
    """How many customers left a node by one output, and how many of them converted."""

    port: str
    label: str
    edge_id: str | None
    target: str | None
    count: int
    converted: int
    rate: float | None = None
    """Of the customers who took this output, the share who converted (None without a goal)."""
    control: bool = False
    """This output is a random split's control group."""
    lift: float | None = None
    """The conversion rate's change against the control group's, relative (0.25 = 25 % more);
    None for the control itself, or while either has no customers."""


class StepEngagement(msgspec.Struct):
    """What a send step earned: its messages, what customers did with them, and the
    conversions credited to it (the last message before converting was this step's).

    From the insight summary, a minute or two behind the ledger; rates are of the messages
    sent (sent or delivered), the failure rate of those sent or failed.
    """

    sent: int
    delivered: int
    failed: int
    opened: int
    clicked: int
    unsubscribed: int
    converted: int
    revenue: float
    delivered_rate: float | None
    open_rate: float | None
    click_rate: float | None
    unsubscribe_rate: float | None
    failure_rate: float | None
    conversion_rate: float | None


class NodeStats(msgspec.Struct):
    """One node: how many entered it, are there now, ended there, and what it sent."""

    node_id: str
    label: str
    kind: str | None
    entered: int
    active: int
    waiting: int
    completed: int
    exited: int
    converted: int
    ports: list[PortStats]
    messages: MessageCounts | None = None
    median_seconds: float | None = None
    """Median time customers spent at this step before moving on; None until one has."""
    engagement: StepEngagement | None = None
    """A send step's deliveries, opens, clicks, unsubscribes and credited conversions."""


class RunTotals(msgspec.Struct):
    """The journey as a whole: entered, in it now, finished, left early, converted."""

    entered: int = 0
    active: int = 0
    waiting: int = 0
    completed: int = 0
    exited: int = 0
    converted: int = 0


class JourneyStats(msgspec.Struct):
    """Live numbers of a journey (one version, or every version together)."""

    journey_id: int
    version: int | None
    goal: str | None
    totals: RunTotals
    nodes: list[NodeStats]
    generated_at: datetime
    revenue: float = 0.0
    """The revenue of every conversion (the goal's value property), from the insight summary."""
    insight_as_of: datetime | None = None
    """When the insight summary behind `engagement` and `revenue` was last brought up to date."""
    counted_at: datetime | None = None
    """When the step figures (entered, outputs taken, messages, median stays) were counted, on
    a journey big enough to count them in the background (more runs than
    WAYLINE_STATS_LIVE_RUNS); None when they were counted for this answer. Who is where now
    (`totals`, each node's active and waiting) is always counted for the answer."""
