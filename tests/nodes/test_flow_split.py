"""flow.split: ranked branches, first match wins, "Everyone else" for the rest."""

from __future__ import annotations

import msgspec
import pytest

from nodes.flow_split import SPEC, Branch, Config
from nodes.kit.rules import All, Attr, HasTag, Op
from nodes.kit.spec import Go, Port, Problem
from tests.nodes.conftest import MakeContext

CONFIG = SPEC.example  # VIP (tag), then Spent 1M+ (total_spent >= 1,000,000)


def test_the_first_matching_branch_wins(make_ctx: MakeContext) -> None:
    both = make_ctx(tags=["vip"], attributes={"total_spent": 2_000_000})
    assert SPEC.run(CONFIG, both) == Go("vip", why="VIP: has tag 'vip'")


def test_a_lower_branch_takes_who_the_higher_ones_miss(make_ctx: MakeContext) -> None:
    decision = SPEC.run(CONFIG, make_ctx(attributes={"total_spent": 1_500_000}))
    assert decision == Go("big_spender",
                          why="Spent 1M+: total_spent is 1500000; wanted: total_spent is at "
                              "least / on or after 1000000")


def test_everyone_else(make_ctx: MakeContext) -> None:
    decision = SPEC.run(CONFIG, make_ctx(attributes={"total_spent": 10}))
    assert decision.port == "else"
    assert decision.why == ("matched no branch: not VIP (does not have tag 'vip'); "
                            "not Spent 1M+ (total_spent is 10; wanted: total_spent is at least / "
                            "on or after 1000000)")


def test_ports_follow_the_branches_in_rank_order() -> None:
    assert SPEC.ports_for(CONFIG) == (
        Port("vip", "VIP"), Port("big_spender", "Spent 1M+"), Port("else", "Everyone else"))


def test_check_wants_unique_keys_and_keeps_else() -> None:
    config = Config(branches=[
        Branch(key="vip", label="VIP", rule=HasTag(tag="vip")),
        Branch(key="vip", label="VIP again", rule=HasTag(tag="gold")),
        Branch(key="else", label="Rest", rule=HasTag(tag="silver")),
    ])
    assert SPEC.check(config) == [
        Problem("branches[1].key", "Branches: two branches use the key 'vip'; give each its own "
                                   "key"),
        Problem("branches[2].key", "Branches: the key 'else' is kept for 'Everyone else'; pick "
                                   "another key"),
    ]


def test_check_finds_rule_problems_inside_each_branch() -> None:
    config = Config(branches=[
        Branch(key="vip", label="VIP", rule=HasTag(tag="vip")),
        Branch(key="adults", label="Adults", rule=All(rules=[
            HasTag(tag="member"), Attr(field="age", op=Op.GTE)])),
    ])
    assert SPEC.check(config) == [
        Problem("branches[1].rule.rules[1]", "Branch 'Adults': 'age' gte needs a value")]


@pytest.mark.parametrize("branches", [
    [],
    [{"key": f"b{n}", "label": "B", "rule": {"type": "tag", "tag": "x"}} for n in range(9)],
    [{"key": "Big Spenders", "label": "B", "rule": {"type": "tag", "tag": "x"}}],
    [{"key": "b", "label": "", "rule": {"type": "tag", "tag": "x"}}],
])
def test_the_schema_refuses_impossible_branches(branches: list) -> None:
    with pytest.raises(msgspec.ValidationError):
        SPEC.parse({"branches": branches})
