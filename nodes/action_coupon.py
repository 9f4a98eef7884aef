"""Give a coupon: one unique code from a coupon pool, kept on the customer's profile.

The step names a pool (uploaded or generated codes, on the Coupons page) and the attribute the
code goes in (`coupon_code` unless told), so the next messages can say
`{{ customer.coupon_code }}`. A customer gets one code per pool, ever: one who already holds a code
of the pool keeps it. When the pool has no free code left the customer takes "Out of codes",
where a journey can send an apology or a different offer instead.

What a code is and how it is given belong to the runtime (the `IssueCoupon` effect's executor
marks the code given in the step's own transaction, so it is given once or not at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec

from nodes.kit.fields import hint
from nodes.kit.profile import BUILTIN_FIELDS
from nodes.kit.spec import (
    Category,
    Decision,
    Effect,
    Go,
    NodeSpec,
    Port,
    Problem,
    Ref,
    StepContext,
)
from nodes.kit.values import ATTRIBUTE_NAME

OUT_OF_CODES = "out_of_codes"


@dataclass(frozen=True)
class IssueCoupon(Effect):
    """Give the customer a free code of `pool` (or the one they hold) in `attribute`; when the
    pool has none left, the step leaves by `empty_port`."""

    pool: int
    attribute: str
    empty_port: str = OUT_OF_CODES


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The pool the code comes from, and the profile attribute it is kept in."""

    pool: Annotated[int, hint("Coupon pool", order=1, ref="coupon_pool", ge=1)]
    attribute: Annotated[str, hint(
        "Keep the code in", order=2, pattern=ATTRIBUTE_NAME, max_length=64,
        description="The profile attribute messages read it from, e.g. "
                    "{{ customer.coupon_code }}",
    )] = "coupon_code"


def check(config: Config) -> list[Problem]:
    """The code can't go in a built-in profile field."""
    if config.attribute in BUILTIN_FIELDS:
        return [Problem("attribute", f"'{config.attribute}' is a built-in profile field; keep "
                                     "the code in an attribute of its own, e.g. coupon_code")]
    return []


def refs(config: Config) -> list[Ref]:
    """The pool this step gives codes from."""
    return [Ref("coupon_pool", config.pool, "pool")]


def run(config: Config, ctx: StepContext) -> Decision:
    """Ask the runtime for a code; an empty pool turns the step to "Out of codes"."""
    return Go("next", effects=(IssueCoupon(config.pool, config.attribute),),
              why=f"giving a coupon from pool {config.pool}")


SPEC = NodeSpec(
    key="action.coupon",
    version=1,
    label="Give a coupon",
    category=Category.ACTION,
    description="Gives the customer one unique code from a coupon pool, for the next messages.",
    config=Config,
    run=run,
    check=check,
    refs=refs,
    example=Config(pool=1),
    ports=(Port("next", "Next"), Port(OUT_OF_CODES, "Out of codes")),
    color="#ea580c",
    icon="ticket",
)
