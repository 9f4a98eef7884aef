"""How deep audience rules nest, measured without recursion, before anything recursive sees them.

Everything that reads a rule recurses once per `and` / `or` / `not` group: msgspec building the
structs, the Python evaluator, and SQLAlchemy compiling the SQL (which fails near 180 groups).
`first_too_deep` walks a rule — raw JSON or parsed structs, alone or inside a step's settings —
with a stack instead, and stops at the first point past a limit: a rule nested 100,000 deep is
refused after a walk of a few dozen levels, never by a RecursionError (or a crash) in between.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

MAX_GROUP_DEPTH = 50
"""The deepest rule Wayline accepts whatever the settings say (WAYLINE_MAX_RULE_DEPTH can't go
above it): well short of the ~180 groups where compiling a rule to SQL runs out of stack."""

GROUPS = frozenset({"and", "or", "not"})
"""The `type` of rule groups: what holds other rules."""


Trail = tuple[Any, str | int] | None
"""The keys leading to a value, innermost last: (parent's trail, key or index)."""

_NESTING = (dict, list, tuple, msgspec.Struct)


@dataclass(frozen=True)
class Excess:
    """Where a value first nests past a limit: rule `groups`, or JSON `levels` of any kind;
    `rule` is where the outermost rule group around that place starts (the setting it is in)."""

    kind: Literal["groups", "levels"]
    path: str
    rule: str


def first_too_deep(value: Any, path: str, max_groups: int,
                   max_levels: int | None = None) -> Excess | None:
    """The first place `value` nests more than `max_groups` rule groups (or more than
    `max_levels` objects and lists, when given); None when it stays within both."""
    most = sys.maxsize if max_levels is None else max_levels
    # Only objects and lists go on the stack, each with the keys that lead to it (a chain of
    # (parent, key) pairs): paths are spelled out only for the answer, as this runs on every
    # step of a journey each time the canvas validates it.
    stack: list[tuple[Any, int, int, Trail, Trail]] = [(value, 0, 0, None, None)]
    while stack:
        item, groups, levels, trail, rule = stack.pop()
        levels += 1
        if _is_group(item):
            rule = rule if groups else trail
            groups += 1
            if groups > max_groups:
                return Excess("groups", _spelled(path, trail), _spelled(path, rule))
        if levels > most:
            return Excess("levels", _spelled(path, trail),
                          _spelled(path, rule if groups else trail))
        for key, inner in _inside(item):
            if isinstance(inner, _NESTING):
                stack.append((inner, groups, levels, (trail, key), rule))
    return None


def _is_group(item: Any) -> bool:
    """True for a rule group (and / or / not), raw or parsed."""
    if isinstance(item, dict):
        kind = item.get("type")
        return isinstance(kind, str) and kind in GROUPS
    return isinstance(item, msgspec.Struct) and type(item).__struct_config__.tag in GROUPS


def _inside(item: Any) -> Iterable[tuple[str | int, Any]]:
    """What is directly inside a value, each with its key or index."""
    if isinstance(item, dict):
        return item.items()
    if isinstance(item, list | tuple):
        return enumerate(item)
    if isinstance(item, msgspec.Struct):
        return ((name, getattr(item, name)) for name in item.__struct_fields__)
    return ()


def _spelled(path: str, trail: Trail) -> str:
    """A trail as a path: rule.rules[0].rule."""
    keys: list[str | int] = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    return path + "".join(f"[{key}]" if isinstance(key, int) else f".{key}"
                          for key in reversed(keys))


def too_deep_message(max_groups: int) -> str:
    """What to tell a marketer whose rule nests too deep."""
    return (f"groups (and / or / not) are nested more than {max_groups} deep here; merge a "
            "group into the group around it when both are the same kind (an 'and' inside an "
            "'and'), or split the rule over two steps")
