"""Update profile: set, increment or clear attributes and add or remove tags.

The step only describes the changes; the runtime applies them with
`nodes.kit.operations.apply_operations`, which holds their meaning.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from nodes.kit.fields import TAG_CHANGES, ChangeKind, ProfileOperation, hint
from nodes.kit.profile import BUILTIN_FIELDS
from nodes.kit.rules import is_number
from nodes.kit.spec import (
    Category,
    Decision,
    Go,
    NodeSpec,
    Port,
    Problem,
    StepContext,
    UpdateProfile,
)
from nodes.kit.values import ATTRIBUTE_NAME


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The changes, applied in order."""

    # The item title names each change in the form ("Change 1") and the step's summary.
    operations: Annotated[list[Annotated[ProfileOperation, msgspec.Meta(title="Change")]], hint(
        "Changes", order=1, min_length=1, max_length=20, description="Applied top to bottom",
    )]


def check(config: Config) -> list[Problem]:
    """Each change names a valid attribute or tag and has the value it needs."""
    problems = []
    for index, operation in enumerate(config.operations):
        field, message = _operation_problem(operation)
        if message:
            problems.append(Problem(f"operations[{index}].{field}", f"Changes: {message}"))
    return problems


def _operation_problem(operation: ProfileOperation) -> tuple[str, str | None]:
    """(the field at fault, what to do) for one change; message None when it is fine."""
    name, value = operation.name, operation.value
    if operation.op in TAG_CHANGES:
        return "value", None if value is None else f"tag '{name}' takes no value; leave Value empty"
    if not re.fullmatch(ATTRIBUTE_NAME, name):
        return "name", (f"'{name}' is not an attribute name: start with a letter, then use "
                        "letters, digits or _")
    if name in BUILTIN_FIELDS:
        return "name", f"'{name}' is a built-in profile field and can't be changed here"
    if operation.op == ChangeKind.SET and value is None:
        return "value", f"give a Value to set '{name}' to"
    if operation.op == ChangeKind.INCREMENT and not is_number(value):
        return "value", f"give a number as Value to add to '{name}' (negative to subtract)"
    if operation.op == ChangeKind.UNSET and value is not None:
        return "value", f"clearing '{name}' takes no value; leave Value empty"
    return "value", None


def run(config: Config, ctx: StepContext) -> Decision:
    """Ask the runtime to apply the changes, then go on."""
    return Go("next", effects=(UpdateProfile(tuple(config.operations)),),
              why=f"updating the profile ({len(config.operations)} change(s))")


SPEC = NodeSpec(
    key="action.update",
    version=1,
    label="Update profile",
    category=Category.ACTION,
    description="Changes the customer's attributes and tags.",
    config=Config,
    run=run,
    example=Config(operations=[
        ProfileOperation(op=ChangeKind.SET, name="lifecycle_stage", value="customer"),
        ProfileOperation(op=ChangeKind.INCREMENT, name="journey_touches", value=1),
        ProfileOperation(op=ChangeKind.ADD_TAG, name="welcome_done"),
    ]),
    ports=(Port("next", "Next"),),
    check=check,
    color="#ea580c",
    icon="user-pen",
)
