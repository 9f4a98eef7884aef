"""What changed between two journey documents: steps added, removed and changed field by
field (named by their labels and the form's field titles), wires added, removed and moved
(named by step and port), settings, and the sentence approvals and the audit trail show."""

from __future__ import annotations

import copy

from builder.diff import diff_documents, summarize_changes, value_text
from tests.builder.journeys import cart_abandonment, node


def edited_cart() -> dict:
    """The cart journey with a longer wait, a KakaoTalk nudge before the reminder, and a
    different re-entry rule (moved on the canvas too, which is no change)."""
    doc = copy.deepcopy(cart_abandonment())
    wait = doc["nodes"][1]
    wait["data"]["config"]["timeout"]["amount"] = 2
    wait["position"] = {"x": 300, "y": 40}
    doc["nodes"].append(node("nudge", "flow.delay", "Wait a day",
                             {"duration": {"amount": 1, "unit": "days"}}))
    [timeout] = [e for e in doc["edges"] if e.get("sourceHandle") == "timeout"]
    timeout["target"] = "nudge"
    doc["edges"].append({"id": "nudge-mail", "source": "nudge", "target": "mail"})
    doc["settings"]["reentry"] = "always"
    return doc


def test_a_changed_step_lists_its_fields_with_the_forms_labels_and_both_values():
    diff = diff_documents(cart_abandonment(), edited_cart())
    changed = {step.id: step for step in diff.steps}
    assert changed["nudge"].change == "added" and changed["nudge"].label == "Wait a day"
    wait = changed["wait"]
    assert (wait.change, wait.label, wait.kind) == ("changed", "Bought within 1 hour?",
                                                    "Wait for event")
    [timeout] = wait.fields
    assert (timeout.field, timeout.label) == ("config.timeout", "Give up after")
    assert timeout.old == {"amount": 1, "unit": "hours"}
    assert (timeout.old_text, timeout.new_text) == ("amount: 1, unit: hours",
                                                    "amount: 2, unit: hours")
    assert "mail" not in changed and "entry" not in changed  # untouched: not listed
    [reentry] = diff.settings
    assert (reentry.label, reentry.old_text, reentry.new_text) == ("Re-entry", "not set",
                                                                   "always")


def test_a_port_that_leads_elsewhere_is_one_wire_moved_named_by_step_and_port():
    diff = diff_documents(cart_abandonment(), edited_cart())
    by_change = {wire.change: wire for wire in diff.wires}
    assert set(by_change) == {"moved", "added"}
    moved = by_change["moved"]
    assert (moved.source, moved.port, moved.old_target, moved.target) == (
        "wait", "timeout", "mail", "nudge")
    assert moved.text == ("wire from 'Bought within 1 hour?' Timed out moved from "
                          "'Reminder email' to 'Wait a day'")
    assert by_change["added"].edge_id == "nudge-mail"  # the canvas marks it by id


def test_the_summary_names_steps_fields_wires_and_settings():
    summary = summarize_changes(cart_abandonment(), edited_cart())
    assert summary == (
        "1 step changed: 'Bought within 1 hour?' (Give up after); 1 added: 'Wait a day'; "
        "wire from 'Bought within 1 hour?' Timed out moved from 'Reminder email' to "
        "'Wait a day'; settings changed: Re-entry")


def test_removed_steps_take_their_wires_with_them_in_the_summary():
    old, new = cart_abandonment(), cart_abandonment()
    new["nodes"] = [n for n in new["nodes"] if n["id"] != "done"]
    new["edges"] = [e for e in new["edges"] if e["target"] != "done"]
    diff = diff_documents(old, new)
    assert [(s.id, s.change) for s in diff.steps] == [("done", "removed")]
    assert [w.change for w in diff.wires] == ["removed"]  # listed in the diff...
    assert diff.summary == "1 step removed: 'Reminded'"  # ...but not told twice


def test_renames_kinds_and_many_changes_are_said_briefly():
    old = cart_abandonment()
    new = copy.deepcopy(old)
    for item in new["nodes"]:
        item["data"]["label"] += "!"
    diff = diff_documents(old, new)
    assert all(step.fields[0].label == "Name" for step in diff.steps)
    assert diff.summary.startswith("5 steps changed: 'Added to cart!' (Name), ")
    assert diff.summary.endswith(" and 2 more")


def test_nothing_moved_but_positions_and_version_stamps_is_no_change():
    old = cart_abandonment()
    new = copy.deepcopy(old)
    for index, item in enumerate(new["nodes"]):
        item["position"] = {"x": index * 10, "y": 5}
        item["version"] = 1
    assert diff_documents(old, new).steps == []
    assert summarize_changes(old, new) == "no changes"
    assert summarize_changes(None, old) == "first version (5 steps)"


def test_unreadable_documents_are_compared_as_they_are():
    diff = diff_documents({"nodes": "?"}, {"nodes": [{"id": "x", "type": "flow.teleport"}],
                                           "edges": [5]})
    assert [(s.id, s.kind, s.label) for s in diff.steps] == [("x", "flow.teleport", "x")]


def test_values_read_as_a_marketer_would_see_them():
    assert [value_text(v) for v in (None, True, "", [], "안녕하세요", {"a": [1, 2]})] == [
        "not set", "yes", "empty", "empty", "안녕하세요", "a: [1, 2]"]
    assert value_text("x" * 200).endswith("…") and len(value_text("x" * 200)) == 80
