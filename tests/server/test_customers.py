"""Customers over the real app and databases: upserts, bulk, reading one, listing, the API key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runtime.messaging.policy import consent_problem, has_night_consent
from runtime.store.models import Customer
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import drain
from tests.server.conftest import API_KEY

NEW = {"email": "Min.Ji@Example.COM", "phone": "010-1234-5678", "timezone": "Asia/Seoul",
       "locale": "ko_KR", "attributes": {"plan": "pro", "score": 10, "city": "Seoul"},
       "consent": {"email": True, "sms": {"granted": True, "source": "signup form"}},
       "tags": {"add": ["vip", "beta"]}}


def put(client, headers, external_id: str, body: dict):
    return client.put(f"/api/customers/{external_id}", json=body, headers=headers)


def profile(client, external_id: str) -> dict:
    answer = client.get(f"/api/customers/{external_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()["customer"]


def test_upsert_creates_normalised_then_merges_and_notices_no_change(client, ingest_headers,
                                                                     app_context):
    created = put(client, ingest_headers, "u1", NEW)
    assert created.status_code == 200, created.text
    assert created.json()["status"] == "created"
    first = profile(client, "u1")
    assert (first["email"], first["phone"], first["timezone"], first["locale"]) == (
        "Min.Ji@example.com", "+821012345678", "Asia/Seoul", "ko-KR")
    assert first["attributes"] == {"plan": "pro", "score": 10, "city": "Seoul"}
    assert first["tags"] == ["beta", "vip"]
    assert first["consent"]["sms"] == {"granted": True, "at": "2026-03-02T00:00:00Z",
                                       "source": "signup form", "transactional": None,
                                       "night": None}
    assert first["consent"]["email"]["source"] == "api"

    app_context.clock.advance(timedelta(hours=1))
    change = {"attributes": {"plan": None, "score": 11}, "tags": {"add": ["gold"],
                                                                  "remove": ["beta", "never"]},
              "locale": None}
    assert put(client, ingest_headers, "u1", change).json()["status"] == "updated"
    second = profile(client, "u1")
    assert second["attributes"] == {"score": 11, "city": "Seoul"}
    assert second["tags"] == ["gold", "vip"]
    assert second["locale"] is None and second["email"] == "Min.Ji@example.com"
    assert second["updated_at"] == "2026-03-02T01:00:00Z"

    app_context.clock.advance(timedelta(hours=1))
    again = put(client, ingest_headers, "u1", {"attributes": {"score": 11}, "consent": {
        "sms": True}, "tags": {"add": ["vip"]}})
    assert again.json()["status"] == "unchanged"
    third = profile(client, "u1")
    assert third["updated_at"] == second["updated_at"]
    # Consent given again keeps when and how it was first given.
    assert third["consent"]["sms"]["at"] == "2026-03-02T00:00:00Z"


def test_stored_consent_is_what_send_policy_reads(client, ingest_headers, app_context):
    put(client, ingest_headers, "u2", {"consent": {
        "email": {"granted": True, "at": "2025-12-01T10:00:00+09:00", "source": "kiosk"},
        "sms": False, "push": {"granted": True, "transactional": False}}})
    with app_context.reading() as session:
        stored = session.scalar(select(Customer.consent).where(Customer.external_id == "u2"))
    assert consent_problem(stored, "email", "marketing") is None
    assert consent_problem(stored, "sms", "marketing") == "no marketing consent for sms"
    assert consent_problem(stored, "push", "transactional") is not None
    assert consent_problem(stored, "kakao", "marketing") is not None
    shown = profile(client, "u2")["consent"]
    assert shown["email"] == {"granted": True, "at": "2025-12-01T01:00:00Z", "source": "kiosk",
                              "transactional": None, "night": None}
    assert shown["sms"]["granted"] is False


def test_night_time_consent_is_set_per_channel_and_kept(client, ingest_headers, app_context):
    put(client, ingest_headers, "owl", {"consent": {"sms": {"granted": True, "night": True},
                                                    "email": True}})
    put(client, ingest_headers, "owl", {"consent": {"sms": True}})  # marketing again: night stays
    shown = profile(client, "owl")["consent"]
    assert (shown["sms"]["granted"], shown["sms"]["night"]) == (True, True)
    assert shown["email"]["night"] is None
    with app_context.reading() as session:
        stored = session.scalar(select(Customer.consent).where(Customer.external_id == "owl"))
    assert has_night_consent(stored, "sms") and not has_night_consent(stored, "email")
    bad = put(client, ingest_headers, "owl", {"consent": {"sms": {"granted": True,
                                                                  "night": "yes"}}})
    assert bad.status_code == 422
    assert "night" in bad.text


def test_upsert_lists_every_bad_field_and_saves_nothing(client, ingest_headers):
    answer = put(client, ingest_headers, "u3", {
        "email": "not-an-email", "phone": "12345", "timezone": "Seoul", "locale": "korean!",
        "attributes": {"first-name": "Min", "ok": 1, "email": "x"},
        "tags": {"add": ["  "]}})
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "invalid_input"
    fields = [issue["field"] for issue in body["issues"]]
    assert fields == ["email", "timezone", "locale", "phone", "attributes.first-name",
                      "attributes.email", "tags"]
    assert "@-sign" in body["issues"][0]["message"]
    assert client.get("/api/customers/u3").status_code == 404


def test_phone_region_reads_local_numbers(client, ingest_headers):
    us = put(client, ingest_headers, "u4", {"phone": "(650) 253-0000", "phone_region": "US"})
    assert us.json()["status"] == "created"
    assert profile(client, "u4")["phone"] == "+16502530000"
    assert put(client, ingest_headers, "u5", {"phone": "(650) 253-0000"}).status_code == 422
    wrong = put(client, ingest_headers, "u5", {"phone": "010-1234-5678", "phone_region": "ZZ"})
    assert [issue["field"] for issue in wrong.json()["issues"]] == ["phone_region", "phone"]


def test_wrong_types_are_refused_with_the_field(client, ingest_headers):
    answer = put(client, ingest_headers, "u6", {"email": 5})
    assert answer.status_code == 422
    assert answer.json()["issues"][0]["field"] == "email"
    unknown = put(client, ingest_headers, "u6", {"emial": "a@b.co"})
    assert unknown.status_code == 422 and "emial" in unknown.text
    channel = put(client, ingest_headers, "u6", {"consent": {"fax": True}})
    assert channel.status_code == 422


def test_nul_characters_are_refused_not_a_server_error(client, ingest_headers):
    answer = put(client, ingest_headers, "n1", {"attributes": {"note": {"deep": ["a\u0000b"]}},
                                                "consent": {"sms": {"granted": True,
                                                                    "source": "\u0000"}}})
    assert answer.status_code == 422
    assert [issue["field"] for issue in answer.json()["issues"]] == [
        "attributes.note", "consent.sms.source"]
    assert put(client, ingest_headers, "n%00", {}).status_code == 422


def test_bulk_reports_each_item_and_a_bad_one_fails_alone(client, ingest_headers):
    put(client, ingest_headers, "old", {"email": "old@example.com"})
    items = [
        {"external_id": "b1", "email": "b1@example.com", "attributes": {"n": 1}},
        {"external_id": "b2", "email": "broken@", "phone": "+82 10 0000"},
        {"external_id": "old", "attributes": {"n": 3}},
        {"external_id": "b1", "attributes": {"m": 2}, "tags": {"add": ["x"]}},
        {"external_id": "old", "email": "old@example.com"},
        {"external_id": "   ", "email": "blank@example.com"},
    ]
    answer = client.post("/api/customers/bulk", json={"items": items}, headers=ingest_headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [item["status"] for item in body["items"]] == [
        "created", "invalid", "updated", "merged", "merged", "invalid"]
    assert (body["created"], body["updated"], body["unchanged"], body["merged"],
            body["invalid"]) == (1, 1, 0, 2, 2)
    assert [issue["field"] for issue in body["items"][1]["issues"]] == ["email", "phone"]
    assert body["items"][5]["issues"][0]["field"] == "external_id"
    assert body["items"][0]["customer_id"] == body["items"][3]["customer_id"]
    b1 = profile(client, "b1")
    assert b1["attributes"] == {"n": 1, "m": 2} and b1["tags"] == ["x"]
    assert profile(client, "old")["attributes"] == {"n": 3}
    assert client.get("/api/customers/b2").status_code == 404


def test_bulk_limits_and_types(client, ingest_headers):
    too_many = [{"external_id": f"x{index}"} for index in range(1001)]
    answer = client.post("/api/customers/bulk", json={"items": too_many}, headers=ingest_headers)
    assert answer.status_code == 422
    typed = client.post("/api/customers/bulk", json={"items": [
        {"external_id": "ok"}, {"external_id": "t", "attributes": []}]}, headers=ingest_headers)
    assert typed.status_code == 422
    assert typed.json()["issues"][0]["field"] == "items[1].attributes"
    empty = client.post("/api/customers/bulk", json={"items": []}, headers=ingest_headers)
    assert empty.status_code == 422


def test_customers_need_a_credential_with_the_right_scope(anonymous_client, client):
    missing = anonymous_client.put("/api/customers/k1", json={"email": "k@example.com"})
    assert missing.status_code == 401
    body = missing.json()
    assert body["status_code"] == 401 and "X-Api-Key" in body["detail"]
    wrong = anonymous_client.put("/api/customers/k1", json={},
                                 headers={"X-Api-Key": API_KEY + "x"})
    assert wrong.status_code == 401 and "not valid" in wrong.json()["detail"]
    bulk = anonymous_client.post("/api/customers/bulk", json={"items": [{"external_id": "k1"}]})
    assert bulk.status_code == 401
    bearer = anonymous_client.put("/api/customers/k1", json={},
                                  headers={"Authorization": f"Bearer {API_KEY}"})
    assert bearer.status_code == 200 and bearer.json()["status"] == "created"
    # Nobody reads customers without a credential; the bootstrap key only brings data in.
    assert anonymous_client.get("/api/customers/k1").status_code == 401
    assert anonymous_client.get("/api/customers",
                                headers={"X-Api-Key": API_KEY}).status_code == 403
    assert client.get("/api/customers/k1").status_code == 200
    assert client.get("/api/customers").status_code == 200


def test_unknown_customer_is_404(client):
    answer = client.get("/api/customers/nobody")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found" and "nobody" in answer.json()["detail"]


def test_list_pages_and_searches_by_id_or_email_prefix(client, ingest_headers):
    for index in range(5):
        put(client, ingest_headers, f"shop-{index}", {"email": f"buyer{index}@example.com"})
    put(client, ingest_headers, "other", {"email": "Shopper@Example.com"})
    first = client.get("/api/customers", params={"limit": 2}).json()
    assert [item["external_id"] for item in first["items"]] == ["shop-0", "shop-1"]
    rest = client.get("/api/customers", params={"limit": 10, "after": first["next_after"]}).json()
    assert [item["external_id"] for item in rest["items"]] == [
        "shop-2", "shop-3", "shop-4", "other"]
    assert rest["next_after"] is None
    shops = client.get("/api/customers", params={"search": "shop"}).json()["items"]
    assert [item["external_id"] for item in shops] == [
        "shop-0", "shop-1", "shop-2", "shop-3", "shop-4", "other"]  # 'Shopper@…' by email
    by_email = client.get("/api/customers", params={"search": "BUYER3"}).json()["items"]
    assert [item["external_id"] for item in by_email] == ["shop-3"]
    percent = client.get("/api/customers", params={"search": "%"}).json()["items"]
    assert percent == []
    assert client.get("/api/customers", params={"limit": 0}).status_code == 422


def test_one_customer_shows_events_and_where_they_are_in_journeys(client, ingest_headers,
                                                                  app_context):
    doc = document([node("in", "entry.event", "Signed up", {"event": "signup"}),
                    node("wait", "flow.wait_event", "Bought within a day?",
                         {"event": "purchase", "timeout": {"amount": 1, "unit": "days"}}),
                    node("yes", "flow.exit", "Bought"), node("no", "flow.exit", "Didn't")],
                   [edge("in", "wait"), edge("wait", "yes", "matched"),
                    edge("wait", "no", "timeout")])
    journey = client.post("/api/journeys/", json={"name": "Welcome", "document": doc}).json()
    journey_id = journey["journey"]["id"]
    assert client.post(f"/api/journeys/{journey_id}/publish").status_code == 200
    for index in range(55):
        app_context.clock.advance(timedelta(minutes=1))
        client.post("/api/events", headers=ingest_headers, json={
            "external_id": "j1", "name": "signup" if index == 0 else "page_view",
            "properties": {"n": index}})
        if index == 0:
            drain(app_context.runtime)  # the customer moves to the wait as they sign up

    detail = client.get("/api/customers/j1").json()
    assert len(detail["events"]) == 50
    assert [event["properties"]["n"] for event in detail["events"][:2]] == [54, 53]
    [run] = detail["journeys"]
    assert (run["journey_name"], run["journey_status"], run["version"]) == ("Welcome", "live", 1)
    assert (run["status"], run["node_id"], run["node_label"]) == (
        "waiting", "wait", "Bought within a day?")
    assert run["waiting_for"] == "purchase"
    assert run["wake_at"] == "2026-03-03T00:01:00Z"  # a day after the signup at 00:01
    assert run["ended_at"] is None
