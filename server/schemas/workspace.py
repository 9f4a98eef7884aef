"""What the workspace endpoints take and give besides the send policy: indexed attributes, and
the switch that stops all sending."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec


class IndexedAttributeIn(msgspec.Struct, forbid_unknown_fields=True):
    """The JSON type the attribute holds: its values of that type go in the typed column."""

    kind: Literal["text", "number"]


class IndexedAttributeOut(msgspec.Struct):
    """An indexed attribute: audience rules on it compare values of `kind` on a typed, indexed
    column (`column` of customers), and every other value in the JSON. `customers` is how many
    hold a value of that kind now."""

    name: str
    kind: str
    column: str
    customers: int
    created_at: datetime


class SendingState(msgspec.Struct):
    """Whether all sending is stopped, and if so by whom, when and why."""

    stopped: bool
    by: str | None = None
    at: datetime | None = None
    reason: str | None = None


class StopSendingIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why all sending stops: shown on every page until someone resumes it."""

    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
