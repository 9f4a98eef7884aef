"""API entry: your systems put a customer into the journey with an API call and a payload.

The payload is available to later steps (templates, previews). The runtime refuses a call that
lacks a required field; the sample payload stands in for a real call in previews.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from nodes.kit.fields import AttributeName, hint
from nodes.kit.spec import ApiTrigger, Category, Decision, Go, NodeSpec, Port, Problem, StepContext


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The payload fields a call must carry, and a sample payload for previews."""

    required_fields: Annotated[list[AttributeName], hint(
        "Required payload fields", order=1, max_length=50,
        description="A call without one of these is refused",
    )] = []
    sample_payload: Annotated[dict[str, Any], hint(
        "Sample payload", widget="json", order=2,
        description="What a typical call sends, used for previews",
    )] = {}


def check(config: Config) -> list[Problem]:
    """Required fields are listed once, and a sample (when given) has all of them."""
    problems = []
    seen: set[str] = set()
    for index, name in enumerate(config.required_fields):
        if name in seen:
            problems.append(Problem(f"required_fields[{index}]",
                                    f"Required payload fields: '{name}' is listed twice; "
                                    "remove one"))
        seen.add(name)
    if config.sample_payload:
        for name in sorted(seen - config.sample_payload.keys()):
            problems.append(Problem("sample_payload",
                                    f"Sample payload: add '{name}', a required field"))
    return problems


def trigger(config: Config) -> ApiTrigger:
    """Customers enter when an API call names them."""
    return ApiTrigger(required_fields=tuple(config.required_fields))


def run(config: Config, ctx: StepContext) -> Decision:
    """An entered customer moves straight on."""
    return Go("next", why="entered by an API call")


SPEC = NodeSpec(
    key="entry.api",
    version=1,
    label="API entry",
    category=Category.ENTRY,
    description="Your systems put a customer in the journey with an API call.",
    config=Config,
    run=run,
    example=Config(required_fields=["order_id"],
                   sample_payload={"order_id": "A-1042", "total": 59_000}),
    ports=(Port("next", "Next", required=True),),
    check=check,
    trigger=trigger,
    color="#16a34a",
    icon="webhook",
)
