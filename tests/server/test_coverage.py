"""/api/coverage: the untouched customers' figures and list, who may read them, and "save as
segment" — audited, kept up to date, and what a journey entering on it previews."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from runtime.insight import roll_up
from runtime.store.models import (
    Customer,
    Journey,
    JourneyVersion,
    Message,
    MessageStatus,
    Run,
    RunStatus,
)
from runtime.store.team_models import AuditEvent, Role
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey


def _roll(app_context):
    roll_up(app_context.runtime.sessions, app_context.now(),
            ZoneInfo(app_context.settings.timezone), keys=["coverage"], force=True)


def _world(app_context):
    """Ten customers: c0 got a message 3 days ago, c1 is in a journey, c2 left one 40 days
    ago, c3's message was suppressed; the other seven and c2, c3 are untouched in 30 days."""
    now = app_context.now()
    with app_context.writing() as session:
        ids = add_customers(session, 10, now - timedelta(days=100),
                            attributes={"country": "KR", "plan": "pro"})
        journey = Journey(name="Welcome", draft={})
        session.add(journey)
        session.flush()
        version = JourneyVersion(journey_id=journey.id, number=1, document={})
        session.add(version)
        session.flush()
        runs = [Run(journey_id=journey.id, journey_version_id=version.id, customer_id=ids[0],
                    entry_key="a", node_id="x", status=RunStatus.DONE,
                    entered_at=now - timedelta(days=4), ended_at=now - timedelta(days=3)),
                Run(journey_id=journey.id, journey_version_id=version.id, customer_id=ids[1],
                    entry_key="b", node_id="x", status=RunStatus.WAITING,
                    entered_at=now - timedelta(days=90)),
                Run(journey_id=journey.id, journey_version_id=version.id, customer_id=ids[2],
                    entry_key="c", node_id="x", status=RunStatus.DONE,
                    entered_at=now - timedelta(days=50), ended_at=now - timedelta(days=40)),
                Run(journey_id=journey.id, journey_version_id=version.id, customer_id=ids[3],
                    entry_key="d", node_id="x", status=RunStatus.DONE,
                    entered_at=now - timedelta(days=80), ended_at=now - timedelta(days=80))]
        session.add_all(runs)
        session.flush()
        session.add_all([
            Message(run_id=runs[0].id, node_id="m", journey_id=journey.id, customer_id=ids[0],
                    channel="email", status=MessageStatus.SENT,
                    created_at=now - timedelta(days=4), sent_at=now - timedelta(days=3)),
            Message(run_id=runs[3].id, node_id="m", journey_id=journey.id, customer_id=ids[3],
                    channel="email", status=MessageStatus.SUPPRESSED,
                    created_at=now - timedelta(days=2))])
    _roll(app_context)
    return ids


def test_the_summary_counts_who_no_journey_and_no_message_reached(client, app_context):
    ids = _world(app_context)
    body = client.get("/api/coverage", params={"days": 30}).json()
    assert (body["customers"], body["untouched"]) == (10, 8)
    assert body["share"] == pytest.approx(0.8)
    assert body["trend"][-1]["untouched"] == 8 and body["segment"] is None
    assert {row["attribute"] for row in body["breakdown"]} == {"country", "plan",
                                                               "last_purchase_at"}
    assert client.get("/api/coverage", params={"days": 45}).json()["untouched"] == 7
    assert client.get("/api/coverage", params={"days": 2}).json()["untouched"] == 9

    first = client.get("/api/coverage/customers", params={"days": 30, "limit": 5}).json()
    rest = client.get("/api/coverage/customers",
                      params={"days": 30, "after": first["next_after"]}).json()
    listed = [row["id"] for row in first["items"] + rest["items"]]
    assert listed == [ids[2], *ids[3:]] and rest["next_after"] is None
    assert first["items"][0]["last_touched_at"] is not None
    assert rest["items"][-1]["last_touched_at"] is None


@pytest.mark.parametrize("days", [0, 366, -1])
def test_a_window_out_of_range_is_422(client, app_context, days):
    for path in ("/api/coverage", "/api/coverage/customers"):
        assert client.get(path, params={"days": days}).status_code == 422
    answer = client.post("/api/coverage/segments", json={"days": days})
    assert answer.status_code == 422, answer.text


