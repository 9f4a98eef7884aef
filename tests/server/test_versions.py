"""Versions side by side and a version back as the draft, over the real app: the diff
endpoint (live vs draft by default, any two versions, unknown ones refused), restoring (the
draft becomes the version, audited with what it changed; archived journeys refused; viewers
refused), and the version list's status and publish summaries."""

from __future__ import annotations

import copy

from sqlalchemy import select

from runtime.store.team_models import AuditEvent, Role
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import drain
from tests.server.test_journeys import create, customers, waiting_journey


def two_versions(client, app_context) -> tuple[int, dict, dict]:
    """A journey published twice (customers on version 1 stay there) and edited once more:
    (id, version 1's document, the draft)."""
    customers(app_context, 2)
    first = waiting_journey()
    journey_id = create(client, "Welcome", first)["journey"]["id"]
    assert client.post(f"/api/journeys/{journey_id}/publish").status_code == 200
    drain(app_context.runtime)
    second = copy.deepcopy(first)
    second["nodes"][1]["data"]["label"] = "Wait two days"
    second["nodes"][1]["data"]["config"]["duration"]["amount"] = 2
    save(client, journey_id, second)
    assert client.post(f"/api/journeys/{journey_id}/publish").status_code == 200
    draft = copy.deepcopy(second)
    draft["nodes"].append(node("bye", "flow.exit", "Goodbye"))
    draft["edges"] = [e for e in draft["edges"] if e["source"] != "wait"]
    draft["edges"].append(edge("wait", "bye", "next"))
    save(client, journey_id, draft)
    return journey_id, first, draft


def save(client, journey_id: int, doc: dict) -> dict:
    response = client.patch(f"/api/journeys/{journey_id}", json={"document": doc})
    assert response.status_code == 200, response.text
    return response.json()


def test_diff_is_live_against_the_draft_by_default(client, app_context):
    journey_id, _, _ = two_versions(client, app_context)
    answer = client.get(f"/api/journeys/{journey_id}/diff")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["from"] == {"ref": "2", "label": "Version 2 (live)", "number": 2}
    assert body["to"] == {"ref": "draft", "label": "Draft"}  # no documents over the API
    assert [(s["id"], s["change"]) for s in body["diff"]["steps"]] == [("bye", "added")]
    assert body["diff"]["summary"] == (
        "1 step added: 'Goodbye'; wire from 'Wait two days' moved from 'Done' to 'Goodbye'")


def test_diff_between_two_versions_names_each_changed_field(client, app_context):
    journey_id, _, _ = two_versions(client, app_context)
    body = client.get(f"/api/journeys/{journey_id}/diff",
                      params={"from": "1", "to": "live"}).json()
    [wait] = body["diff"]["steps"]
    assert [(f["label"], f["old_text"], f["new_text"]) for f in wait["fields"]] == [
        ("Name", "Wait a day", "Wait two days"),
        ("Wait for", "amount: 1, unit: days", "amount: 2, unit: days")]
    assert body["diff"]["wires"] == [] and body["diff"]["settings"] == []


def test_diff_refuses_unknown_versions_and_sides_clearly(client, app_context):
    journey_id, _, _ = two_versions(client, app_context)
    url = f"/api/journeys/{journey_id}/diff"
    unknown = client.get(url, params={"from": "9"})
    assert unknown.status_code == 404 and "version of 'Welcome' 9" in unknown.json()["detail"]
    assert client.get(url, params={"from": "99999999999"}).status_code == 404
    assert client.get(url, params={"from": "²"}).status_code == 422
    odd = client.get(url, params={"to": "yesterday"})
    assert odd.status_code == 422
    assert "'to' must be a version's number, 'live' or 'draft'" in odd.json()["detail"]
    fresh = create(client, "Never published")["journey"]["id"]
    never = client.get(f"/api/journeys/{fresh}/diff")
    assert never.status_code == 409 and "no live version" in never.json()["detail"]
    assert client.get("/api/journeys/999/diff").status_code == 404


