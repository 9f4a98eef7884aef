"""Content pinned to versions, over the API as a team uses it: a template saved after publishing
changes nothing for customers in flight until the journey is published again or its content is
updated in flight; the two routes, who may use them, and the audit row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runtime.store.models import Customer, JourneyVersion, Message, MessageStatus
from runtime.store.team_models import AuditEvent, Role
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_template, drain, move

DELAY = timedelta(hours=1)


def reminder_journey(app_context) -> tuple[dict, int]:
    """API entry → wait an hour → an email; the document and its template's id."""
    with app_context.writing() as session:
        add_customers(session, 4, app_context.now())
        template = add_template(session, "email", "Spring sale", "Spring sale",
                                "20% off everything")
    return document(
        [node("in", "entry.api", "Signed up", {"required_fields": []}),
         node("wait", "flow.delay", "An hour", {"mode": "duration",
                                               "duration": {"amount": 1, "unit": "hours"}}),
         node("mail", "action.send", "Sale mail", {"channel": "email", "template": template}),
         node("out", "flow.exit")],
        [edge("in", "wait"), edge("wait", "mail", "next"), edge("mail", "out", "next")]), template


def published(client, app_context) -> tuple[int, int]:
    doc, template = reminder_journey(app_context)
    made = client.post("/api/journeys", json={"name": "Spring", "document": doc})
    assert made.status_code == 201, made.text
    journey = made.json()["journey"]["id"]
    answer = client.post(f"/api/journeys/{journey}/publish")
    assert answer.status_code == 200, answer.text
    return journey, template


def enter(client, app_context, journey: int, external_id: str) -> None:
    answer = client.post(f"/api/journeys/{journey}/entries", json={"external_id": external_id})
    assert answer.status_code == 200 and answer.json()["admitted"], answer.text
    drain(app_context.runtime)


def mail_of(app_context, external_id: str) -> Message:
    with app_context.reading() as session:
        return session.scalars(select(Message).join(Customer, Customer.id == Message.customer_id)
                               .where(Customer.external_id == external_id)).one()


def save_template(client, template: int) -> None:
    saved = client.patch(f"/api/templates/{template}", json={"source": "30% off everything"})
    assert saved.status_code == 200 and saved.json()["version"] == 2, saved.text


def test_a_saved_template_reaches_customers_in_flight_only_once_updated(client, app_context):
    journey, template = published(client, app_context)
    enter(client, app_context, journey, "c0")
    save_template(client, template)

    move(app_context.runtime, DELAY + timedelta(minutes=1))
    first = mail_of(app_context, "c0")
    assert first.status is MessageStatus.SENT and first.template_id == template
    assert "20% off everything" in first.content["text"]  # what was published

    changes = client.get(f"/api/journeys/{journey}/content-changes").json()
    assert changes == {"journey_id": journey, "version": 1, "changes": [
        {"id": template, "name": "Spring sale", "channel": "email", "pinned_version": 1,
         "current_version": 2}]}

    enter(client, app_context, journey, "c1")  # in flight when the content is updated
    updated = client.post(f"/api/journeys/{journey}/content-in-flight")
    assert updated.status_code == 200, updated.text
    assert [row["current_version"] for row in updated.json()["updated"]] == [2]
    assert client.get(f"/api/journeys/{journey}/content-changes").json()["changes"] == []

    move(app_context.runtime, DELAY + timedelta(minutes=1))
    second = mail_of(app_context, "c1")
    assert second.template_id == template
    assert "30% off everything" in second.content["text"]


def test_publishing_again_pins_the_saved_template_for_the_next_customers(client, app_context):
    journey, template = published(client, app_context)
    enter(client, app_context, journey, "c0")  # stays on version 1, with its content
    save_template(client, template)
    assert client.post(f"/api/journeys/{journey}/publish").status_code == 200
    enter(client, app_context, journey, "c1")

    move(app_context.runtime, DELAY + timedelta(minutes=1))
    assert "20% off everything" in mail_of(app_context, "c0").content["text"]
    assert "30% off everything" in mail_of(app_context, "c1").content["text"]
    with app_context.reading() as session:
        pinned = {row.number: row.contents[str(template)]["version"]
                  for row in session.scalars(select(JourneyVersion))}
    assert pinned == {1: 1, 2: 2}


def test_a_version_published_before_pinning_sends_the_current_template(client, app_context):
    journey, template = published(client, app_context)
    with app_context.writing() as session:  # as migration 0014 leaves older versions
        for version in session.scalars(select(JourneyVersion)):
            version.contents = None
    enter(client, app_context, journey, "c0")
    save_template(client, template)

    move(app_context.runtime, DELAY + timedelta(minutes=1))
    assert "30% off everything" in mail_of(app_context, "c0").content["text"]
    assert client.get(f"/api/journeys/{journey}/content-changes").json()["changes"] == []


def test_updating_content_in_flight_is_audited_and_refused_when_nothing_changed(
        client_as, app_context):
    publisher = client_as(Role.PUBLISHER)
    journey, template = published(publisher, app_context)
    refused = publisher.post(f"/api/journeys/{journey}/content-in-flight")
    assert refused.status_code == 409
    assert "No template of 'Spring' changed since version 1" in refused.json()["detail"]

    save_template(publisher, template)
    assert publisher.post(f"/api/journeys/{journey}/content-in-flight").status_code == 200
    with app_context.reading() as session:
        row = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "journey.content_updated")).one()
    assert row.summary == "updated content in flight: 'Spring sale' v1 → v2"
    assert row.actor_name.startswith("Test publisher")
    assert (row.object_kind, row.object_id) == ("journey", str(journey))
    assert (row.before, row.after) == ({str(template): 1}, {str(template): 2})


def test_a_draft_has_no_content_in_flight(client, app_context):
    doc, _ = reminder_journey(app_context)
    journey = client.post("/api/journeys", json={"name": "Draft", "document": doc}).json()[
        "journey"]["id"]
    assert client.get(f"/api/journeys/{journey}/content-changes").json() == {
        "journey_id": journey, "version": None, "changes": []}
    refused = client.post(f"/api/journeys/{journey}/content-in-flight")
    assert refused.status_code == 409 and "publish it first" in refused.json()["detail"]
    assert client.get("/api/journeys/999999/content-changes").status_code == 404


def test_viewers_read_the_changes_and_only_publishers_update(client_as, app_context):
    publisher = client_as(Role.PUBLISHER)
    journey, template = published(publisher, app_context)
    save_template(publisher, template)
    path = f"/api/journeys/{journey}/content-in-flight"
    for role in (Role.VIEWER, Role.EDITOR):
        someone = client_as(role)
        assert someone.get(f"/api/journeys/{journey}/content-changes").status_code == 200
        assert someone.post(path).status_code == 403
    assert publisher.post(path).status_code == 200


def test_a_workspace_that_publishes_through_approvals_updates_content_only_by_publishing(
        client_as, app_context):
    publisher = client_as(Role.PUBLISHER)
    journey, template = published(publisher, app_context)
    save_template(publisher, template)
    admin = client_as(Role.ADMIN)
    assert admin.put("/api/workspace/settings",
                     json={"approvals_required": True}).status_code == 200
    refused = publisher.post(f"/api/journeys/{journey}/content-in-flight")
    assert refused.status_code == 409 and "through approvals" in refused.json()["detail"]
