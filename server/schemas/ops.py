"""What the operations endpoints give: liveness and readiness, for load balancers and probes."""

from __future__ import annotations

from typing import Literal

import msgspec


class Liveness(msgspec.Struct):
    """The process is up and answering."""

    status: Literal["ok"] = "ok"


class Check(msgspec.Struct):
    """One dependency readiness looks at, whether it is fine, and what is wrong if not."""

    name: str
    ok: bool
    detail: str


class Readiness(msgspec.Struct):
    """Whether this server can take traffic: the database and Redis it needs, each checked."""

    status: Literal["ready", "not_ready"]
    checks: list[Check]
    reasons: list[str]
    """One sentence per failed check (empty when ready)."""
