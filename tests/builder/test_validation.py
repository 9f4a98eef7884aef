"""validate_journey: every problem at once, stable codes, node and field, plain words."""

from __future__ import annotations

import json
from collections import Counter

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.validation import CODES, Issue, has_errors, validate_journey
from nodes.kit.spec import Ref
from tests.builder.journeys import cart_abandonment, document, edge, node


def codes(issues: list[Issue]) -> Counter[str]:
    return Counter(issue.code for issue in issues)


def errors(issues: list[Issue]) -> list[Issue]:
    return [issue for issue in issues if issue.severity == "error"]


def test_a_good_journey_has_no_issues():
    assert validate_journey(cart_abandonment()) == []


def test_json_text_bytes_and_data_are_all_accepted():
    raw = json.dumps(cart_abandonment())
    assert validate_journey(raw) == validate_journey(raw.encode()) == []


def test_malformed_json_is_one_clear_issue():
    [issue] = validate_journey('{"nodes": [')
    assert issue.code == "document.invalid"
    assert "not valid JSON" in issue.message


def test_a_non_object_and_unknown_top_level_keys():
    assert codes(validate_journey("[1, 2]")) == {"document.invalid": 1}
    issues = validate_journey({**cart_abandonment(), "viewport": {"zoom": 1}})
    assert [(issue.code, issue.field) for issue in issues] == [("document.invalid", "viewport")]


def test_unknown_node_kind_names_the_node_and_the_known_kinds():
    doc = cart_abandonment()
    doc["nodes"][1]["type"] = "flow.teleport"
    issues = validate_journey(doc)
    [unknown] = [issue for issue in issues if issue.code == "node.unknown_kind"]
    assert (unknown.node_id, unknown.field) == ("wait", "type")
    assert "'flow.teleport' is not a kind of step" in unknown.message
    assert "flow.delay" in unknown.message
    assert "Bought within 1 hour?" in unknown.message


def test_unknown_config_field_is_an_error_not_ignored():
    doc = cart_abandonment()
    doc["nodes"][1]["data"]["config"]["colour"] = "red"
    [issue] = validate_journey(doc)
    assert (issue.code, issue.node_id, issue.field) == ("config.invalid", "wait", "config.colour")
    assert "'colour' is not a setting" in issue.message


def test_every_wrong_config_field_is_reported_with_its_title():
    doc = cart_abandonment()
    doc["nodes"][1]["data"]["config"] = {"event": "", "timeout": {"amount": 0, "unit": "years"},
                                        "where": "x"}
    issues = validate_journey(doc)
    fields = {issue.field for issue in issues if issue.code == "config.invalid"}
    assert {"config.event", "config.where"} <= fields
    assert any(field.startswith("config.timeout") for field in fields)
    assert all(issue.message.startswith("Bought within 1 hour?:") for issue in issues
               if issue.code == "config.invalid")


def test_a_missing_required_field():
    doc = cart_abandonment()
    del doc["nodes"][1]["data"]["config"]["timeout"]
    [issue] = validate_journey(doc)
    assert (issue.code, issue.field) == ("config.invalid", "config.timeout")
    assert "is required" in issue.message


def test_wrong_port_is_port_unknown():
    doc = cart_abandonment()
    doc["edges"][1]["sourceHandle"] = "yes"
    issues = validate_journey(doc)
    [unknown] = [issue for issue in issues if issue.code == "port.unknown"]
    assert unknown.node_id == "wait"
    assert "'matched', 'timeout'" in unknown.message
    # the 'matched' output is now open: customers who match would leave there
    assert any(issue.code == "port.unconnected" and issue.field == "ports.matched"
               for issue in issues)


def test_no_entry():
    doc = cart_abandonment()
    doc["nodes"] = doc["nodes"][1:]
    doc["edges"] = doc["edges"][1:]
    assert codes(errors(validate_journey(doc)))["graph.no_entry"] == 1


def test_many_entries_flags_each_extra_entry():
    doc = cart_abandonment()
    doc["nodes"].append(node("entry2", "entry.segment", "VIPs"))
    doc["edges"].append(edge("entry2", "wait"))
    issues = validate_journey(doc)
    [many] = [issue for issue in issues if issue.code == "graph.many_entries"]
    assert many.node_id == "entry2" and "'Added to cart'" in many.message


