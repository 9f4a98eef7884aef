"""The node-kind spec and the decisions a kind's pure `run()` returns.

A kind decides; the runtime acts. `run(config, ctx)` gets the validated config and a
`StepContext` (the customer's profile, the injected clock, the entry payload) and returns one
decision: go on through a port, wait until a time, wait for an event, or exit. Side effects the
runtime must perform (a send, a profile update, a coupon) travel on the decision as `effects`;
an effect's executor may answer with a port that replaces the decision's.
Entry kinds also describe *how* customers enter (`trigger`), so the runtime can enrol them
without knowing which kind it is looking at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

import msgspec

from nodes.kit.fields import ProfileOperation, PropertyFilters, Rule
from nodes.kit.profile import Profile

C = TypeVar("C", bound=msgspec.Struct)


class Category(StrEnum):
    """Where a kind sits in the palette, and what it may connect to."""

    ENTRY = "entry"
    FLOW = "flow"
    ACTION = "action"


@dataclass(frozen=True)
class Port:
    """An output of a node and what an unconnected one means.

    Unconnected, a `required` port is an error; an `optional` one is fine; any other gets a
    warning that customers who take it leave the journey there.
    """

    key: str
    label: str
    required: bool = False
    optional: bool = False


@dataclass(frozen=True)
class Problem:
    """A cross-field problem found by a kind's `check()`: the field and what to do about it."""

    field: str
    message: str


@dataclass(frozen=True)
class Ref:
    """A reference from a node's config to a stored object: its reference kind (a key of the
    runtime's reference registry: "template", "segment", "coupon_pool", …), id and field."""

    kind: str
    id: int | str
    field: str


# --- effects: what the runtime performs when it applies a decision ---------------------------


@dataclass(frozen=True)
class Effect:
    """Something a decision asks the runtime to do. Each effect type has one executor in the
    runtime (`runtime.flow.effects`), found by type; a kind may declare its own effect type in
    its own file. An executor may answer with a port, which then replaces the decision's: the
    effect's result chooses the way on (a coupon pool that ran dry takes "Out of codes")."""


@dataclass(frozen=True)
class Send(Effect):
    """Queue one message on a channel, rendered from a template, through the outbox."""

    channel: str
    template: int | str | None
    purpose: str = "marketing"
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateProfile(Effect):
    """Change the customer's attributes and tags."""

    operations: tuple[ProfileOperation, ...]


# --- decisions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Go:
    """Continue now through `port` (a port with no edge ends the run there)."""

    port: str
    effects: tuple[Effect, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class WaitUntil:
    """Sleep until `until` (aware, UTC), then continue through `port`."""

    until: datetime
    port: str = "next"
    why: str = ""


@dataclass(frozen=True)
class WaitForEvent:
    """Wait for `event` matching `where`; continue via `matched`, or via `timeout` at `until`."""

    event: str
    where: PropertyFilters
    until: datetime
    matched: str = "matched"
    timeout: str = "timeout"
    why: str = ""


@dataclass(frozen=True)
class Exit:
    """Leave the journey with a reason."""

    reason: str
    why: str = ""


Decision = Go | WaitUntil | WaitForEvent | Exit


# --- how customers enter -------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    """What a customer carries into a journey for its templates' `event.*` and `payload.*`.

    `fields`: the fields every entering customer is sure to carry (None: not declared, so any
    may be there). `absent`: how customers enter when they carry nothing at all ("from an
    audience"); then no field is ever there.
    """

    fields: frozenset[str] | None = None
    absent: str = ""


@dataclass(frozen=True)
class AudienceTrigger:
    """Customers matching a rule (inline, or a saved segment) enter."""

    rule: Rule | None
    segment: int | str | None
    include_existing: bool = True

    @property
    def payload(self) -> Payload:
        return Payload(frozenset(), absent="from an audience")


@dataclass(frozen=True)
class EventTrigger:
    """A customer enters when `event` arrives with properties matching `where`."""

    event: str
    where: PropertyFilters
    only_if: Rule | None = None

    @property
    def payload(self) -> Payload:
        return Payload()  # an event's properties are not declared


@dataclass(frozen=True)
class DateTrigger:
    """A customer enters on a date attribute (yearly anniversary or once) at a local time."""

    attribute: str
    at: str
    offset_days: int = 0
    yearly: bool = True

    @property
    def payload(self) -> Payload:
        return Payload(frozenset(), absent="on a date")


@dataclass(frozen=True)
class ApiTrigger:
    """A customer enters when an API call names them, with a payload."""

    required_fields: tuple[str, ...] = ()

    @property
    def payload(self) -> Payload:
        return Payload(frozenset(self.required_fields))


Trigger = AudienceTrigger | EventTrigger | DateTrigger | ApiTrigger


@dataclass(frozen=True)
class StepContext:
    """What `run()` may look at. Everything is given; nothing is fetched."""

    profile: Profile
    now: datetime
    timezone: ZoneInfo
    node_id: str = ""
    seed: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Arm:
    """One path of an experiment (a random split): its port, label and share in percent;
    `control` marks the hold-out group the other paths are compared with."""

    port: str
    label: str
    percent: float
    control: bool = False


def no_problems(config: Any) -> list[Problem]:
    """The default `check()`: the schema alone says everything."""
    return []


def no_refs(config: Any) -> list[Ref]:
    """The default `refs()`: the config names no stored object."""
    return []


@dataclass(frozen=True)
class NodeSpec(Generic[C]):
    """Everything about one node kind, declared in its own module as `SPEC`."""

    key: str
    version: int
    label: str
    category: Category
    description: str
    config: type[C]
    run: Callable[[C, StepContext], Decision]
    example: C
    ports: tuple[Port, ...] | Callable[[C], tuple[Port, ...]] = (Port("next", "Next"),)
    check: Callable[[C], list[Problem]] = no_problems
    refs: Callable[[C], list[Ref]] = no_refs
    trigger: Callable[[C], Trigger] | None = None
    sends: Callable[[C], list[Send]] | None = None
    """The messages the step may send, for checks that need the templates (channel, payload,
    opt-out line) and for summaries; None when the kind sends nothing."""
    arms: Callable[[C], list[Arm]] | None = None
    """The paths of an experiment, for results per path against control."""
    waits_for: Callable[[C], str] | None = None
    """The event a step waits for: a run's loaded history holds it, so an event that came
    after the customer reached the step in journey time (before a worker got there) counts."""
    preview_note: str = ""
    """What a dry run can't know about this kind, said once under its figures."""
    upgrade: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    """From the previous version's config (JSON data) to this version's, keeping its meaning:
    how a draft holding an older version of the kind is brought up to date."""
    random: bool = False
    """`run()` draws on the run's seed: a preview shows one possible draw, a dry run counts
    what follows it with the margin of that draw."""
    color: str = "#64748b"
    icon: str = "circle"

    @property
    def is_entry(self) -> bool:
        """Entry kinds start a journey and take no incoming edges."""
        return self.category is Category.ENTRY

    def ports_for(self, config: C | None) -> tuple[Port, ...]:
        """The output ports of a node with this config (the example's when config is invalid)."""
        if callable(self.ports):
            return self.ports(config if config is not None else self.example)
        return self.ports

    def parse(self, raw: Mapping[str, Any]) -> C:
        """Build the config struct from JSON data; raises msgspec.ValidationError."""
        return msgspec.convert(raw, self.config)

    def dump(self, config: C) -> dict[str, Any]:
        """The config as JSON data, as the document stores it."""
        return msgspec.to_builtins(config)
