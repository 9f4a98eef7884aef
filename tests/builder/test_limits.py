"""Journey size and rule depth: refused by the one validator before anything walks the journey."""

from __future__ import annotations

import msgspec
import pytest

from builder.compiled import InvalidJourneyError, compile_journey
from builder.limits import CEILING, EDGES_PER_STEP, Limits
from builder.validation import CODES, validate_journey
from tests.builder.journeys import document, edge, node

LEAF = {"type": "tag", "tag": "vip"}


def nested(groups: int) -> dict:
    """A rule of `groups` groups, alternately `and` and `not`, around one leaf."""
    rule = LEAF
    for index in range(groups):
        rule = {"type": "not", "rule": rule} if index % 2 else {"type": "and", "rules": [rule]}
    return rule


def chain(steps: int) -> dict:
    """A valid journey of `steps` steps: an event entry, delays, an exit."""
    names = ["entry", *(f"d{index}" for index in range(steps - 2)), "out"]
    nodes = [node("entry", "entry.event", "Signed up", {"event": "signup"}),
             *(node(name, "flow.delay") for name in names[1:-1]), node("out", "flow.exit")]
    return document(nodes, [edge(source, target, "next")
                            for source, target in zip(names, names[1:], strict=False)])


def condition(rule: dict) -> dict:
    """entry → condition on `rule` → exit on both branches."""
    return document(
        [node("entry", "entry.event", "Signed up", {"event": "signup"}),
         node("check", "flow.condition", "VIP?", {"rule": rule}), node("out", "flow.exit")],
        [edge("entry", "check", "next"), edge("check", "out", "yes"), edge("check", "out", "no")])


def test_the_new_codes_are_documented():
    assert {"journey.too_large", "rule.too_deep"} <= set(CODES)


def test_a_journey_of_20_000_steps_is_refused_on_its_size_alone():
    huge = chain(20_000)
    for raw in (huge, msgspec.json.encode(huge)):
        [issue] = validate_journey(raw)
        assert (issue.code, issue.field, issue.node_id) == ("journey.too_large", "nodes", None)
        assert "20,000 steps" in issue.message and "at most 500" in issue.message


def test_the_limits_are_the_callers_to_set():
    assert validate_journey(chain(12)) == []
    [issue] = validate_journey(chain(12), limits=Limits(max_steps=10))
    assert issue.code == "journey.too_large" and "at most 10" in issue.message
    wired = chain(3)
    wired["edges"] = [edge("entry", "out", f"p{index}") for index in range(3 * EDGES_PER_STEP + 1)]
    [issue] = validate_journey(wired, limits=Limits(max_steps=3))
    assert (issue.code, issue.field) == ("journey.too_large", "edges")


def test_a_rule_nested_500_deep_is_an_issue_on_its_step_and_the_rest_is_still_checked():
    doc = condition(nested(500))
    doc["nodes"].append(node("lost", "flow.delay", "Lost", {"duration": {"amount": 0}}))
    issues = validate_journey(doc)
    deep = [issue for issue in issues if issue.code == "rule.too_deep"]
    assert [(issue.node_id, issue.field) for issue in deep] == [("check", "config.rule")]
    assert deep[0].message.startswith("VIP?: ") and "more than 20 deep" in deep[0].message
    assert {issue.node_id for issue in issues if issue.code == "config.invalid"} == {"lost"}
    assert validate_journey(condition(nested(20))) == []
    assert validate_journey(condition(nested(21)), limits=Limits(max_rule_depth=21)) == []


def test_settings_nested_deeper_than_any_rule_are_refused_too():
    doc = condition(LEAF)
    deep: object = "x"
    for _ in range(300):
        deep = {"a": deep}
    doc["nodes"][1]["data"]["config"]["extra"] = deep
    [issue] = [issue for issue in validate_journey(doc) if issue.code == "rule.too_deep"]
    assert (issue.node_id, issue.field) == ("check", "config.extra")


def test_json_nested_beyond_what_can_be_decoded_is_an_issue_not_a_crash():
    text = '{"nodes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    [issue] = validate_journey(text)
    assert issue.code == "rule.too_deep"


def test_compiling_a_published_version_holds_it_to_the_ceiling_not_the_default():
    compiled = compile_journey(chain(600))  # published when the workspace allowed 600 steps
    assert len(compiled.configs) == 600
    with pytest.raises(InvalidJourneyError) as refused:
        compile_journey(chain(CEILING.max_steps + 1))
    assert refused.value.issues[0].code == "journey.too_large"
    with pytest.raises(InvalidJourneyError):
        compile_journey(condition(nested(CEILING.max_rule_depth + 1)))
