"""Limits answer 422 (or 409 to publish, 413 for a body too big), never 500 or a hang: journey
size and rule depth, every problem of a refused journey at once, the size of what customers
send, the times they send, and request bodies."""

from __future__ import annotations

import dataclasses
import json

import pytest
from litestar.testing import TestClient

from runtime.run.lifecycle import install_limits
from runtime.store.models import Journey, JourneyStatus
from server.app import create_app
from server.context import Wayline
from tests.builder.journeys import document, edge, node
from tests.builder.test_limits import LEAF, nested
from tests.server.conftest import sign_in


def exits(count: int) -> dict:
    """A document of `count` bare exit steps (small: 20,000 of them fit a request)."""
    return document([{"id": f"x{index}", "type": "flow.exit", "position": {"x": 0, "y": 0}}
                     for index in range(count)], [])


def condition(rule: dict) -> dict:
    """entry → condition on `rule` → exit on both branches."""
    return document(
        [node("entry", "entry.event", "Signed up", {"event": "signup"}),
         node("check", "flow.condition", "VIP?", {"rule": rule}), node("out", "flow.exit")],
        [edge("entry", "check", "next"), edge("check", "out", "yes"), edge("check", "out", "no")])


def codes(answer) -> list[str]:
    return [issue["code"] for issue in answer.json()["issues"]]


# --- journey size and rule depth ---------------------------------------------------------------


def test_a_journey_of_20_000_steps_is_refused_on_create_import_save_and_validate(client):
    huge = exits(20_000)
    created = client.post("/api/journeys", json={"name": "Huge", "document": huge})
    assert created.status_code == 422 and codes(created) == ["journey.too_large"]
    assert "20,000 steps" in created.json()["detail"]
    imported = client.post("/api/journeys/import", json={"name": "Huge", "document": huge})
    assert imported.status_code == 422 and codes(imported) == ["journey.too_large"]
    journey_id = client.post("/api/journeys", json={"name": "Small"}).json()["journey"]["id"]
    saved = client.patch(f"/api/journeys/{journey_id}", json={"document": huge})
    assert saved.status_code == 422 and codes(saved) == ["journey.too_large"]
    report = client.post("/api/journeys/validate", json={"document": huge}).json()
    assert not report["publishable"] and [i["code"] for i in report["issues"]] == [
        "journey.too_large"]
    assert client.get("/api/journeys").json()["total"] == 1


def test_a_draft_over_the_limit_is_refused_on_publish(client, app_context):
    with app_context.writing() as session:  # saved before the limit was lowered
        journey = Journey(name="Old", draft=exits(600), status=JourneyStatus.DRAFT,
                          created_at=app_context.now(), updated_at=app_context.now())
        session.add(journey)
        session.flush()
        journey_id = journey.id
    published = client.post(f"/api/journeys/{journey_id}/publish")
    assert published.status_code == 409 and codes(published) == ["journey.too_large"]


def test_the_limits_are_the_workspaces_settings(app_context):
    settings = dataclasses.replace(app_context.settings, max_journey_steps=10, max_rule_depth=3)
    small = Wayline(dataclasses.replace(app_context.runtime, settings=settings))
    try:
        with TestClient(create_app(small), raise_server_exceptions=False) as client:
            sign_in(client, small)
            too_big = client.post("/api/journeys", json={"name": "x", "document": exits(11)})
            assert too_big.status_code == 422 and "at most 10" in too_big.json()["detail"]
            deep = client.post("/api/segments", json={"name": "Deep", "rule": nested(4)})
            assert deep.status_code == 422 and codes(deep) == ["rule.too_deep"]
            assert client.post("/api/segments", json={"name": "Ok", "rule": nested(3)}
                               ).status_code == 201
    finally:
        install_limits(app_context.settings.limits)


def test_a_rule_nested_500_deep_answers_422_everywhere_rules_are_sent(client):
    deep = nested(500)
    created = client.post("/api/journeys", json={"name": "Deep", "document": condition(deep)})
    assert created.status_code == 422 and codes(created)[0] == "rule.too_deep"
    issue = created.json()["issues"][0]
    assert (issue["node_id"], issue["field"]) == ("check", "config.rule")
    segment = client.post("/api/segments", json={"name": "Deep", "rule": deep})
    assert segment.status_code == 422 and codes(segment) == ["rule.too_deep"]
    assert segment.json()["issues"][0]["field"] == "rule"
    fine = client.post("/api/segments", json={"name": "Fine", "rule": nested(20)})
    assert fine.status_code == 201, fine.text
    changed = client.patch(f"/api/segments/{fine.json()['id']}", json={"rule": deep})
    assert changed.status_code == 422 and codes(changed) == ["rule.too_deep"]
    preview = client.post("/api/audience/preview", json={"rule": deep})
    assert preview.status_code == 422 and codes(preview) == ["rule.too_deep"]
    explain = client.post("/api/audience/explain", json={"rule": deep, "external_id": "c1"})
    assert explain.status_code == 422 and codes(explain) == ["rule.too_deep"]


