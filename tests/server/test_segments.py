"""Segments over the real app and databases: CRUD, rule checks, unique names, refusal to delete
one a journey uses (through the node kinds' refs), and who is in a segment now."""

from __future__ import annotations

from sqlalchemy import select

from runtime.store.models import Customer
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template

PRO = {"type": "attr", "field": "plan", "op": "eq", "value": "pro"}
PRO_SAVED = {**PRO, "unit": "days"}  # rules are saved with their defaults filled in


def seed(app_context, plans: list[str]) -> None:
    """One customer per plan."""
    with app_context.writing() as session:
        ids = add_customers(session, len(plans), app_context.now())
        for customer in session.scalars(select(Customer).where(Customer.id.in_(ids))):
            customer.attributes = {"plan": plans[ids.index(customer.id)]}


def make(client, name: str = "Pro plan", rule: dict | None = None, **extra) -> dict:
    response = client.post("/api/segments", json={"name": name, "rule": rule or PRO, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def segment_journey(app_context, segment_id: int, name: str = "Pros") -> int:
    """A draft journey whose entry uses the segment."""
    doc = document([node("in", "entry.segment", "Pro customers", {"segment": segment_id}),
                    node("out", "flow.exit", "Done")], [edge("in", "out", "next")])
    with app_context.writing() as session:
        return add_journey(session, doc, name)


def test_create_get_list_update_delete(client, app_context):
    seed(app_context, ["pro", "free", "pro"])
    created = make(client, "  Pro plan ", description="Paying customers")
    assert created["name"] == "Pro plan"
    assert created["rule"] == PRO_SAVED
    assert created["customers"] == 2
    assert created["used_by"] == []

    got = client.get(f"/api/segments/{created['id']}").json()
    assert got == created

    make(client, "Free plan", {**PRO, "value": "free"})
    page = client.get("/api/segments").json()
    assert [item["name"] for item in page["items"]] == ["Free plan", "Pro plan"]
    assert page["total"] == 2 and page["items"][0]["customers"] is None
    counted = client.get("/api/segments", params={"counts": "true", "search": "PRO"}).json()
    assert [(item["name"], item["customers"]) for item in counted["items"]] == [("Pro plan", 2)]

    changed = client.patch(f"/api/segments/{created['id']}", json={
        "rule": {**PRO, "value": "free"}, "description": "now free"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["customers"] == 1
    assert changed.json()["name"] == "Pro plan"
    assert changed.json()["description"] == "now free"

    assert client.delete(f"/api/segments/{created['id']}").status_code == 204
    assert client.get(f"/api/segments/{created['id']}").status_code == 404
    assert client.delete(f"/api/segments/{created['id']}").status_code == 404
    assert client.patch(f"/api/segments/{created['id']}", json={}).status_code == 404


def test_rule_problems_are_listed_with_their_paths(client, app_context):
    response = client.post("/api/segments", json={"name": "Bad", "rule": {"type": "and", "rules": [
        {"type": "attr", "field": "age", "op": "gt", "value": True},
        {"type": "attr", "field": "plan", "op": "in", "value": []},
        {"type": "event", "event": "buy", "where": [
            {"type": "attr", "field": "sku", "op": "between", "value": [3, 1]}]}]}})
    assert response.status_code == 422
    body = response.json()
    assert [issue["field"] for issue in body["issues"]] == [
        "rule.rules[0]", "rule.rules[1]", "rule.rules[2].where[0]"]
    assert "'age' gt needs a number or a date" in body["issues"][0]["message"]

    unknown = client.post("/api/segments", json={"name": "Bad", "rule": {"type": "attr",
                                                                          "field": "plan",
                                                                          "op": "is"}})
    assert unknown.status_code == 422
    assert unknown.json()["issues"][0]["field"] == "rule.op"

    made = make(client)
    patched = client.patch(f"/api/segments/{made['id']}", json={
        "rule": {"type": "attr", "field": "plan", "op": "exists", "value": 1}})
    assert patched.status_code == 422
    assert patched.json()["issues"][0]["field"] == "rule"
    assert client.get(f"/api/segments/{made['id']}").json()["rule"] == PRO_SAVED


def test_names_are_unique_ignoring_case(client, app_context):
    first = make(client, "VIP")
    duplicate = client.post("/api/segments", json={"name": "vip", "rule": PRO})
    assert duplicate.status_code == 422
    issue = duplicate.json()["issues"][0]
    assert (issue["code"], issue["field"]) == ("name.taken", "name")
    assert "'VIP' already exists" in issue["message"]

    other = make(client, "Others")
    renamed = client.patch(f"/api/segments/{other['id']}", json={"name": "Vip "})
    assert renamed.status_code == 422 and renamed.json()["issues"][0]["field"] == "name"
    # Renaming a segment to its own name (in another case) is fine.
    same = client.patch(f"/api/segments/{first['id']}", json={"name": "vip"})
    assert same.status_code == 200 and same.json()["name"] == "vip"


def test_delete_is_refused_while_a_journey_uses_it(client, app_context):
    segment = make(client)
    spare = make(client, "Spare")
    journey_id = segment_journey(app_context, segment["id"], "Pro welcome")

    used = client.get(f"/api/segments/{segment['id']}").json()["used_by"]
    assert [(use["id"], use["name"], use["status"], use["nodes"], use["where"])
            for use in used] == [(journey_id, "Pro welcome", "draft", ["Pro customers"],
                                  ["draft"])]
    items = client.get("/api/segments").json()["items"]
    listed = {item["name"]: item["journeys"] for item in items}
    assert listed == {"Pro plan": 1, "Spare": 0}

    refused = client.delete(f"/api/segments/{segment['id']}")
    assert refused.status_code == 409
    assert "'Pro welcome'" in refused.json()["detail"]
    assert refused.json()["issues"][0]["node_id"] == "in"

    # Published, its live version keeps using the segment even after the draft moves away.
    assert client.post(f"/api/journeys/{journey_id}/publish").status_code == 200
    doc = client.get(f"/api/journeys/{journey_id}").json()["document"]
    doc["nodes"][0]["data"]["config"]["segment"] = spare["id"]
    assert client.patch(f"/api/journeys/{journey_id}", json={"document": doc}).status_code == 200
    still = client.delete(f"/api/segments/{segment['id']}")
    assert still.status_code == 409
    uses = client.get(f"/api/segments/{segment['id']}").json()["used_by"]
    assert uses[0]["status"] == "live" and uses[0]["where"] == ["live version"]

    # Archived journeys use nothing any more.
    assert client.post(f"/api/journeys/{journey_id}/archive").status_code == 200
    assert client.delete(f"/api/segments/{segment['id']}").status_code == 204
    assert client.delete(f"/api/segments/{spare['id']}").status_code == 204


def test_a_journey_using_only_a_template_does_not_hold_a_segment(client, app_context):
    segment = make(client)
    with app_context.writing() as session:
        template_id = add_template(session, "email")
        add_journey(session, document(
            [node("in", "entry.event", "Signed up", {"event": "signup"}),
             node("mail", "action.send", "Mail", {"channel": "email", "template": template_id})],
            [edge("in", "mail", "next")]))
    assert client.get(f"/api/segments/{segment['id']}").json()["used_by"] == []
    assert client.delete(f"/api/segments/{segment['id']}").status_code == 204


def test_segment_audience_pages_its_customers(client, app_context):
    seed(app_context, ["pro", "free", "pro", "pro"])
    segment = make(client)
    first = client.get(f"/api/segments/{segment['id']}/audience", params={"limit": 2}).json()
    assert first["count"] == 3
    assert [row["external_id"] for row in first["customers"]] == ["c0", "c2"]
    rest = client.get(f"/api/segments/{segment['id']}/audience",
                      params={"limit": 2, "after": first["next_after"]}).json()
    assert [row["external_id"] for row in rest["customers"]] == ["c3"]
    assert client.get("/api/segments/999999/audience").status_code == 404


def test_bad_requests_are_422_not_500(client, app_context):
    assert client.post("/api/segments", json={"name": "", "rule": PRO}).status_code == 422
    assert client.post("/api/segments", json={"rule": PRO}).status_code == 422
    assert client.post("/api/segments", content=b"{not json",
                       headers={"Content-Type": "application/json"}).status_code == 422
    assert client.post("/api/segments", content=b"{not json").status_code == 415
    assert client.post("/api/segments", json={"name": "x", "rule": PRO,
                                              "colour": "red"}).status_code == 422
    assert client.get("/api/segments", params={"limit": 0}).status_code == 422
    assert client.get("/api/segments/0").status_code in (404, 422)
