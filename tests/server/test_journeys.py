"""The journey endpoints over the real app and databases: create, list, edit with revisions,
validate, publish (and republish with customers in flight), pause, resume, archive, clone,
versions, export and import — and every refusal with its status and reason."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from runtime.errors import NotFoundError
from runtime.store.models import Customer, JourneyVersion, Run
from server.services import journeys
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, drain

EVERYONE = {"type": "and", "rules": []}


def waiting_journey(rule: dict | None = None) -> dict:
    """Audience entry → wait a day → exit: customers stay in it after publishing."""
    return document(
        [node("in", "entry.segment", "Audience", {"rule": rule or EVERYONE}),
         node("wait", "flow.delay", "Wait a day", {"duration": {"amount": 1, "unit": "days"}}),
         node("out", "flow.exit", "Done")],
        [edge("in", "wait", "next"), edge("wait", "out", "next")])


def create(client, name: str = "Welcome", doc: dict | None = None, **extra) -> dict:
    body = {"name": name, **extra}
    if doc is not None:
        body["document"] = doc
    response = client.post("/api/journeys", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def customers(app_context, count: int, **attributes) -> None:
    with app_context.writing() as session:
        ids = add_customers(session, count, app_context.now())
        if attributes:
            for customer in session.scalars(select(Customer).where(Customer.id.in_(ids))):
                customer.attributes = dict(attributes)


def runs_by_version(app_context, journey_id: int) -> dict[int, int]:
    """{version number: unfinished runs on it}."""
    with app_context.reading() as session:
        rows = session.execute(
            select(JourneyVersion.number, func.count(Run.id))
            .join(Run, Run.journey_version_id == JourneyVersion.id)
            .where(Run.journey_id == journey_id, Run.ended_at.is_(None))
            .group_by(JourneyVersion.number))
        return dict(rows.all())


# --- create, get, list -------------------------------------------------------------------------


def test_create_blank_and_with_a_document(client, app_context):
    blank = create(client, "  Blank ", description="from scratch")
    journey = blank["journey"]
    assert (journey["name"], journey["status"], journey["live_version"]) == ("Blank", "draft", None)
    assert (journey["draft_revision"], journey["description"]) == (1, "from scratch")
    assert blank["document"]["nodes"] == [] and blank["document"]["edges"] == []
    assert "graph.no_entry" in {issue["code"] for issue in blank["issues"]}

    full = create(client, "Full", waiting_journey())
    assert full["document"] == waiting_journey()
    assert full["issues"] == []
    assert client.get(f"/api/journeys/{full['journey']['id']}").json() == full


def test_create_refuses_unknown_kinds_naming_the_node(client, app_context):
    doc = waiting_journey()
    doc["nodes"][1]["type"] = "flow.teleport"
    response = client.post("/api/journeys", json={"name": "Odd", "document": doc})
    assert response.status_code == 422
    issue = response.json()["issues"][0]
    assert (issue["code"], issue["node_id"], issue["field"]) == ("node.unknown_kind", "wait",
                                                                 "type")
    assert "'flow.teleport'" in response.json()["detail"]
    assert client.get("/api/journeys").json()["total"] == 0

    not_a_document = client.post("/api/journeys", json={"name": "x", "document": {"steps": []}})
    assert not_a_document.status_code == 422
    assert not_a_document.json()["issues"][0]["field"] == "steps"
    assert client.post("/api/journeys", json={"name": ""}).status_code == 422
    assert client.post("/api/journeys", json={"name": "x", "colour": 1}).status_code == 422


def test_get_unknown_is_404_everywhere(client, app_context):
    for method, path in [("get", ""), ("patch", ""), ("post", "/validate"), ("post", "/publish"),
                         ("post", "/pause"), ("post", "/resume"), ("post", "/archive"),
                         ("delete", ""), ("post", "/clone"), ("get", "/versions"),
                         ("get", "/versions/1"), ("get", "/export")]:
        kwargs = {"json": {}} if method == "patch" else {}
        response = getattr(client, method)(f"/api/journeys/424242{path}", **kwargs)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == "not_found"


def test_list_filters_searches_pages_and_counts(client, app_context):
    customers(app_context, 3)
    live = create(client, "Spring sale", waiting_journey())["journey"]["id"]
    assert client.post(f"/api/journeys/{live}/publish").status_code == 200
    for name in ("Autumn sale", "Welcome", "Win-back"):
        create(client, name)

    everything = client.get("/api/journeys").json()
    assert everything["total"] == 4
    drafts = client.get("/api/journeys", params={"status": "draft"}).json()
    assert sorted(item["name"] for item in drafts["items"]) == ["Autumn sale", "Welcome",
                                                                "Win-back"]
    lives = client.get("/api/journeys", params={"status": "live"}).json()["items"]
    assert [(item["name"], item["live_version"]) for item in lives] == [("Spring sale", 1)]
    assert lives[0]["counts"] == {"active": 3, "entered": 3, "completed": 0, "exited": 0,
                                  "converted": 0}
    assert lives[0]["has_unpublished_changes"] is False

    found = client.get("/api/journeys", params={"search": "SALE"}).json()
    assert sorted(item["name"] for item in found["items"]) == ["Autumn sale", "Spring sale"]
    assert client.get("/api/journeys", params={"search": "50%_"}).json()["total"] == 0

    first = client.get("/api/journeys", params={"limit": 3}).json()
    rest = client.get("/api/journeys", params={"limit": 3, "offset": 3}).json()
    assert (len(first["items"]), len(rest["items"]), rest["total"]) == (3, 1, 4)
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in rest["items"]})
    assert client.get("/api/journeys", params={"status": "gone"}).status_code == 422
    assert client.get("/api/journeys", params={"limit": 0}).status_code == 422


# --- editing -----------------------------------------------------------------------------------


def test_update_saves_the_draft_and_refuses_stale_revisions(client, app_context):
    journey_id = create(client, "Draft")["journey"]["id"]
    saved = client.patch(f"/api/journeys/{journey_id}", json={
        "document": waiting_journey(), "revision": 1, "name": "Renamed"}).json()
    assert (saved["journey"]["draft_revision"], saved["journey"]["name"]) == (2, "Renamed")
    assert saved["document"] == waiting_journey()

    unchanged = client.patch(f"/api/journeys/{journey_id}", json={
        "document": waiting_journey(), "revision": 2}).json()
    assert unchanged["journey"]["draft_revision"] == 2  # the same document is not a new revision

    stale = client.patch(f"/api/journeys/{journey_id}", json={
        "document": document([], []), "revision": 1})
    assert stale.status_code == 409
    assert "revision 2" in stale.json()["detail"]
    assert client.get(f"/api/journeys/{journey_id}").json()["document"] == waiting_journey()

    odd = waiting_journey()
    odd["nodes"].append({"id": "x", "type": "flow.nowhere", "position": {"x": 0, "y": 0}})
    unknown = client.patch(f"/api/journeys/{journey_id}", json={"document": odd})
    assert unknown.status_code == 422 and unknown.json()["issues"][0]["node_id"] == "x"


def test_draft_revision_follows_saves_and_names_an_unknown_journey(client, app_context):
    journey_id = create(client, "Draft")["journey"]["id"]
    assert journeys.draft_revision(app_context, journey_id) == 1
    client.patch(f"/api/journeys/{journey_id}", json={"document": waiting_journey(),
                                                      "revision": 1})
    assert journeys.draft_revision(app_context, journey_id) == 2
    with pytest.raises(NotFoundError):
        journeys.draft_revision(app_context, journey_id + 1)


def test_archived_journeys_cant_be_edited(client, app_context):
    journey_id = create(client, "Old")["journey"]["id"]
    assert client.post(f"/api/journeys/{journey_id}/archive").status_code == 200
    refused = client.patch(f"/api/journeys/{journey_id}", json={"name": "New"})
    assert refused.status_code == 409
    assert "archived" in refused.json()["detail"] and "clone" in refused.json()["detail"]


def test_validate_reports_each_issue_with_node_and_field(client, app_context):
    doc = waiting_journey()
    doc["nodes"][1]["data"]["config"] = {"duration": {"amount": 0, "unit": "days"}}
    doc["edges"] = doc["edges"][:1]  # the wait leads nowhere
    journey_id = create(client, "Broken", doc)["journey"]["id"]
    report = client.post(f"/api/journeys/{journey_id}/validate").json()
    found = {(issue["code"], issue["node_id"]) for issue in report["issues"]}
    assert ("config.invalid", "wait") in found
    assert ("graph.unreachable", "out") in found
    config_issue = next(i for i in report["issues"] if i["code"] == "config.invalid")
    assert config_issue["field"].startswith("config.duration")
    assert report["publishable"] is False and report["errors"] >= 1

    unsaved = client.post("/api/journeys/validate", json={"document": waiting_journey()}).json()
    assert unsaved == {"issues": [], "errors": 0, "warnings": 0, "publishable": True}
    missing = client.post("/api/journeys/validate", json={"document": document(
        [node("in", "entry.segment", "Saved", {"segment": 999})], [])}).json()
    assert ("ref.missing", "in") in {(i["code"], i["node_id"]) for i in missing["issues"]}


# --- publishing and the lifecycle ----------------------------------------------------------------


def test_publish_invalid_is_409_with_the_issues(client, app_context):
    journey_id = create(client, "Empty")["journey"]["id"]
    refused = client.post(f"/api/journeys/{journey_id}/publish")
    assert refused.status_code == 409
    assert "graph.no_entry" in {issue["code"] for issue in refused.json()["issues"]}
    assert client.get(f"/api/journeys/{journey_id}").json()["journey"]["status"] == "draft"
    assert client.get(f"/api/journeys/{journey_id}/versions").json() == []


def test_refusals_speak_the_callers_language_with_the_same_codes(client, app_context):
    journey_id = create(client, "Empty")["journey"]["id"]
    english = client.post(f"/api/journeys/{journey_id}/publish")
    korean = client.post(f"/api/journeys/{journey_id}/publish",
                         headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert korean.status_code == english.status_code == 409
    assert [i["code"] for i in korean.json()["issues"]] == \
        [i["code"] for i in english.json()["issues"]]
    said = {i["code"]: i["message"] for i in korean.json()["issues"]}
    assert said["graph.no_entry"].startswith("여정에 진입이 없습니다")
    assert {i["code"]: i["message"] for i in english.json()["issues"]}[
        "graph.no_entry"].startswith("The journey has no entry")


def test_publish_enters_the_audience_and_republish_keeps_runs_on_their_version(
        client, app_context):
    customers(app_context, 3, plan="pro")
    customers(app_context, 2, plan="free")
    pro = {"type": "attr", "field": "plan", "op": "eq", "value": "pro"}
    journey_id = create(client, "Pros", waiting_journey(pro))["journey"]["id"]

    first = client.post(f"/api/journeys/{journey_id}/publish").json()
    assert (first["version"], first["entered"]) == (1, 3)
    assert first["journey"]["status"] == "live" and first["journey"]["live_version"] == 1
    drain(app_context.runtime)
    assert runs_by_version(app_context, journey_id) == {1: 3}

    doc = waiting_journey(pro)
    doc["nodes"][1]["data"]["label"] = "Wait longer"
    doc["nodes"][1]["data"]["config"]["duration"]["amount"] = 2
    edited = client.patch(f"/api/journeys/{journey_id}", json={"document": doc}).json()
    assert edited["journey"]["has_unpublished_changes"] is True
    customers(app_context, 1, plan="pro")
    second = client.post(f"/api/journeys/{journey_id}/publish").json()
    assert second["version"] == 2 and second["journey"]["has_unpublished_changes"] is False
    assert runs_by_version(app_context, journey_id) == {1: 3, 2: 1}

    versions = client.get(f"/api/journeys/{journey_id}/versions").json()
    assert [(v["number"], v["is_live"], v["customers"]) for v in versions] == [
        (2, True, 1), (1, False, 3)]
    old = client.get(f"/api/journeys/{journey_id}/versions/1").json()
    assert old["document"]["nodes"][1]["data"]["label"] == "Wait a day"
    assert old["document"]["nodes"][1]["version"] >= 1  # kinds' versions are frozen in
    assert client.get(f"/api/journeys/{journey_id}/versions/3").status_code == 404


def test_pause_resume_archive_and_refusals(client, app_context):
    customers(app_context, 2)
    journey_id = create(client, "Life", waiting_journey())["journey"]["id"]

    def act(action: str, expected: int) -> dict:
        response = client.post(f"/api/journeys/{journey_id}/{action}")
        assert response.status_code == expected, (action, response.text)
        return response.json()

    assert "only a live journey can be paused" in act("pause", 409)["detail"]
    assert "only a paused journey can be resumed" in act("resume", 409)["detail"]
    act("publish", 200)
    assert "only a paused journey can be resumed" in act("resume", 409)["detail"]
    assert act("pause", 200)["status"] == "paused"
    assert "only a live journey" in act("pause", 409)["detail"]
    assert act("publish", 200)["journey"]["status"] == "paused"  # publishing keeps it paused
    assert act("resume", 200)["status"] == "live"
    archived = act("archive", 200)
    assert (archived["journey"]["status"], archived["ended_runs"]) == ("archived", 2)
    assert "archived already" in act("archive", 409)["detail"]
    assert "clone it instead" in act("publish", 409)["detail"]
    assert act("resume", 409)["error"] == "wrong_state"
    with app_context.reading() as session:
        reasons = set(session.scalars(select(Run.exit_reason).where(Run.journey_id == journey_id)))
    assert reasons == {"journey archived"}


def test_delete_archives_and_keeps_history(client, app_context):
    customers(app_context, 1)
    journey_id = create(client, "Gone", waiting_journey())["journey"]["id"]
    client.post(f"/api/journeys/{journey_id}/publish")
    deleted = client.delete(f"/api/journeys/{journey_id}")
    assert deleted.status_code == 200 and deleted.json()["ended_runs"] == 1
    assert client.get(f"/api/journeys/{journey_id}").json()["journey"]["status"] == "archived"
    assert len(client.get(f"/api/journeys/{journey_id}/versions").json()) == 1
    assert client.delete(f"/api/journeys/{journey_id}").status_code == 409


def test_clone_is_a_new_draft_with_no_customers(client, app_context):
    customers(app_context, 2)
    source = create(client, "Original", waiting_journey())["journey"]["id"]
    client.post(f"/api/journeys/{source}/publish")
    copied = client.post(f"/api/journeys/{source}/clone").json()
    assert copied["journey"]["name"] == "Copy of Original"
    assert copied["journey"]["status"] == "draft" and copied["journey"]["live_version"] is None
    assert copied["journey"]["counts"]["entered"] == 0
    assert copied["document"] == waiting_journey()
    named = client.post(f"/api/journeys/{source}/clone", json={"name": "Second"})
    assert named.status_code == 201 and named.json()["journey"]["name"] == "Second"
    assert client.post(f"/api/journeys/{source}/archive").status_code == 200
    assert client.post(f"/api/journeys/{source}/clone").status_code == 201  # archived: still


# --- export and import -------------------------------------------------------------------------


def test_export_import_round_trip(client, app_context):
    source = create(client, "Welcome / 웰컴", waiting_journey(), description="new signups")
    exported = client.get(f"/api/journeys/{source['journey']['id']}/export")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == (
        "attachment; filename=\"Welcome.json\"; "
        "filename*=UTF-8''Welcome%20%2F%20%EC%9B%B0%EC%BB%B4.json")
    file = exported.json()
    assert (file["format"], file["format_version"]) == ("wayline.journey", 1)

    imported = client.post("/api/journeys/import", json=file)
    assert imported.status_code == 201, imported.text
    again = imported.json()
    assert again["journey"]["id"] != source["journey"]["id"]
    assert (again["journey"]["name"], again["journey"]["description"]) == (
        "Welcome / 웰컴", "new signups")
    assert again["document"] == source["document"] and again["issues"] == []


def test_import_refuses_unknown_kinds_and_other_formats(client, app_context):
    doc = waiting_journey()
    doc["nodes"][2]["type"] = "action.fax"
    refused = client.post("/api/journeys/import", json={"name": "Faxes", "document": doc})
    assert refused.status_code == 422
    issue = refused.json()["issues"][0]
    assert (issue["code"], issue["node_id"]) == ("node.unknown_kind", "out")
    assert "action.fax" in issue["message"]
    assert client.get("/api/journeys").json()["total"] == 0

    other = client.post("/api/journeys/import", json={"name": "x", "document": doc,
                                                      "format": "n8n.workflow"})
    assert other.status_code == 422
    newer = client.post("/api/journeys/import", json={"name": "x", "document": waiting_journey(),
                                                      "format_version": 99})
    assert newer.status_code == 422

    unfinished = waiting_journey()
    unfinished["edges"] = []  # imported as a draft, with its problems listed to fix
    draft = client.post("/api/journeys/import", json={"name": "WIP", "document": unfinished})
    assert draft.status_code == 201
    assert draft.json()["issues"]


def test_publish_enters_a_saved_segment(client, app_context):
    customers(app_context, 2, plan="pro")
    customers(app_context, 3, plan="free")
    segment = client.post("/api/segments", json={"name": "Pros", "rule": {
        "type": "attr", "field": "plan", "op": "eq", "value": "pro"}}).json()
    doc = waiting_journey()
    doc["nodes"][0]["data"]["config"] = {"segment": segment["id"]}
    journey_id = create(client, "Saved", doc)["journey"]["id"]
    published = client.post(f"/api/journeys/{journey_id}/publish").json()
    assert (published["version"], published["entered"]) == (1, 2)
