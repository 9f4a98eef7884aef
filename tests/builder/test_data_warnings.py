"""Warnings for attributes and events the workspace's data lacks (the validator's
`unknown_names` hook): stable codes, the step and field named, never an error."""

from __future__ import annotations

from builder.validation import CODES, data_issues, has_errors, validate_journey
from tests.builder.journeys import document, edge, node

RULE = {"type": "and", "rules": [
    {"type": "attr", "field": "score", "op": "gte", "value": 50},
    {"type": "attr", "field": "email", "op": "exists"},
    {"type": "event", "event": "buy", "where": [{"type": "attr", "field": "amount",
                                                 "op": "exists"}]}]}


def journey() -> dict:
    return document(
        [node("in", "entry.event", "Signed up", {"event": "signup", "where": [
            {"type": "attr", "field": "channel", "op": "eq", "value": "app"}]}),
         node("vip", "flow.condition", "Is VIP", {"rule": RULE}),
         node("wait", "flow.wait_event", "Wait for an open",
              {"event": "open", "timeout": {"amount": 1, "unit": "days"}}),
         node("out", "flow.exit")],
        [edge("in", "vip"), edge("vip", "wait", "yes"), edge("vip", "out", "no"),
         edge("wait", "out", "matched"), edge("wait", "out", "timeout")],
        goal={"event": "purchase", "within": {"amount": 3, "unit": "days"}})


def nothing_known(attributes, events):
    return set(attributes) - {"email"}, set(events)


def test_every_unknown_name_is_a_warning_at_its_field() -> None:
    issues = data_issues(journey(), None, nothing_known)
    assert {(issue.code, issue.node_id, issue.field) for issue in issues} == {
        ("data.unknown_event", "in", "config.event"),
        ("data.unknown_attribute", "vip", "config.rule.rules[0].field"),
        ("data.unknown_event", "vip", "config.rule.rules[2].event"),
        ("data.unknown_event", "wait", "config.event"),
        ("data.unknown_event", None, "settings.goal.event")}
    assert all(issue.severity == "warning" for issue in issues) and not has_errors(issues)
    assert {issue.code for issue in issues} <= set(CODES)
    score = next(issue for issue in issues if issue.field == "config.rule.rules[0].field")
    assert score.message == ("Is VIP: no customer has the attribute 'score' yet (in "
                             "'Condition'); check the spelling, or import customers who have "
                             "it.")


def test_property_filters_are_not_attributes() -> None:
    asked = []

    def record(attributes, events):
        asked.append((set(attributes), set(events)))
        return set(), set()

    assert data_issues(journey(), None, record) == []
    assert asked == [({"score", "email"}, {"signup", "buy", "open", "purchase"})]


def test_without_the_hook_nothing_is_asked() -> None:
    assert not any(issue.code.startswith("data.") for issue in validate_journey(journey()))


def test_date_entries_and_exit_criteria_are_checked_too() -> None:
    doc = document([node("in", "entry.date", "Birthday", {"attribute": "birthdy"}),
                    node("out", "flow.exit")], [edge("in", "out")],
                   exit_when={"event": "unsubscribed"})
    issues = data_issues(doc, None, nothing_known)
    assert {(issue.code, issue.node_id, issue.field) for issue in issues} == {
        ("data.unknown_attribute", "in", "config.attribute"),
        ("data.unknown_event", None, "settings.exit_when.event")}