def test_cycle_marks_every_node_in_the_loop():
    doc = document(
        [node("in", "entry.event", "Signed up", {"event": "signup"}),
         node("a", "flow.delay", "Wait a day"), node("b", "flow.condition", "Active?")],
        [edge("in", "a"), edge("a", "b", "next"), edge("b", "a", "yes")])
    issues = validate_journey(doc)
    cycle = [issue for issue in issues if issue.code == "graph.cycle"]
    assert {issue.node_id for issue in cycle} == {"a", "b"}
    assert "Wait a day → Active? → Wait a day" in cycle[0].message or \
        "Active? → Wait a day → Active?" in cycle[0].message


def test_unreachable_node_is_a_warning():
    doc = cart_abandonment()
    doc["nodes"].append(node("orphan", "flow.delay", "Forgotten wait"))
    issues = validate_journey(doc)
    [orphan] = [issue for issue in issues if issue.code == "graph.unreachable"]
    assert (orphan.node_id, orphan.severity) == ("orphan", "warning")
    assert not has_errors(issues)


def test_unconnected_required_port_is_an_error_and_others_warn():
    doc = cart_abandonment()
    doc["edges"] = [e for e in doc["edges"] if e["source"] not in ("entry", "mail")]
    issues = validate_journey(doc)
    unconnected = {issue.node_id: issue for issue in issues if issue.code == "port.unconnected"}
    assert unconnected["entry"].severity == "error"
    assert unconnected["mail"].severity == "warning"
    assert "leave the journey here" in unconnected["mail"].message


def test_edges_that_are_not_allowed():
    doc = cart_abandonment()
    doc["edges"] += [edge("mail", "entry", "failed"),       # into an entry
                     {"id": "ghost", "source": "wait", "target": "nowhere"},
                     edge("wait", "done", "matched")]       # 'matched' already used
    issues = [issue for issue in validate_journey(doc) if issue.code == "edge.not_allowed"]
    messages = " | ".join(issue.message for issue in issues)
    assert len(issues) == 3
    assert "Nothing can lead into 'Added to cart'" in messages
    assert "doesn't exist" in messages
    assert "already leads to 'Bought'" in messages


def test_missing_references_are_reported_per_node():
    seen: list[Ref] = []

    def missing(refs):
        seen.extend(refs)
        return {("template", 1)}

    issues = validate_journey(cart_abandonment(), missing_refs=missing)
    [issue] = issues
    assert (issue.code, issue.node_id, issue.field) == ("ref.missing", "mail", "config.template")
    assert [ref.kind for ref in seen] == ["template"]


def test_settings_problems():
    doc = cart_abandonment()
    doc["settings"] = {"timezone": "Mars/Base", "reentry": "after", "max_entrants": 0}
    issues = validate_journey(doc)
    assert {issue.field for issue in issues} == {"settings.max_entrants"}
    doc["settings"] = {"timezone": "Mars/Base", "reentry": "after"}
    assert {issue.field for issue in validate_journey(doc)} == {
        "settings.timezone", "settings.reentry_after"}


def test_several_problems_are_reported_at_once():
    doc = cart_abandonment()
    doc["nodes"][1]["data"]["config"]["timeout"]["amount"] = 0           # config.invalid
    doc["nodes"].append({"id": "x", "type": "flow.nope", "position": {"x": 0, "y": 0}})
    doc["nodes"].append(node("entry2", "entry.api", "API"))             # many entries
    doc["edges"].append(edge("mail", "entry", "next"))                  # into entry + port used
    doc["settings"]["timezone"] = "Nowhere/City"                         # settings.invalid
    found = codes(validate_journey(doc))
    assert {"config.invalid", "node.unknown_kind", "graph.many_entries", "edge.not_allowed",
            "settings.invalid"} <= set(found)


def test_every_code_used_is_documented():
    doc = cart_abandonment()
    doc["edges"].append(edge("mail", "mail", "failed"))
    for issue in validate_journey(doc):
        assert issue.code in CODES


def test_issues_serialise_for_the_api():
    [issue] = validate_journey("{")
    assert msgspec.json.decode(msgspec.json.encode(issue))["code"] == "document.invalid"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "type", "nodes", "edges", "data", "config", "position", "source",
                         "target", "sourceHandle", "settings", "x", "y", "label"]),
        inner, max_size=5),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_gives_issues_never_a_traceback(raw):
    issues = validate_journey(raw)
    assert all(isinstance(issue, Issue) and issue.code in CODES for issue in issues)