def test_viewers_read_with_contacts_masked_and_may_not_save(client_as, app_context):
    _world(app_context)
    viewer = client_as(Role.VIEWER)
    page = viewer.get("/api/coverage/customers").json()
    assert page["items"][0]["email"] == "c•••@example.com"
    assert viewer.post("/api/coverage/segments", json={"days": 30}).status_code == 403
    editor = client_as(Role.EDITOR)
    assert editor.get("/api/coverage/customers").json()["items"][0]["email"].endswith(
        "2@example.com")


def test_save_as_segment_is_audited_kept_up_to_date_and_a_journey_previews_them(
        client_as, app_context):
    ids = _world(app_context)
    editor = client_as(Role.EDITOR)
    saved = editor.post("/api/coverage/segments", json={"days": 30}).json()
    assert saved["created"] is True and saved["tag"] == "untouched-30d"
    again = editor.post("/api/coverage/segments", json={"days": 30}).json()
    assert (again["id"], again["created"]) == (saved["id"], False)
    assert editor.get("/api/coverage", params={"days": 30}).json()["segment"]["id"] == saved["id"]
    with app_context.reading() as session:
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "segment.created")).all()
    assert [(row.object_id, row.actor_name) for row in audit] == [
        (str(saved["id"]), "Test editor (editor-1@example.kr)")]

    with app_context.writing() as session:
        journey_id = add_journey(session, document(
            [node("in", "entry.segment", "Quiet ones", {"segment": saved["id"]}),
             node("out", "flow.exit")], [edge("in", "out")]), "Win back")
    preview = editor.get(f"/api/journeys/{journey_id}/audience", params={"limit": 50}).json()
    assert preview["count"] == 8
    assert sorted(row["id"] for row in preview["customers"]) == [ids[2], *ids[3:]]

    # c5 gets a message: on the next roll the segment, and the preview, follow.
    with app_context.writing() as session:
        run_id, journey = session.execute(select(Run.id, Run.journey_id).limit(1)).one()
        session.add(Message(run_id=run_id, node_id="later", journey_id=journey, customer_id=ids[5],
                            channel="sms", status=MessageStatus.DELIVERED,
                            created_at=app_context.now(), sent_at=app_context.now()))
    _roll(app_context)
    preview = editor.get(f"/api/journeys/{journey_id}/audience", params={"limit": 50}).json()
    assert preview["count"] == 7 and ids[5] not in {row["id"] for row in preview["customers"]}



def test_the_workspace_chooses_the_breakdowns_attributes(client_as, app_context):
    ids = _world(app_context)
    tiers = {customer: ("gold" if index % 3 == 0 else "silver" if index % 3 == 1 else None)
             for index, customer in enumerate(ids)}
    with app_context.writing() as session:
        for customer in session.scalars(select(Customer).where(Customer.id.in_(ids))):
            tier = tiers[customer.id]
            customer.attributes = {**customer.attributes, **({"tier": tier} if tier else {})}
    admin, editor = client_as(Role.ADMIN), client_as(Role.EDITOR)
    assert editor.put("/api/coverage/attributes",
                      json={"attributes": ["tier"]}).status_code == 403
    bad = admin.put("/api/coverage/attributes", json={"attributes": [
        "tier", "bad name!", "last_purchase_at", "tier", "a", "b"]})
    assert bad.status_code == 422
    assert [issue["field"] for issue in bad.json()["issues"]] == [
        "attributes", "attributes[1]", "attributes[2]", "attributes[3]"]
    assert admin.get("/api/coverage").json()["attributes"] == ["country", "plan"]

    chosen = admin.put("/api/coverage/attributes", json={"attributes": ["tier", "country"]})
    assert chosen.status_code == 200 and chosen.json() == ["tier", "country"]
    _roll(app_context)  # the next roll counts by them, though its last breakdown is new
    body = admin.get("/api/coverage", params={"days": 30}).json()
    assert body["attributes"] == ["tier", "country"]
    counted = {row["attribute"]: {value["value"]: value["untouched"] for value in row["values"]}
               for row in body["breakdown"]}
    assert list(counted) == ["tier", "country", "last_purchase_at"]  # the order chosen
    untouched = [customer for customer in ids if customer not in (ids[0], ids[1])]
    assert counted["tier"] == dict(Counter(tiers[customer] or "" for customer in untouched))
    with app_context.reading() as session:
        audited = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "coverage.attributes_changed")).one()
    assert audited.after == {"attributes": ["tier", "country"]}
    assert audited.before == {"attributes": ["country", "plan"]}