def test_a_body_nested_thousands_deep_answers_422_not_500(client, ingest_headers):
    text = json.dumps({"name": "Deep", "rule": LEAF}).replace(
        json.dumps(LEAF), '{"type": "not", "rule": ' * 5000 + json.dumps(LEAF) + "}" * 5000)
    answer = client.post("/api/segments", content=text,
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and codes(answer) == ["request.too_deep"]
    event = ('{"external_id": "c1", "name": "deep", "properties": ' + '{"a": ' * 5000 + "1" +
             "}" * 5000 + "}")
    answer = client.post("/api/events", content=event,
                         headers={**ingest_headers, "Content-Type": "application/json"})
    assert answer.status_code == 422 and codes(answer) == ["request.too_deep"]


# --- every problem of a refused journey at once -----------------------------------------------


@pytest.mark.parametrize("path", ["/api/journeys", "/api/journeys/import"])
def test_a_refused_journey_lists_every_problem_with_its_node_and_field(client, path):
    doc = condition(LEAF)
    doc["nodes"][1]["type"] = "flow.teleport"
    doc["nodes"].append(node("wait", "flow.delay", "Wait", {"duration": {"amount": 0}}))
    doc["nodes"].append(node("mail", "action.send", "Mail", {"channel": "email",
                                                             "template": 999}))
    answer = client.post(path, json={"name": "Odd", "document": doc})
    assert answer.status_code == 422
    found = [(issue["code"], issue["node_id"]) for issue in answer.json()["issues"]]
    assert found[0] == ("node.unknown_kind", "check")  # what refuses it comes first
    assert ("config.invalid", "wait") in found and ("ref.missing", "mail") in found
    assert ("port.unconnected", "mail") in found
    assert "other problem" in answer.json()["detail"]
    assert client.get("/api/journeys").json()["total"] == 0


# --- what customers send -------------------------------------------------------------------------


def test_a_customer_with_oversized_attributes_is_a_422_naming_each_field(client, ingest_headers):
    answer = client.put("/api/customers/c1", headers=ingest_headers, json={"attributes": {
        "bio": "x" * 4001, "tree": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}},
        "prefs": {"k" * 65: True}}})
    assert answer.status_code == 422
    assert {issue["field"] for issue in answer.json()["issues"]} == {
        "attributes.bio", "attributes.tree.a.b.c.d.e", "attributes.prefs." + "k" * 64 + "…"}
    assert client.get("/api/customers/c1").status_code == 404


def test_a_bulk_upsert_reports_each_bad_item_in_place_and_stores_the_rest(client, ingest_headers):
    answer = client.post("/api/customers/bulk", headers=ingest_headers, json={"items": [
        {"external_id": "ok1", "attributes": {"plan": "pro"}},
        {"external_id": "big", "attributes": {f"k{index}": index for index in range(201)}},
        {"external_id": "ok2"}]})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["created"], body["invalid"]) == (2, 1)
    assert [item["status"] for item in body["items"]] == ["created", "invalid", "created"]
    assert body["items"][1]["issues"][0]["field"] == "attributes"


def test_a_profile_cannot_grow_past_the_bounds_one_call_at_a_time(client, ingest_headers):
    first = {f"a{index}": index for index in range(150)}
    assert client.put("/api/customers/c1", headers=ingest_headers,
                      json={"attributes": first}).status_code == 200
    more = {f"b{index}": index for index in range(60)}
    grown = client.put("/api/customers/c1", headers=ingest_headers, json={"attributes": more})
    assert grown.status_code == 422 and "210 attributes" in grown.json()["detail"]
    assert len(client.get("/api/customers/c1").json()["customer"]["attributes"]) == 150


