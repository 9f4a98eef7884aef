"""Coupon pools over the real app and databases: make, upload (bad lines reported, the rest
loaded, repeats skipped), generate, count, audit, and refuse to delete a pool a journey uses."""

from __future__ import annotations

import re

from sqlalchemy import select

from runtime.store.team_models import AuditEvent, Role
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_journey


def make(client, name: str = "Welcome 10%") -> dict:
    response = client.post("/api/coupons", json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["pool"]


def upload(client, pool_id: int, text: str):
    return client.post(f"/api/coupons/{pool_id}/codes", content=text.encode(),
                       headers={"Content-Type": "text/csv"})


def test_an_upload_loads_good_lines_reports_bad_ones_and_skips_repeats(client, app_context):
    pool = make(client)
    report = upload(client, pool["id"], "code\nAB-001\nAB-002\nnot a code!\n\nAB-001\nAB-003,x\n")
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["added"], body["already_there"]) == (3, 0)
    assert body["problems"] == [{"line": 4, "message": "'not a code!' is not a code: use "
                                 "letters, digits, - and _, up to 100 characters"}]
    assert (body["pool"]["left"], body["pool"]["given"]) == (3, 0)
    again = upload(client, pool["id"], "AB-003\nAB-004\n").json()
    assert (again["added"], again["already_there"]) == (1, 1)
    with app_context.reading() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_kind == "coupon_pool")))
    assert actions == ["coupon_pool.created", "coupon_pool.codes_uploaded",
                       "coupon_pool.codes_uploaded"]


def test_an_upload_with_any_line_ends_or_an_unreadable_line_loses_nothing_else(client):
    pool = make(client)
    report = upload(client, pool["id"], 'CR-1\rCR-2\r\nCR-3\n"CR-\x00"\nCR-4')
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["added"] == 4
    assert [problem["line"] for problem in body["problems"]] == [4]


def test_generated_codes_are_unique_readable_and_counted(client):
    pool = make(client)
    body = client.post(f"/api/coupons/{pool['id']}/generate",
                       json={"count": 500, "prefix": "BDAY-", "length": 8}).json()
    assert body["added"] == 500 and body["pool"]["left"] == 500
    listed = client.get("/api/coupons").json()["items"]
    assert [(item["name"], item["left"], item["journeys"]) for item in listed] == \
        [("Welcome 10%", 500, 0)]
    refused = client.post(f"/api/coupons/{pool['id']}/generate", json={"count": 0})
    assert refused.status_code == 422


def test_a_name_is_taken_once(client):
    make(client, "Spring")
    twice = client.post("/api/coupons", json={"name": "spring"})
    assert twice.status_code == 422 and "already a coupon pool" in twice.text


def test_a_pool_a_journey_uses_cannot_be_deleted(client, app_context):
    pool = make(client)
    doc = document([node("in", "entry.segment", "Everyone", {"rule": {"type": "and",
                                                                     "rules": []}}),
                    node("give", "action.coupon", "Coupon", {"pool": pool["id"]}),
                    node("out", "flow.exit", "Done")],
                   [edge("in", "give"), edge("give", "out", "next")])
    with app_context.writing() as session:
        add_journey(session, doc, "Welcome")
    refused = client.delete(f"/api/coupons/{pool['id']}")
    assert refused.status_code == 409
    assert re.search(r"Welcome", refused.text)
    detail = client.get(f"/api/coupons/{pool['id']}").json()
    assert [use["name"] for use in detail["used_by"]] == ["Welcome"]
    unused = make(client, "Unused")
    assert client.delete(f"/api/coupons/{unused['id']}").status_code == 204
    assert client.get(f"/api/coupons/{unused['id']}").status_code == 404


def test_viewers_see_pools_but_cannot_change_them(client_as):
    editor, viewer = client_as(Role.EDITOR), client_as(Role.VIEWER)
    pool = make(editor)
    assert viewer.get("/api/coupons").status_code == 200
    assert viewer.post("/api/coupons", json={"name": "Mine"}).status_code == 403
    assert upload(viewer, pool["id"], "X1\n").status_code == 403
