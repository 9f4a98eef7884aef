"""The team through the API: people and roles, scoped keys with limits, the audit trail,
approvals, and what a viewer sees of customers."""

from __future__ import annotations

import csv
import io

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from runtime.store.models import Message
from runtime.store.team_models import Role
from server.app import create_app
from tests.runtime.harness import drain
from tests.server.conftest import use_link


def starter(client, key: str = "cart_abandonment") -> tuple[int, dict]:
    """A draft from a starter (its templates made too): its id and document."""
    made = client.post(f"/api/starters/{key}/journeys")
    assert made.status_code == 201, made.text
    return made.json()["journey"]["id"], made.json()["document"]


def test_admins_add_people_who_sign_in_with_their_link(admin_client, anonymous_client):
    made = admin_client.post("/api/users", json={"email": "Jisoo@Example.kr", "name": "Jisoo",
                                                 "role": "publisher"})
    assert made.status_code == 201, made.text
    assert made.json()["user"]["email"] == "jisoo@example.kr"
    assert use_link(anonymous_client, made.json()["link"]).headers["location"] == \
        "/account?welcome=1"  # signed in, on the account page to set a password
    me = anonymous_client.get("/api/session").json()["user"]
    assert me["role"] == "publisher" and me["has_password"] is False
    twice = admin_client.post("/api/users", json={"email": "jisoo@example.kr", "name": "J"})
    assert twice.status_code == 409
    bad = admin_client.post("/api/users", json={"email": "not an email", "name": "X"})
    assert bad.status_code == 422 and bad.json()["issues"][0]["field"] == "email"
    listed = {user["email"]: user for user in admin_client.get("/api/users").json()}
    assert listed["jisoo@example.kr"]["last_sign_in_at"] is not None


def test_the_last_admin_cannot_be_demoted_or_disabled(admin_client):
    me = admin_client.get("/api/session").json()["user"]
    demoted = admin_client.patch(f"/api/users/{me['id']}", json={"role": "editor"})
    assert demoted.status_code == 409 and "last active admin" in demoted.json()["detail"]
    disabled = admin_client.patch(f"/api/users/{me['id']}", json={"active": False})
    assert disabled.status_code == 409


def test_keys_are_shown_once_scoped_revocable_and_rate_limited(admin_client, anonymous_client,
                                                                app_context):
    made = admin_client.post("/api/keys", json={"name": "shop", "scopes": ["ingest"],
                                                "rate_limit": 3})
    assert made.status_code == 201, made.text
    key, detail = made.json()["key"], made.json()["detail"]
    assert key.startswith("wl_") and detail["prefix"] == key[:10]
    assert key not in admin_client.get("/api/keys").text  # never shown again
    headers = {"X-Api-Key": key}
    event = {"external_id": "c1", "name": "open"}
    assert anonymous_client.post("/api/events", json=event, headers=headers).status_code == 200
    assert anonymous_client.get("/api/journeys", headers=headers).status_code == 403
    anonymous_client.post("/api/events", json=event, headers=headers)
    over = anonymous_client.post("/api/events", json=event, headers=headers)
    assert over.status_code == 429 and 1 <= int(over.headers["retry-after"]) <= 60
    listed = {row["name"]: row for row in admin_client.get("/api/keys").json()}
    assert listed["shop"]["last_used_at"] is not None
    assert admin_client.delete(f"/api/keys/{detail['id']}").status_code == 200
    revoked = anonymous_client.post("/api/events", json=event, headers=headers)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    assert admin_client.delete(f"/api/keys/{detail['id']}").status_code == 409


def test_keys_can_not_manage_people_or_keys(client):
    assert client.get("/api/users").status_code == 403
    assert client.post("/api/keys", json={"name": "x", "scopes": ["manage"]}).status_code == 403