def test_a_csv_row_that_breaks_a_bound_fails_on_its_line_and_the_rest_load(client,
                                                                          ingest_headers):
    rows = f"external_id,note\nc1,short\nc2,{'x' * 4001}\nc3,fine\n"
    answer = client.post("/api/customers/import", content=rows.encode(), headers={
        **ingest_headers, "Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["created"], report["failed"]) == (2, 1)
    assert (report["failures"][0]["line"], report["failures"][0]["fields"]) == (
        3, ["attributes.note"])


def test_events_and_batches_are_bounded_event_by_event(client, ingest_headers):
    big = {f"k{index}": "x" * 3000 for index in range(12)}
    one = client.post("/api/events", headers=ingest_headers,
                      json={"external_id": "c1", "name": "view", "properties": big})
    assert one.status_code == 422 and one.json()["issues"][0]["field"] == "properties"
    batch = client.post("/api/events/batch", headers=ingest_headers, json={"events": [
        {"external_id": "c1", "name": "view"},
        {"external_id": "c1", "name": "view", "properties": {"note": "x" * 4001}},
        {"external_id": "c2", "name": "view"}]}).json()
    assert (batch["accepted"], batch["invalid"]) == (2, 1)
    assert batch["results"][1]["issues"][0]["field"] == "properties.note"


def test_an_entry_payload_is_bounded_like_event_properties(client, ingest_headers):
    answer = client.post("/api/journeys/1/entries", headers=ingest_headers, json={
        "external_id": "c1", "payload": {"coupon": "x" * 4001}})
    assert answer.status_code == 422 and answer.json()["issues"][0]["field"] == "payload.coupon"


@pytest.mark.parametrize(("occurred_at", "says"), [
    (0, "Expected `str"), ("0", "is not a time"), (1765000000, "Expected `str"),
    ("2026-12-06", "is not a time"), ("2026-03-01T12:00:00", "has no offset"),
    ("1970-01-01T00:00:00Z", "before 2000")])
def test_occurred_at_is_iso_8601_with_an_offset_and_believable(client, ingest_headers,
                                                               occurred_at, says):
    answer = client.post("/api/events", headers=ingest_headers, json={
        "external_id": "c1", "name": "open", "occurred_at": occurred_at})
    assert answer.status_code == 422 and says in answer.json()["detail"]
    assert answer.json()["issues"][0]["field"] == "occurred_at"


def test_every_time_customers_send_is_read_the_same_way(client, ingest_headers):
    consent = client.put("/api/customers/c1", headers=ingest_headers, json={
        "consent": {"sms": {"granted": True, "at": "2026-03-01"}}})
    assert consent.status_code == 422
    assert consent.json()["issues"][0]["field"] == "consent.sms.at"
    receipt = client.post("/api/receipts/sms", headers=ingest_headers, json={"receipts": [
        {"message_id": 1, "status": "delivered", "occurred_at": "0"}]})
    assert receipt.status_code == 422
    assert receipt.json()["issues"][0]["field"] == "receipts[0].occurred_at"
    assert client.post("/api/events", headers=ingest_headers, json={
        "external_id": "c1", "name": "open", "occurred_at": "2026-03-01T12:00:00z",
    }).status_code == 200


# --- request bodies ------------------------------------------------------------------------------


def test_each_kind_of_endpoint_takes_a_body_of_its_own_size(client, ingest_headers):
    padding = {"external_id": "c1", "name": "view", "properties": {"pad": "x" * 300_000}}
    one = client.post("/api/events", headers=ingest_headers, json=padding)
    assert one.status_code == 413 and one.json()["error"] == "too_large"
    assert "(256 KiB)" in one.json()["detail"]
    events = [{"external_id": f"c{index}", "name": "view", "properties": {"note": "x" * 2000}}
              for index in range(500)]  # ~1 MB: too big for one event, fine for a batch
    batch = client.post("/api/events/batch", headers=ingest_headers, json={"events": events})
    assert batch.status_code == 200 and batch.json()["accepted"] == 500


def test_rules_that_would_cost_the_database_too_much_are_refused(client):
    did = {"type": "event", "event": "page_viewed", "op": "gte", "count": 1,
           "within": {"amount": 30, "unit": "days"}}
    many = {"type": "or", "rules": [did] * 21}
    answer = client.post("/api/audience/preview", json={"rule": many})
    assert answer.status_code == 422 and "at most 20" in answer.text
    listed = {"type": "attr", "field": "code", "op": "in",
              "value": [f"c{number}" for number in range(5_001)]}
    answer = client.post("/api/audience/preview", json={"rule": listed})
    assert answer.status_code == 422 and "5,000" in answer.text


def test_numbers_a_template_cannot_compute_with_are_a_422_not_a_500(client, ingest_headers):
    client.put("/api/customers/c-1", headers=ingest_headers,
               json={"email": "a@example.kr", "attributes": {"points": "1e999"}})
    answer = client.post("/api/templates/render", json={
        "template": {"channel": "email", "name": "Points", "subject": "Hi",
                     "source": "{{ customer.points | ceil }}"},
        "external_id": "c-1"})
    assert answer.status_code == 200, answer.text  # one customer's problem, said as such
    assert answer.json()["content"] is None
    assert "can't be computed" in answer.json()["error"]
    idna = client.post("/api/templates", json={
        "channel": "webhook", "name": "Bad name", "source": "{}",
        "options": {"url": "http://xn--localhost/hook"}})
    assert idna.status_code == 422 and idna.json()["issues"][0]["field"] == "options.url"
