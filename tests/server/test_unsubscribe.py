"""Unsubscribe from a real email: a journey mails a customer through a real SMTP server
(aiosmtpd); the link in the email's List-Unsubscribe header is followed on the running app;
that customer's next marketing email is suppressed for want of consent."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from runtime.store.models import Customer, Event, Message, MessageStatus, Template
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import drain
from tests.runtime.providers import sender_for, smtp_server  # noqa: F401 - fixture
from tests.server.test_events import publish


def mail_journey(template: int, event: str) -> dict:
    return document([node("in", "entry.event", "Visited", {"event": event}),
                     node("mail", "action.send", "Sale mail",
                          {"channel": "email", "template": template, "purpose": "marketing"})],
                    [edge("in", "mail")])


@pytest.fixture
def mailbox(app_context, smtp_server):  # noqa: F811 - the fixture imported above
    """A local SMTP server the app's email adapter sends to."""
    box = smtp_server()
    adapter = sender_for(box, **{"from": "Shop <news@shop.test>"})
    app_context.runtime.adapters["email"] = adapter
    yield box
    adapter.close()


def sale_template(app_context) -> int:
    with app_context.writing() as session:
        template = Template(
            channel="email", name="Sale", subject="{{ customer.name }}님, 오늘만 세일",
            source="세일 중이에요.\n수신거부: {{ unsubscribe_url }}",
            options={"html": "<p>세일 중이에요.</p><a href='{{ unsubscribe_url }}'>수신거부</a>"})
        session.add(template)
        session.flush()
        return template.id


def test_the_unsubscribe_link_in_a_real_email_stops_marketing(client, ingest_headers,
                                                              app_context, mailbox):
    template = sale_template(app_context)
    publish(client, mail_journey(template, "visit"), "Sale")
    publish(client, mail_journey(template, "cart"), "Cart")
    client.put("/api/customers/m1", headers=ingest_headers, json={
        "email": "minji@example.kr", "attributes": {"name": "민지"},
        "consent": {"email": True}})
    client.post("/api/events", headers=ingest_headers, json={"external_id": "m1",
                                                             "name": "visit"})
    drain(app_context.runtime)

    [email] = mailbox.received
    assert email.get_content_type() == "multipart/alternative"
    assert email["Subject"] == "(광고) 민지님, 오늘만 세일"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", email["List-Unsubscribe"].strip())[1]
    assert url in email.get_body(("plain",)).get_content()
    assert url.replace("&", "&amp;") in email.get_body(("html",)).get_content()
    path = urlsplit(url).path

    page = client.get(path)
    assert page.status_code == 200 and "data-unsubscribe" in page.text
    with app_context.reading() as session:  # looking changes nothing (mail scanners look)
        assert session.scalar(select(Customer.consent))["email"]["marketing"] is True

    done = client.post(path, content=b"List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "data-unsubscribed" in done.text
    assert client.post(path).status_code == 200  # a second click is harmless

    client.post("/api/events", headers=ingest_headers, json={"external_id": "m1",
                                                             "name": "cart"})
    drain(app_context.runtime)
    assert len(mailbox.received) == 1
    with app_context.reading() as session:
        consent = session.scalar(select(Customer.consent))
        events = session.scalars(select(Event).where(Event.name == "unsubscribed")).all()
        first, second = session.scalars(select(Message).order_by(Message.id)).all()
    assert consent["email"]["marketing"] is False
    assert [event.properties["channel"] for event in events] == ["email"]
    assert first.status is MessageStatus.SENT
    assert second.status is MessageStatus.SUPPRESSED
    assert "no marketing consent" in second.reason


def test_a_tampered_link_is_a_404_page_and_changes_nothing(client, ingest_headers, app_context):
    client.put("/api/customers/m2", headers=ingest_headers, json={
        "email": "m2@example.kr", "consent": {"email": True}})
    with app_context.reading() as session:
        customer_id = session.scalar(select(Customer.id))
    for token in (f"{customer_id}.email.forged0000000000000000", "nonsense", f"{customer_id}"):
        assert client.get(f"/unsubscribe/{token}").status_code == 404
        answer = client.post(f"/unsubscribe/{token}")
        assert answer.status_code == 404 and "not valid" in answer.text
    with app_context.reading() as session:
        assert session.scalar(select(Customer.consent))["email"]["marketing"] is True
