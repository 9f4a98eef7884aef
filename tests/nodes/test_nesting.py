"""Rule depth is measured without recursion, on raw JSON and on parsed rules alike."""

from __future__ import annotations

import msgspec

from nodes.kit.nesting import MAX_GROUP_DEPTH, first_too_deep
from nodes.kit.rules import Rule, rule_problems

LEAF = {"type": "attr", "field": "plan", "op": "eq", "value": "pro"}


def nested(groups: int) -> dict:
    """A rule of `groups` groups, alternately `and` and `not`, around one leaf."""
    rule = LEAF
    for index in range(groups):
        rule = {"type": "not", "rule": rule} if index % 2 else {"type": "and", "rules": [rule]}
    return rule


def test_a_rule_at_the_limit_passes_and_one_group_more_is_found_where_it_starts():
    assert first_too_deep(nested(20), "rule", 20) is None
    excess = first_too_deep({"branches": [{"rule": nested(21)}]}, "config", 20)
    assert (excess.kind, excess.rule) == ("groups", "config.branches[0].rule")
    assert excess.path.startswith("config.branches[0].rule.rule")


def test_a_rule_nested_100_000_deep_is_measured_without_recursion():
    excess = first_too_deep(nested(100_000), "rule", 20)
    assert excess is not None and excess.kind == "groups" and excess.rule == "rule"


def test_parsed_rules_are_measured_like_raw_ones():
    parsed = msgspec.convert(nested(30), Rule)
    assert first_too_deep(parsed, "rule", 30) is None
    assert first_too_deep(parsed, "rule", 29).rule == "rule"


def test_plain_nesting_counts_levels_when_asked():
    deep: object = 1
    for _ in range(100):
        deep = [deep]
    assert first_too_deep({"x": deep}, "config", 20) is None  # no rule groups at all
    excess = first_too_deep({"x": deep}, "config", 20, max_levels=52)
    assert excess.kind == "levels" and excess.path.startswith("config.x[0]")


def test_rule_problems_says_only_that_a_rule_is_too_deep():
    parsed = msgspec.convert(nested(MAX_GROUP_DEPTH + 1), Rule)
    [(where, message)] = rule_problems(parsed)
    assert where == "rule" and f"more than {MAX_GROUP_DEPTH} deep" in message
    assert rule_problems(msgspec.convert(nested(10), Rule), max_depth=9)[0][0] == "rule"
    assert rule_problems(msgspec.convert(nested(10), Rule)) == []
