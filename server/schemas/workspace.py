"""What the workspace endpoints take and give besides the send policy: indexed attributes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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
