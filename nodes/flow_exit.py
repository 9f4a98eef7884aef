"""Exit: the customer leaves the journey here, with a reason shown in their run history."""

from __future__ import annotations

from typing import Annotated

import msgspec

from nodes.kit.fields import hint
from nodes.kit.spec import Category, Decision, Exit, NodeSpec, StepContext

DEFAULT_REASON = "exit node"
"""The exit reason recorded when the marketer gives none."""


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Why customers leave here."""

    reason: Annotated[str, hint(
        "Reason", order=1, max_length=200,
        description="Shown in each customer's history, e.g. 'Already purchased'",
    )] = ""


def run(config: Config, ctx: StepContext) -> Decision:
    """Leave the journey."""
    return Exit(config.reason or DEFAULT_REASON)


SPEC = NodeSpec(
    key="flow.exit",
    version=1,
    label="Exit",
    category=Category.FLOW,
    description="Customers leave the journey here.",
    config=Config,
    run=run,
    example=Config(reason="Already purchased"),
    ports=(),
    color="#dc2626",
    icon="log-out",
)
