"""Test sends over the API: the message a customer would get — advertising label included —
reaches a local SMS provider once per test recipient and a local mail server for "me", marked
as a test, with no message row, so no stats, cap or guardrail moves; each in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from runtime.messaging.providers import HttpProviderAdapter
from runtime.store.models import Message
from runtime.store.team_models import AuditEvent, Role
from tests.runtime import providers as servers
from tests.runtime.harness import add_customers, add_template

smtp_server = servers.smtp_server  # the local SMTP server, shared as a fixture
http_server = servers.http_server  # the local HTTP server standing in for the SMS provider


@pytest.fixture
def texts(app_context, http_server):
    """The app's SMS go to a local provider."""
    endpoint = http_server()
    app_context.runtime.adapters["sms"] = HttpProviderAdapter(
        "sms", endpoint.url, "key", {"sender": "0212345678"}, timeout=2)
    yield endpoint
    app_context.runtime.adapters["sms"].close()


def made(app_context, channel: str, subject: str | None, source: str) -> int:
    with app_context.writing() as session:
        add_customers(session, 1, app_context.now(), attributes={"first_name": "민지"})
        return add_template(session, channel, "Spring sale", subject, source)


def test_a_test_text_goes_to_each_test_recipient_once_and_counts_nowhere(
        client_as, app_context, texts):
    template = made(app_context, "sms", None, "{{ customer.first_name }}님, 봄 세일!")
    admin, editor = client_as(Role.ADMIN), client_as(Role.EDITOR)
    none_yet = editor.post(f"/api/templates/{template}/test", json={"external_id": "c0"})
    assert none_yet.status_code == 422 and "Test recipients" in none_yet.json()["detail"]
    saved = admin.put("/api/workspace/test-recipients",
                      json={"emails": [], "phones": ["010-1111-2222", "010-3333-4444"]})
    assert saved.status_code == 200, saved.text

    report = editor.post(f"/api/templates/{template}/test", json={"external_id": "c0"})
    assert report.status_code == 200, report.text
    assert report.json() == {"channel": "sms", "results": [
        {"to": "010-1111-2222", "sent": True, "problem": None},
        {"to": "010-3333-4444", "sent": True, "problem": None}]}
    assert [request.body["to"] for request in texts.requests] == ["010-1111-2222",
                                                                  "010-3333-4444"]
    for request in texts.requests:
        assert request.body["test"] is True and request.headers["X-Wayline-Test"] == "1"
        assert request.body["text"].startswith("(광고) 민지님, 봄 세일!")  # as for real
    keys = {request.headers["Idempotency-Key"] for request in texts.requests}
    assert len(keys) == 2 and all(int(key) >= 8 * 10**18 for key in keys)
    with app_context.reading() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "template.test_sent")).one()
    assert audit.summary == "test sms to 010-1111-2222, 010-3333-4444"
    viewer = client_as(Role.VIEWER)
    assert viewer.post(f"/api/templates/{template}/test", json={}).status_code == 403


def test_a_test_email_to_me_is_marked_and_cannot_unsubscribe_the_customer(
        client_as, app_context, smtp_server):
    box = smtp_server()
    app_context.runtime.adapters["email"] = servers.sender_for(box)
    template = made(app_context, "email", "Hello {{ customer.first_name }}",
                    "Spring sale. Unsubscribe: {{ unsubscribe_url }}")
    editor = client_as(Role.EDITOR)
    report = editor.post(f"/api/templates/{template}/test",
                         json={"external_id": "c0", "to": "me"})
    assert report.status_code == 200, report.text
    [email] = box.received
    assert email["To"] == "editor-1@example.kr"
    assert email["Subject"] == "[Test] (광고) Hello 민지"
    assert email["List-Unsubscribe"] is None
    with app_context.reading() as session:
        customer_id = session.scalar(select(func.min(Message.customer_id)))
    assert customer_id is None  # no message row
