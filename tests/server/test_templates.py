"""Templates over the real app and databases: CRUD, per-channel rules, Liquid errors with their
field and line, versions, refusal to delete one a journey sends, and rendering that matches
what the runtime really stores."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runtime.store.models import Customer, Message
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, drain, move

WELCOME = {"channel": "email", "name": "Welcome", "subject": "Hi {{ customer.first_name }}",
           "source": "Welcome, {{ customer.first_name | default: 'friend' }}!"}


def make(client, **fields) -> dict:
    response = client.post("/api/templates", json={**WELCOME, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def problems(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {issue["field"]: issue["message"] for issue in response.json()["issues"]}


def sender(template_id: int, entry: dict | None = None) -> dict:
    """Audience entry (everyone) → send the template by email → exit."""
    return document([entry or node("in", "entry.segment", "Everyone", {"rule": {"type": "and"}}),
                     node("mail", "action.send", "Welcome mail",
                          {"channel": "email", "template": template_id}),
                     node("out", "flow.exit", "Done")],
                    [edge("in", "mail", "next"), edge("mail", "out", "next")])


def test_create_get_list_update_delete(client, app_context):
    created = make(client, name=" Welcome ")
    assert (created["name"], created["version"], created["options"]) == ("Welcome", 1, {})
    assert client.get(f"/api/templates/{created['id']}").json() == created

    make(client, channel="sms", name="Coupon", subject=None, source="{{ payload.code }}")
    make(client, channel="kakao", name="Coupon", subject=None, source="쿠폰: {{ payload.code }}")
    everything = client.get("/api/templates").json()
    assert [(item["channel"], item["name"]) for item in everything["items"]] == [
        ("email", "Welcome"), ("kakao", "Coupon"), ("sms", "Coupon")]
    sms = client.get("/api/templates", params={"channel": "sms"}).json()
    assert sms["total"] == 1 and sms["items"][0]["channel"] == "sms"
    assert client.get("/api/templates", params={"search": "WEL"}).json()["total"] == 1
    assert client.get("/api/templates", params={"channel": "fax"}).status_code == 422

    renamed = client.patch(f"/api/templates/{created['id']}", json={"name": "Hello"}).json()
    assert (renamed["name"], renamed["version"]) == ("Hello", 1)  # a name is not content
    rewritten = client.patch(f"/api/templates/{created['id']}", json={
        "source": "Hello again", "options": {"html": "<p>Hello again</p>"}}).json()
    assert (rewritten["version"], rewritten["source"]) == (2, "Hello again")
    assert rewritten["subject"] == WELCOME["subject"]
    assert rewritten["options"] == {"html": "<p>Hello again</p>"}
    same = client.patch(f"/api/templates/{created['id']}", json={"source": "Hello again"})
    assert same.json()["version"] == 2

    assert client.delete(f"/api/templates/{created['id']}").status_code == 204
    assert client.get(f"/api/templates/{created['id']}").status_code == 404
    assert client.delete(f"/api/templates/{created['id']}").status_code == 404
    assert client.post(f"/api/templates/{created['id']}/render", json={}).status_code == 404


def test_each_channel_asks_for_what_it_sends(client, app_context):
    no_subject = problems(client.post("/api/templates", json={**WELCOME, "subject": "  "}))
    assert "needs a subject" in no_subject["subject"]
    sms_subject = problems(client.post("/api/templates", json={  # an LMS subject: ≤ 40 bytes
        "channel": "sms", "name": "s", "subject": "가" * 21, "source": "x"}))
    assert "an LMS subject may be at most 40" in sms_subject["subject"]
    empty = problems(client.post("/api/templates", json={
        "channel": "kakao", "name": "k", "source": " \n"}))
    assert "empty" in empty["source"]
    webhook = problems(client.post("/api/templates", json={
        "channel": "webhook", "name": "w", "source": "{}", "options": {"html": "<p>"}}))
    assert set(webhook) == {"options.url", "options.html"}
    assert problems(client.post("/api/templates", json={**WELCOME, "channel": "fax"}))
    assert problems(client.post("/api/templates", json={
        "channel": "webhook", "name": "w", "source": "{}",
        "options": {"url": "https://example.com", "method": "DELETE"}}))

    push = make(client, channel="push", name="Title-less", subject=None, source="Sale!")
    assert push["subject"] is None
    hook = make(client, channel="webhook", name="CRM", subject=None,
                source='{"id": {{ customer.external_id | json }}}',
                options={"url": "https://crm.example.com/{{ customer.external_id }}",
                         "method": "PUT", "headers": {"X-Token": "abc"}})
    assert hook["options"]["method"] == "PUT"


def test_liquid_errors_name_each_part_and_line(client, app_context):
    response = client.post("/api/templates", json={
        "channel": "email", "name": "Broken", "subject": "Hi {{ customer.first_name }",
        "source": "Line one\nLine two {% if %}\n",
        "options": {"html": "<p>{{ customer.first_name }}</p>"}})
    found = problems(response)
    assert set(found) == {"subject", "source"}
    assert found["subject"].startswith("Subject, line 1:")
    assert found["source"].startswith("Message, line 2:")
    assert "Subject, line 1" in response.json()["detail"]

    hook = problems(client.post("/api/templates", json={
        "channel": "webhook", "name": "w", "source": "{}",
        "options": {"url": "https://x.example/{{ customer.id", "headers": {"X-A": "{% bogus %}"}}}))
    assert set(hook) == {"options.url", "options.headers.X-A"}
    assert hook["options.headers.X-A"].startswith("Webhook header X-A, line 1:")

    saved = make(client)
    broken = client.patch(f"/api/templates/{saved['id']}", json={"source": "{{ oops"})
    assert problems(broken)["source"].startswith("Message, line 1")
    assert client.get(f"/api/templates/{saved['id']}").json()["version"] == 1


def test_names_are_unique_per_channel_and_channels_dont_change(client, app_context):
    first = make(client)
    taken = problems(client.post("/api/templates", json={**WELCOME, "name": "WELCOME"}))
    assert "'Welcome' already exists" in taken["name"]
    make(client, channel="push", name="Welcome", subject=None)  # another channel: fine
    other = make(client, name="Other")
    assert "name" in problems(client.patch(f"/api/templates/{other['id']}",
                                           json={"name": "welcome"}))
    moved = problems(client.patch(f"/api/templates/{first['id']}", json={"channel": "sms"}))
    assert "can't become SMS" in moved["channel"]
    kept = client.patch(f"/api/templates/{first['id']}", json={"channel": "email"})
    assert kept.status_code == 200


def test_delete_is_refused_while_a_journey_sends_it(client, app_context):
    template = make(client)
    spare = make(client, name="Spare")
    with app_context.writing() as session:
        add_customers(session, 2, app_context.now())
        journey_id = add_journey(session, sender(template["id"], node(
            "in", "entry.segment", "Everyone", {"rule": {"type": "and"}})), "Onboarding")
    refused = client.delete(f"/api/templates/{template['id']}")
    assert refused.status_code == 409
    assert "'Onboarding' (draft: Welcome mail)" in refused.json()["detail"]
    assert refused.json()["issues"][0]["node_id"] == "mail"
    listed = {item["name"]: item["journeys"] for item in client.get("/api/templates").json()[
        "items"]}
    assert listed == {"Spare": 0, "Welcome": 1}
    assert client.delete(f"/api/templates/{spare['id']}").status_code == 204
    assert client.post(f"/api/journeys/{journey_id}/archive").status_code == 200
    assert client.delete(f"/api/templates/{template['id']}").status_code == 204


def test_an_old_version_with_customers_in_it_still_holds_its_template(client, app_context):
    template = make(client)
    with app_context.writing() as session:
        add_customers(session, 1, app_context.now())
    delay = node("wait", "flow.delay", "Wait a day", {"mode": "duration",
                                                      "duration": {"amount": 1, "unit": "days"}})
    doc = sender(template["id"])
    doc["nodes"].append(delay)
    doc["edges"] = [edge("in", "wait", "next"), edge("wait", "mail", "next"),
                    edge("mail", "out", "next")]
    journey = client.post("/api/journeys", json={"name": "Slow", "document": doc}).json()
    journey_id = journey["journey"]["id"]
    assert client.post(f"/api/journeys/{journey_id}/publish").json()["entered"] == 1
    drain(app_context.runtime)  # the customer now waits a day on version 1

    doc["nodes"] = [n for n in doc["nodes"] if n["id"] not in ("mail", "wait")]
    doc["edges"] = [edge("in", "out", "next")]
    assert client.patch(f"/api/journeys/{journey_id}", json={"document": doc}).status_code == 200
    assert client.post(f"/api/journeys/{journey_id}/publish").json()["version"] == 2
    refused = client.delete(f"/api/templates/{template['id']}")
    assert refused.status_code == 409
    use = client.get(f"/api/templates/{template['id']}").json()["used_by"][0]
    assert use["where"] == ["version 1 (customers still in it)"]

    move(app_context.runtime, timedelta(days=1, minutes=1))  # the customer gets the mail, ends
    assert client.delete(f"/api/templates/{template['id']}").status_code == 204


def test_render_matches_what_the_runtime_stores(client, app_context):
    template = make(client, options={"html": "<b>{{ customer.first_name }}</b>"})
    with app_context.writing() as session:
        add_customers(session, 1, app_context.now())
        customer = session.scalar(select(Customer))
        customer.attributes = {"first_name": "<Min>"}
        journey_id = add_journey(session, sender(template["id"]))
    assert client.post(f"/api/journeys/{journey_id}/publish").status_code == 200
    drain(app_context.runtime)
    with app_context.reading() as session:
        stored = session.scalar(select(Message)).content

    rendered = client.post(f"/api/templates/{template['id']}/render",
                           json={"external_id": "c0", "purpose": "marketing"}).json()
    assert rendered["error"] is None
    assert rendered["content"] == stored
    assert stored["subject"].startswith("(광고) ") and "unsubscribe_url" in stored
    assert rendered["content"]["html"] == "<b>&lt;Min&gt;</b>"  # HTML parts are escaped
    assert (rendered["customer"], rendered["template_version"]) == ("c0", 1)


def test_render_for_a_sample_or_an_unsaved_template(client, app_context):
    template = make(client)
    sample = client.post(f"/api/templates/{template['id']}/render", json={
        "sample": {"attributes": {"first_name": "Jisoo"}}}).json()
    assert sample["content"]["subject"] == "Hi Jisoo"
    assert sample["content"]["to"] == "sample@example.com"

    blank = client.post(f"/api/templates/{template['id']}/render", json={}).json()
    assert (blank["content"]["subject"], blank["content"]["text"]) == ("Hi", "Welcome, friend!")
    strict = client.post(f"/api/templates/{template['id']}/render", json={"strict": True}).json()
    assert strict["content"] is None and "first_name" in strict["error"]
    no_mail = client.post(f"/api/templates/{template['id']}/render",
                          json={"sample": {"email": None}}).json()
    assert no_mail["content"] is None and "no email address" in no_mail["error"]
    assert client.post(f"/api/templates/{template['id']}/render",
                       json={"external_id": "nobody"}).status_code == 404

    hook = client.post("/api/templates/render", json={
        "template": {"channel": "webhook", "name": "w",
                     "source": '{"plan": {{ payload.plan | json }}}',
                     "options": {"url": "https://x.example/{{ customer.external_id }}"}},
        "payload": {"plan": "pro"}}).json()
    assert hook["content"] == {"url": "https://x.example/sample", "method": "POST",
                               "headers": {}, "body": {"plan": "pro"}}
    assert hook["template_id"] is None
    bad = client.post("/api/templates/render", json={"template": {**WELCOME, "source": "{{"}})
    assert "source" in problems(bad)