def test_every_change_is_in_the_audit_trail_with_who_made_it(admin_client, client_as,
                                                             app_context):
    editor, publisher = client_as(Role.EDITOR), client_as(Role.PUBLISHER)
    journey, document = starter(editor)
    for revision in range(1, 4):  # three saves in a row: one coalesced row
        document["nodes"][0]["position"] = {"x": revision * 10, "y": 0}
        saved = editor.patch(f"/api/journeys/{journey}", json={"document": document})
        assert saved.status_code == 200, saved.text
    assert publisher.post(f"/api/journeys/{journey}/publish").status_code == 200
    assert publisher.post(f"/api/journeys/{journey}/pause").status_code == 200
    policy = publisher.get("/api/workspace/send-policy").json()
    publisher.put("/api/workspace/send-policy", json={**policy, "night_channels": []})
    rows = admin_client.get("/api/audit", params={"object_kind": "journey"}).json()["items"]
    actions = [(row["action"], row["actor_name"].split(" (")[0]) for row in rows]
    assert actions == [("journey.paused", "Test publisher"),
                       ("journey.published", "Test publisher"),
                       ("journey.draft_saved", "Test editor"),
                       ("journey.created", "Test editor")]
    assert [row["action"] for row in admin_client.get(
        "/api/audit", params={"object_kind": "template"}).json()["items"]] == [
        "template.created", "template.created"]  # the starter's messages
    saves = rows[2]
    assert saves["count"] == 3 and saves["after"] == {"revision": 4}
    assert rows[1]["after"]["version"] == 1 and "first version" in rows[1]["summary"]
    rules = admin_client.get("/api/audit", params={"action": "send_rules."}).json()["items"]
    assert rules[0]["before"]["night_channels"] and rules[0]["after"]["night_channels"] == []
    versions = admin_client.get(f"/api/journeys/{journey}/versions").json()
    assert versions[0]["published_by"].startswith("Test publisher")
    exported = admin_client.get("/api/audit/export", params={"object_kind": "journey"})
    assert exported.status_code == 200 and "text/csv" in exported.headers["content-type"]
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["action"] for row in table] == [action for action, _ in actions]
    assert editor.get("/api/audit").status_code == 403


def test_audit_csv_cells_never_run_as_formulas(admin_client):
    admin_client.post("/api/journeys", json={"name": "=HYPERLINK(\"http://evil\")"})
    exported = admin_client.get("/api/audit/export").text
    assert "'=HYPERLINK" in exported