def test_restore_makes_the_version_the_draft_and_says_what_it_changed(client, app_context):
    journey_id, first, _ = two_versions(client, app_context)
    before = client.get(f"/api/journeys/{journey_id}").json()["journey"]["draft_revision"]
    answer = client.post(f"/api/journeys/{journey_id}/versions/1/restore")
    assert answer.status_code == 200, answer.text
    restored = answer.json()
    assert restored["document"] == first  # version stamps dropped, as a draft holds it
    assert restored["journey"]["draft_revision"] == before + 1
    assert restored["journey"]["has_unpublished_changes"] is True
    with app_context.reading() as session:
        row = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "journey.restored")).one()
    assert row.object_id == str(journey_id) and row.after == {"revision": before + 1,
                                                               "version": 1}
    assert row.summary.startswith("restored version 1 as the draft: 1 step changed: "
                                  "'Wait a day' (Name, Wait for); 1 removed: 'Goodbye'")
    # Restoring it again changes nothing; publishing it makes version 3, as version 1 was.
    again = client.post(f"/api/journeys/{journey_id}/versions/1/restore").json()
    assert again["journey"]["draft_revision"] == before + 1
    assert client.post(f"/api/journeys/{journey_id}/publish").json()["version"] == 3
    same = client.get(f"/api/journeys/{journey_id}/diff", params={"from": "1", "to": "3"})
    assert same.json()["diff"]["summary"] == "no changes"


def test_restore_refuses_unknown_versions_archived_journeys_and_viewers(
        client, client_as, app_context):
    journey_id, _, _ = two_versions(client, app_context)
    unknown = client.post(f"/api/journeys/{journey_id}/versions/7/restore")
    assert unknown.status_code == 404 and "7" in unknown.json()["detail"]
    viewer = client_as(Role.VIEWER)
    assert viewer.get(f"/api/journeys/{journey_id}/diff").status_code == 200
    assert viewer.post(f"/api/journeys/{journey_id}/versions/1/restore").status_code == 403
    editor = client_as(Role.EDITOR)
    assert editor.post(f"/api/journeys/{journey_id}/versions/1/restore").status_code == 200
    assert client.post(f"/api/journeys/{journey_id}/archive").status_code == 200
    archived = client.post(f"/api/journeys/{journey_id}/versions/2/restore")
    assert archived.status_code == 409 and "archived" in archived.json()["detail"]


def test_versions_say_their_status_who_published_them_and_what_changed(client, app_context):
    journey_id, _, _ = two_versions(client, app_context)
    versions = client.get(f"/api/journeys/{journey_id}/versions").json()
    assert [(v["number"], v["status"], v["customers"]) for v in versions] == [
        (2, "live", 0), (1, "holding", 2)]
    assert versions[0]["summary"] == ("1 step changed: 'Wait two days' "
                                      "(Name, Wait for)")
    assert versions[1]["summary"] == "first version (3 steps)"
    assert "tests" in versions[0]["published_by"]  # the key that published it
    one = client.get(f"/api/journeys/{journey_id}/versions/1").json()["version"]
    assert one["summary"] == versions[1]["summary"]
    # Once nobody is in an old version any more, it is retired.
    assert client.post(f"/api/journeys/{journey_id}/archive").status_code == 200
    after = client.get(f"/api/journeys/{journey_id}/versions").json()
    assert [v["status"] for v in after] == ["retired", "retired"]


def test_a_simple_document_restores_across_kinds_versions(client, app_context):
    doc = document([node("in", "entry.api", "By API"), node("out", "flow.exit", "Done")],
                   [edge("in", "out", "next")])
    journey_id = create(client, "API", doc)["journey"]["id"]
    client.post(f"/api/journeys/{journey_id}/publish")
    save(client, journey_id, document([node("in", "entry.api", "By API")], []))
    restored = client.post(f"/api/journeys/{journey_id}/versions/1/restore").json()
    assert restored["document"] == doc and restored["issues"] == []
