"""How big a journey may be and how deep its rules may nest, checked before anything walks it.

Every other check of the validator costs time per step and recursion per rule group, so these
run first, on the raw JSON and without recursion: a journey of 20,000 steps is refused in
milliseconds instead of being walked (and then slowing every event down), and a rule nested 500
deep never reaches msgspec, the rule evaluator or the SQL compiler.

The limits are settings (WAYLINE_MAX_JOURNEY_STEPS, WAYLINE_MAX_RULE_DEPTH); `builder` never reads
settings, so callers pass them in. `CEILING` is the most a setting may allow: compiling a published
version checks against it, so lowering a setting never strands customers in a live journey.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nodes.kit.nesting import MAX_GROUP_DEPTH, first_too_deep, too_deep_message


@dataclass(frozen=True)
class Limits:
    """The most steps a journey may have, and how deep its rules' groups may nest."""

    max_steps: int = 500
    max_rule_depth: int = 20


DEFAULT_LIMITS = Limits()
"""What a workspace allows unless its settings say otherwise."""

CEILING = Limits(max_steps=2_000, max_rule_depth=MAX_GROUP_DEPTH)
"""The most the settings may allow: 2,000 steps still validate in under a tenth of a second
on every canvas change; rules stay well short of where compiling them to SQL fails."""

EDGES_PER_STEP = 12
"""Connections allowed for each step allowed: each output leads to one step, and no step has
more than 11 outputs (a random split's 10 paths and its control group)."""

MAX_NOTES = 200
"""Sticky notes a journey may carry: enough to explain every part of a large journey."""

NOTE_MAX_TEXT = 2_000
"""Characters in one sticky note: a paragraph or a short checklist, never a document."""

NOTE_MIN_SIDE = 60
NOTE_MAX_SIDE = 2_000
"""A sticky note's width and height on the canvas, in canvas pixels."""

LEVELS_PER_GROUP = 2
"""JSON levels one rule group adds: its object and its list of rules."""

LEVELS_AROUND_RULES = 12
"""JSON levels a step's settings add around its rules at most (the settings, a branch list, a
branch, a leaf and its values); anything deeper is never a real setting."""


def size_problem(data: Mapping[str, Any], limits: Limits) -> tuple[str, str] | None:
    """(field, message) when a journey has more steps or connections than `limits` allow."""
    nodes, edges = len(data.get("nodes", ())), len(data.get("edges", ()))
    if nodes > limits.max_steps:
        return "nodes", (f"This journey has {nodes:,} steps; a journey may have at most "
                         f"{limits.max_steps:,}. Split it into smaller journeys: end one by "
                         "tagging customers ('Update profile') and start the next from a "
                         "segment of that tag.")
    if edges > limits.max_steps * EDGES_PER_STEP:
        return "edges", (f"This journey has {edges:,} connections; at most "
                         f"{limits.max_steps * EDGES_PER_STEP:,} fit {limits.max_steps:,} steps. "
                         "Delete the connections that lead nowhere.")
    return None


def config_depth_problem(config: Any, limits: Limits) -> tuple[str, str] | None:
    """(field, message) when a step's settings nest a rule, or anything, too deep."""
    levels = limits.max_rule_depth * LEVELS_PER_GROUP + LEVELS_AROUND_RULES
    excess = first_too_deep(config, "config", limits.max_rule_depth, levels)
    if excess is None:
        return None
    if excess.kind == "groups":  # name the rule, not a path hundreds of groups long
        return excess.rule, too_deep_message(limits.max_rule_depth)
    setting = re.match(r"config(\.[^.\[]*)?", excess.path)[0]  # the setting, not the path
    return setting, (f"its settings nest lists and objects more than {levels} levels deep, "
                     "deeper than any setting of a step goes; remove what was added there")
