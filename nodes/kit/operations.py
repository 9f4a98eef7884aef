"""What an `UpdateProfile` effect does to a customer: profile operations applied to plain data.

The runtime loads a customer's attributes and tags, calls `apply_operations`, and stores the
result; the rules below are the whole meaning of set / increment / unset / add_tag / remove_tag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nodes.kit.fields import ChangeKind, ProfileOperation
from nodes.kit.rules import is_number


def apply_operations(attributes: Mapping[str, Any], tags: frozenset[str],
                     ops: Iterable[ProfileOperation]) -> tuple[dict[str, Any], frozenset[str]]:
    """New attributes and tags after the operations, in order; the inputs are left untouched."""
    new_attributes = dict(attributes)
    new_tags = set(tags)
    for op in ops:
        if op.op == ChangeKind.SET:
            new_attributes[op.name] = op.value
        elif op.op == ChangeKind.INCREMENT:
            _increment(new_attributes, op.name, op.value)
        elif op.op == ChangeKind.UNSET:
            new_attributes.pop(op.name, None)
        elif op.op == ChangeKind.ADD_TAG:
            new_tags.add(op.name)
        elif op.op == ChangeKind.REMOVE_TAG:
            new_tags.discard(op.name)
    return new_attributes, frozenset(new_tags)


def _increment(attributes: dict[str, Any], name: str, by: object) -> None:
    """Add `by` to a number attribute; a missing (or null) one counts from 0.

    An attribute holding something else (text, true/false) is left alone rather than
    overwritten: losing a customer's data is worse than a counter that does not move.
    """
    current = attributes.get(name)
    if current is None:
        current = 0
    if is_number(current) and is_number(by):
        attributes[name] = current + by
