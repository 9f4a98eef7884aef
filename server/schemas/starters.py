"""What the starter endpoints give."""

from __future__ import annotations

from typing import Any

import msgspec

from server.schemas.journeys import Name


class StarterOut(msgspec.Struct):
    """A ready-made journey to start from."""

    key: str
    name: str
    description: str
    nodes: int
    channels: list[str]
    document: dict[str, Any]


class FromStarter(msgspec.Struct, forbid_unknown_fields=True):
    """The new journey's name (the starter's name when left out)."""

    name: Name | None = None
