"""Lifecycle stages: the workspace's funnel (AARRR by default), each stage an audience rule.

Semantics (the tables are in runtime/store/stage_models.py, the roller that fills them in
runtime/insight/rollers/stages.py, the reads in runtime/insight/stage_reads.py):

- The stages are an ordered list (MIN_STAGES to MAX_STAGES) of {key, name, rule}, kept as the
  workspace setting SETTING_KEY; until someone saves their own, DEFAULT_STAGES (acquisition,
  activation, retention, revenue, referral over the demo data's attributes, tags and events).
- A customer's stage is the LAST stage in order whose rule they match: the furthest they have
  got. A customer who matches none is in no stage (stored as NO_STAGE, "").
- Every roll evaluates all rules at once in SQL, at the roll's time, and writes what changed:
  `customer_stages` (stage, since), and for each customer whose stage changed, one row of
  `stage_moves` (from, to, moved_at = the roll's time: a move is seen within one roll
  interval). The move is credited to the journey of the customer's most recent run that
  entered before the move and was still on (or ended) after they entered the stage they left;
  none → no journey.
- The first roll ever places everyone without moves: nobody "moved" when we started looking
  (their `since` is that roll's time). A customer new since the last roll moves from "" to
  their stage like anyone else.
- A move closes the customer's previous move (`left_at`), and marks every earlier move of
  theirs into a stage before the new one in order as advanced (`advanced_at`, once).
- Once per roll, today's local day gets its snapshot (`stage_days`): customers per stage
  (and "" for none), replaced by each later roll of the same day; past days stay as they were.
- Changing the stages restarts the history of the stages that changed (added, removed,
  renamed keys, a different rule or a different place in the order): their moves and daily
  counts are deleted in the same transaction as the save, and the next roll re-places the
  customers who were in or now fall in them without writing moves (the definition moved, not
  the customer), with `since` the roll's time. A stage whose name alone changed keeps its
  history.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

import msgspec
from sqlalchemy.orm import Session

from nodes.kit.rules import All, CountOp, EventCount, HasTag, Rule, rule_problems
from runtime.store.models import WorkspaceSetting

SETTING_KEY = "lifecycle_stages"
"""The workspace_settings key the stage definitions are kept under."""

NO_STAGE = ""
"""The stage key of customers who match no stage's rule."""

MIN_STAGES, MAX_STAGES = 2, 12
"""A funnel has at least two stages (one conversion) and at most twelve (one screen wide)."""

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
"""Stage keys: lower-case letters, digits and underscores, starting with a letter."""

NAME_LENGTH = 60
"""The longest stage name."""


class Stage(msgspec.Struct, forbid_unknown_fields=True):
    """One stage: its key (stable, in the API and the tables), the name marketers read, and the
    audience rule a customer must match to have got this far."""

    key: Annotated[str, msgspec.Meta(description="Stable key: a-z, 0-9, _; up to 40.")]
    name: Annotated[str, msgspec.Meta(description="What marketers call the stage.")]
    rule: Rule


class StageDefinitions(msgspec.Struct, forbid_unknown_fields=True):
    """The workspace's stages, in funnel order (first: where everyone starts)."""

    stages: list[Stage]


DEFAULT_STAGES = StageDefinitions(stages=[
    Stage("acquisition", "Acquisition", All(rules=[])),
    Stage("activation", "Activation", EventCount(event="order_completed", op=CountOp.GTE,
                                                  count=1)),
    Stage("retention", "Retention", EventCount(event="order_completed", op=CountOp.GTE,
                                                count=2)),
    Stage("revenue", "Revenue", HasTag(tag="vip")),
    Stage("referral", "Referral", EventCount(event="referral_sent", op=CountOp.GTE, count=1)),
])
"""AARRR over the demo data (server/demo.py): everyone who signed up; a first order; a second
order (both counted from `order_completed` events, the record); big spenders (the `vip` tag:
1,000,000 KRW and more); and customers who sent a referral."""


def load_stages(session: Session) -> StageDefinitions:
    """The stages in force (the defaults until someone saves their own)."""
    row = session.get(WorkspaceSetting, SETTING_KEY)
    return msgspec.convert(row.value, StageDefinitions) if row else DEFAULT_STAGES


def definition_problems(definitions: StageDefinitions, max_depth: int
                        ) -> list[tuple[str, str]]:
    """Every problem with a set of stages, as (field, message): how many there are, each key
    and name, and each rule (by the rule language's own check)."""
    stages = definitions.stages
    problems: list[tuple[str, str]] = []
    if not MIN_STAGES <= len(stages) <= MAX_STAGES:
        problems.append(("stages", f"has {len(stages)} stages; a funnel needs "
                                   f"{MIN_STAGES} to {MAX_STAGES}"))
    keys: set[str] = set()
    names: set[str] = set()
    for index, stage in enumerate(stages):
        where = f"stages[{index}]"
        if not KEY_PATTERN.match(stage.key):
            problems.append((f"{where}.key", "must be 1 to 40 lower-case letters, digits or _, "
                                             "starting with a letter"))
        elif stage.key in keys:
            problems.append((f"{where}.key", f"'{stage.key}' is the key of an earlier stage: "
                                             "each stage needs its own"))
        name = stage.name.strip()
        if not name or len(name) > NAME_LENGTH:
            problems.append((f"{where}.name", f"must be 1 to {NAME_LENGTH} characters"))
        elif name.lower() in names:
            problems.append((f"{where}.name", f"'{name}' names an earlier stage: give each "
                                              "stage its own name"))
        keys.add(stage.key)
        names.add(name.lower())
        problems += rule_problems(stage.rule, f"{where}.rule", max_depth)
    return problems


def fingerprints(definitions: StageDefinitions) -> dict[str, str]:
    """Each stage's key → what its history depends on (its rule and its place in the order)."""
    return {stage.key: hashlib.sha256(
        f"{index}:".encode() + msgspec.json.encode(stage.rule, order="sorted")).hexdigest()[:16]
        for index, stage in enumerate(definitions.stages)}


def changed_stages(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """The stage keys whose history restarts between two sets of fingerprints."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def stage_positions(definitions: StageDefinitions) -> dict[str, int]:
    """Each stage key's place in the funnel (0 first); "" (no stage) comes before them all."""
    return {NO_STAGE: -1, **{stage.key: index for index, stage in enumerate(definitions.stages)}}
