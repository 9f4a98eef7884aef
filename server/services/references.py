"""What a picker of stored objects offers, for any reference kind (`runtime.store.references`):
each object's id and name, and what its kind adds (a coupon pool's codes given and left)."""

from __future__ import annotations

from typing import Any

from runtime.errors import NotFoundError
from runtime.store.references import options, reference_kinds
from server.context import Wayline


def list_options(wl: Wayline, kind: str) -> list[dict[str, Any]]:
    """The objects of reference kind `kind` a picker offers, by name; 404 on an unknown kind."""
    if kind not in reference_kinds():
        raise NotFoundError("kind of stored object", kind)
    with wl.reading() as session:
        return options(session, kind)