def test_approvals_an_editor_asks_and_another_publisher_decides(admin_client, client_as):
    editor, publisher = client_as(Role.EDITOR), client_as(Role.PUBLISHER)
    assert admin_client.put("/api/workspace/settings",
                            json={"approvals_required": True}).status_code == 200
    journey, _ = starter(editor)
    direct = publisher.post(f"/api/journeys/{journey}/publish")
    assert direct.status_code == 409 and "approvals" in direct.json()["detail"]
    assert editor.post(f"/api/journeys/{journey}/publish").status_code == 403
    asked = editor.post(f"/api/journeys/{journey}/publish-requests",
                        json={"comment": "Ready for Monday"})
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["status"] == "pending" and "first version" in request["changes"]
    pending = publisher.get("/api/publish-requests").json()
    assert [item["id"] for item in pending] == [request["id"]]
    assert editor.post(f"/api/publish-requests/{request['id']}/approve").status_code == 403
    rejected_without_reason = publisher.post(f"/api/publish-requests/{request['id']}/reject",
                                             json={"comment": ""})
    assert rejected_without_reason.status_code == 422
    approved = publisher.post(f"/api/publish-requests/{request['id']}/approve",
                              json={"comment": "Go"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["version_number"] == 1
    assert publisher.get(f"/api/journeys/{journey}").json()["journey"]["status"] == "live"


def test_a_request_for_a_draft_that_changed_since_cannot_be_approved(admin_client, client_as):
    editor, publisher = client_as(Role.EDITOR), client_as(Role.PUBLISHER)
    journey, document = starter(editor)
    request = editor.post(f"/api/journeys/{journey}/publish-requests").json()
    document["nodes"][0]["data"]["label"] = "Changed after asking"
    editor.patch(f"/api/journeys/{journey}", json={"document": document})
    stale = publisher.get(f"/api/publish-requests/{request['id']}").json()
    assert stale["current"] is False
    refused = publisher.post(f"/api/publish-requests/{request['id']}/approve")
    assert refused.status_code == 409 and "changed after" in refused.json()["detail"]
    own = publisher.post(f"/api/journeys/{journey}/publish-requests").json()
    mine = publisher.post(f"/api/publish-requests/{own['id']}/approve")
    assert mine.status_code == 409 and "yourself" in mine.json()["detail"]


def test_a_viewer_sees_customers_with_their_contacts_masked(client, client_as, ingest_headers):
    client.put("/api/customers/c-1", headers=ingest_headers,
               json={"email": "minji.kim@example.kr", "phone": "010-1234-5678"})
    viewer = client_as(Role.VIEWER)
    listed = viewer.get("/api/customers").json()["items"][0]
    assert listed["email"] == "m•••@example.kr" and listed["phone"].endswith("5678")
    assert "1234" not in listed["phone"]
    one = viewer.get("/api/customers/c-1").json()["customer"]
    assert one["email"] == "m•••@example.kr"
    assert client.get("/api/customers/c-1").json()["customer"]["email"] == "minji.kim@example.kr"
    assert viewer.put("/api/customers/c-1", json={}).status_code == 403


def test_providers_answers_are_for_publishers_only(client, client_as, app_context,
                                                   ingest_headers):
    client.put("/api/customers/c-1", headers=ingest_headers, json={
        "email": "a@example.kr", "consent": {"email": {"granted": True, "night": True}}})
    journey, _ = starter(client, "welcome")
    assert client.post(f"/api/journeys/{journey}/publish").status_code == 200
    client.post("/api/events", headers=ingest_headers,
                json={"external_id": "c-1", "name": "signup"})
    drain(app_context.runtime)
    with app_context.writing() as db:  # as a provider's error would have been recorded
        assert db.scalar(select(Message.id)) is not None
        db.execute(update(Message).values(status="failed", reason="POST sms answered 500",
                                          provider_answer="secret echo of a@example.kr"))
    editor, publisher = client_as(Role.EDITOR), client_as(Role.PUBLISHER)
    assert "secret echo" not in editor.get("/api/customers/c-1/timeline").text
    assert "secret echo" in publisher.get("/api/customers/c-1/timeline").text


def test_a_viewer_can_not_spell_out_a_masked_email_by_searching(client, client_as,
                                                                ingest_headers):
    client.put("/api/customers/c-1", headers=ingest_headers, json={"email": "jiyeon@corp.kr"})
    viewer = client_as(Role.VIEWER)
    assert viewer.get("/api/customers", params={"search": "jiy"}).json()["items"] == []
    assert [item["external_id"] for item in viewer.get(
        "/api/customers", params={"search": "c-"}).json()["items"]] == ["c-1"]
    assert client.get("/api/customers", params={"search": "jiy"}).json()["items"]


def test_webhook_header_values_are_for_those_who_may_edit_the_template(client, client_as):
    made = client.post("/api/templates", json={
        "channel": "webhook", "name": "CRM", "source": '{"id": "{{ customer.external_id }}"}',
        "options": {"url": "https://crm.example.kr/hooks",
                    "headers": {"Authorization": "Bearer sk_live_secret"}}})
    assert made.status_code == 201, made.text
    template = made.json()["id"]
    seen = client_as(Role.VIEWER).get(f"/api/templates/{template}").json()
    assert seen["options"]["headers"] == {"Authorization": "•••"}
    edited = client_as(Role.EDITOR).get(f"/api/templates/{template}").json()
    assert edited["options"]["headers"] == {"Authorization": "Bearer sk_live_secret"}


def test_two_publishers_approving_at_once_publish_once(admin_client, client_as, app_context):
    from concurrent.futures import ThreadPoolExecutor

    editor = client_as(Role.EDITOR)
    first, second = client_as(Role.PUBLISHER), client_as(Role.PUBLISHER)
    journey, _ = starter(editor)
    request = editor.post(f"/api/journeys/{journey}/publish-requests").json()["id"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(
            lambda publisher: publisher.post(f"/api/publish-requests/{request}/approve"),
            [first, second]))
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    versions = admin_client.get(f"/api/journeys/{journey}/versions").json()
    assert [version["number"] for version in versions] == [1]


def test_a_demoted_person_loses_the_role_on_a_page_already_open(admin_client, app_context):
    from builder.ui.services import UiError
    from server.security.sessions import SessionPolicy, session_principal
    from server.ui_services import UiServicesForWayline
    from tests.server.conftest import sign_in

    with TestClient(create_app(app_context)) as other:
        person = sign_in(other, app_context, Role.ADMIN, "second-admin@example.kr")
        principal = session_principal(app_context.reading, app_context.writing,
                                      other.cookies["wayline_session"], app_context.now(),
                                      SessionPolicy.from_settings(app_context.settings))
    page = UiServicesForWayline(app_context, principal)  # the Team page, open
    assert page.list_users()
    assert admin_client.patch(f"/api/users/{person.id}", json={"role": "viewer"}
                              ).status_code == 200
    with pytest.raises(UiError) as refused:
        page.list_users()
    assert refused.value.kind == "forbidden"
