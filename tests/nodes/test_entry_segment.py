"""entry.segment: a saved segment or a rule, never both, and what the runtime gets to enrol."""

from __future__ import annotations

from nodes.entry_segment import SPEC, Config
from nodes.kit.rules import Attr, HasTag, Op
from nodes.kit.spec import AudienceTrigger, Problem, Ref


def test_a_saved_segment_is_a_reference() -> None:
    config = Config(segment=7, include_existing=False)
    assert SPEC.check(config) == []
    assert SPEC.refs(config) == [Ref("segment", 7, "segment")]
    assert SPEC.trigger(config) == AudienceTrigger(rule=None, segment=7, include_existing=False)


def test_a_rule_is_handed_to_the_trigger() -> None:
    rule = HasTag(tag="newsletter")
    config = Config(rule=rule)
    assert SPEC.refs(config) == []
    assert SPEC.trigger(config) == AudienceTrigger(rule=rule, segment=None, include_existing=True)


def test_check_wants_exactly_one_audience() -> None:
    assert SPEC.check(Config()) == [
        Problem("segment", "Choose a saved segment or build an audience rule")]
    assert SPEC.check(Config(segment=7, rule=HasTag(tag="vip"))) == [Problem(
        "rule", "Use either a saved segment or an audience rule, not both: clear one of them")]


def test_check_reports_rule_problems() -> None:
    config = Config(rule=Attr(field="created_at", op=Op.GT, value="last week"))
    assert SPEC.check(config) == [Problem(
        "rule", "Audience rule: 'created_at' compares with a date (2024-05-01) or a UTC time "
                "(2024-05-01T09:30:00Z)")]
