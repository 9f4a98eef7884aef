"""flow.condition: Yes or No for one customer, with the parts of the rule that decided it."""

from __future__ import annotations

from datetime import timedelta

from nodes.flow_condition import SPEC, Config
from nodes.kit.profile import EventRecord
from nodes.kit.rules import AnyOf, Attr, HasTag, Not, Op
from nodes.kit.spec import Go, Problem
from tests.nodes.conftest import NOW, MakeContext

CONFIG = SPEC.example  # ordered in the last 30 days, and not unsubscribed


def order(days_ago: int) -> EventRecord:
    """An order_completed event some days before NOW."""
    return EventRecord(name="order_completed", occurred_at=NOW - timedelta(days=days_ago))


def test_yes_says_why(make_ctx: MakeContext) -> None:
    decision = SPEC.run(CONFIG, make_ctx(events=[order(3), order(40)]))
    assert decision == Go("yes", why=(
        "all of these match: did 'order_completed' 1 time(s) in the last 30 days; needs at least 1"
        " | does not have tag 'unsubscribed'"))


def test_no_names_only_what_failed(make_ctx: MakeContext) -> None:
    decision = SPEC.run(CONFIG, make_ctx(events=[order(40)]))
    assert decision == Go("no", why=(
        "not all of these match: did 'order_completed' 0 time(s) in the last 30 days; "
        "needs at least 1"))


def test_no_when_another_part_fails(make_ctx: MakeContext) -> None:
    decision = SPEC.run(CONFIG, make_ctx(events=[order(1)], tags=["unsubscribed"]))
    assert decision == Go("no", why="not all of these match: has tag 'unsubscribed'")


def test_nested_rules_explain_each_level(make_ctx: MakeContext) -> None:
    config = Config(rule=AnyOf(rules=[
        Attr(field="country", op=Op.EQ, value="KR"),
        Not(rule=HasTag(tag="vip")),
    ]))
    decision = SPEC.run(config, make_ctx(attributes={"country": "JP"}, tags=["vip"]))
    assert decision == Go("no", why=(
        "none of these match: country is 'JP'; wanted: country equals 'KR' | "
        "(not (has tag 'vip'))"))


def test_check_reports_rule_problems_by_path() -> None:
    config = Config(rule=AnyOf(rules=[HasTag(tag="vip"), Attr(field="age", op=Op.BETWEEN,
                                                               value=[40, 20])]))
    assert SPEC.check(config) == [Problem(
        "rule.rules[1]", "Rule: 'age' between: 'from' (40) is after 'to' (20)")]
