"""Where a saved segment or template is used: the journeys, their steps and which documents."""

from __future__ import annotations

from typing import Literal

import msgspec


class JourneyUse(msgspec.Struct):
    """One journey that uses the object: in which steps, and in which of its documents
    ("draft", "live version", or an older version that still has customers in it)."""

    id: int
    name: str
    status: Literal["draft", "live", "paused", "archived"]
    nodes: list[str]
    node_ids: list[str]
    where: list[str]
