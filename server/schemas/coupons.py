"""What the coupon endpoints take and give: pools of unique codes, their counts and uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from server.schemas.usage import JourneyUse

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description=(
    "What marketers call the pool; unique (ignoring case)."))]
Description = Annotated[str, msgspec.Meta(max_length=1000)]


class CouponPoolCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new, empty pool: codes are added by upload or generated."""

    name: Name
    description: Description = ""


class CouponPoolSummary(msgspec.Struct):
    """A pool as the list shows it: codes given and left, and how many journeys use it."""

    id: int
    name: str
    description: str
    given: int
    left: int
    journeys: int
    created_at: datetime


class CouponPoolDetail(msgspec.Struct):
    """A pool with the journeys that use it."""

    pool: CouponPoolSummary
    used_by: list[JourneyUse]


class CouponPoolPage(msgspec.Struct):
    """Every pool, by name."""

    items: list[CouponPoolSummary]


class CodeProblem(msgspec.Struct):
    """A line of an upload that was not loaded, and why."""

    line: int
    message: str


class CodesAdded(msgspec.Struct):
    """What an upload or generation did: codes added, codes the pool already had (skipped),
    and each line refused with why (the others loaded)."""

    added: int
    already_there: int
    problems: list[CodeProblem]
    pool: CouponPoolSummary


class GenerateCodes(msgspec.Struct, forbid_unknown_fields=True):
    """Make `count` new random codes: `prefix` then `length` letters and digits (no look-alike
    characters such as 0/O or 1/I)."""

    count: Annotated[int, msgspec.Meta(ge=1, le=100_000)]
    prefix: Annotated[str, msgspec.Meta(max_length=20, pattern=r"^[A-Za-z0-9_-]*$")] = ""
    length: Annotated[int, msgspec.Meta(ge=6, le=32)] = 10
