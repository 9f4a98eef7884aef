"""Open and click tracking end to end: a real email through a local SMTP server, its pixel and
its link fetched from the real app, and the events they become resuming waiting customers."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from runtime.messaging.tracking import CLICKED, OPENED, Tracked, Tracker, track_email, tracker_for
from runtime.store.models import Event, Run, RunStatus, Template
from tests.builder.journeys import document, edge, node
from tests.runtime import providers as servers
from tests.runtime.harness import drain
from tests.server.test_events import publish

smtp_server = servers.smtp_server  # the local SMTP server, shared as a fixture

SHOP = "https://shop.example.com/welcome?utm_source=mail&x=1"
HTML = ('<html><body><h1>Welcome {{ customer.first_name | default: "friend" }}</h1>'
        '<p><a href="https://shop.example.com/welcome?utm_source=mail&amp;x=1">Shop now</a></p>'
        '<p><a href="mailto:help@shop.example.com">Write to us</a></p></body></html>')


def engaged(template: int) -> dict:
    """Sign-up → welcome mail → wait for it to be opened → wait for a click in it → exits."""
    opened = {"event": OPENED, "timeout": {"amount": 3, "unit": "days"},
              "where": [{"type": "attr", "field": "node_id", "op": "eq", "value": "mail"}]}
    clicked = {**opened, "event": CLICKED}
    return document(
        [node("in", "entry.event", "Signed up", {"event": "signup"}),
         node("mail", "action.send", "Welcome mail", {"channel": "email", "template": template}),
         node("open", "flow.wait_event", "Opened it?", opened),
         node("click", "flow.wait_event", "Clicked?", clicked),
         node("won", "flow.exit", "Clicked", {"reason": "clicked"}),
         node("cold", "flow.exit", "Never opened", {"reason": "never opened"}),
         node("lukewarm", "flow.exit", "Opened only", {"reason": "opened only"})],
        [edge("in", "mail"), edge("mail", "open", "next"), edge("open", "click", "matched"),
         edge("open", "cold", "timeout"), edge("click", "won", "matched"),
         edge("click", "lukewarm", "timeout")])


@pytest.fixture
def mailbox(smtp_server, app_context):
    """A local mail server, and the app's email going to it with tracking on."""
    box = smtp_server()
    app_context.runtime.adapters["email"] = track_email(servers.sender_for(box),
                                                        app_context.settings)
    return box


def html_of(email) -> str:
    return email.get_body(preferencelist=("html",)).get_content()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def signed_up(client, app_context, ingest_headers) -> int:
    """A customer signs up, gets the welcome mail, and waits for it to be opened; the run id."""
    with app_context.writing() as session:
        template = Template(channel="email", name="Welcome", subject="Welcome!",
                            source="Welcome, shop at https://shop.example.com",
                            options={"html": HTML})
        session.add(template)
        session.flush()
        template_id = template.id
    publish(client, engaged(template_id))
    client.put("/api/customers/e1", headers=ingest_headers,
               json={"email": "e1@example.com", "consent": {"email": True}})
    answer = client.post("/api/events", headers=ingest_headers,
                         json={"external_id": "e1", "name": "signup"})
    [run_id] = answer.json()["enrolled"]
    drain(app_context.runtime)
    return run_id


def run_at(app_context, run_id: int) -> tuple[str, RunStatus, str | None]:
    with app_context.reading() as session:
        run = session.get(Run, run_id)
        return run.node_id, run.status, run.exit_reason


def test_opening_and_clicking_a_real_email_resume_the_waits(client, app_context, mailbox,
                                                             ingest_headers):
    run_id = signed_up(client, app_context, ingest_headers)
    assert run_at(app_context, run_id)[:2] == ("open", RunStatus.WAITING)
    [email] = mailbox.received
    html = html_of(email)
    [link] = re.findall(r'<a href="([^"]+)">Shop now', html)
    [pixel] = re.findall(r'<img src="([^"]+)"', html)
    assert "shop.example.com" not in link and "/t/c/" in link  # the address is in the token
    assert 'href="mailto:help@shop.example.com"' in html  # not http(s): left alone
    assert "Welcome friend" in html and email.get_body(("plain",)).get_content().startswith(
        "Welcome, shop")  # the text part is untouched

    seen = client.get(path_of(pixel))
    assert seen.status_code == 200 and seen.headers["content-type"] == "image/gif"
    assert seen.content.startswith(b"GIF89a") and "no-store" in seen.headers["cache-control"]
    drain(app_context.runtime)
    assert run_at(app_context, run_id)[:2] == ("click", RunStatus.WAITING)

    followed = client.get(path_of(link.replace("&amp;", "&")), follow_redirects=False)
    assert followed.status_code == 302 and followed.headers["location"] == SHOP
    drain(app_context.runtime)
    assert run_at(app_context, run_id) == ("won", RunStatus.EXITED, "clicked")

    again = client.get(path_of(link), follow_redirects=False)  # a second click still redirects
    client.get(path_of(pixel))
    assert again.status_code == 302 and again.headers["location"] == SHOP
    with app_context.reading() as session:
        events = session.execute(select(Event.name, Event.properties)
                                 .order_by(Event.id)).all()
    tracked = [(name, props) for name, props in events if name in (OPENED, CLICKED)]
    assert [name for name, _ in tracked] == [OPENED, CLICKED]  # recorded once each
    message_id = int(email["X-Wayline-Message-Id"])
    assert tracked[1][1] == {"message_id": message_id, "journey_id": tracked[1][1]["journey_id"],
                             "node_id": "mail", "channel": "email", "url": SHOP, "link": 1}


def test_a_click_alone_counts_as_an_open(client, app_context, mailbox, ingest_headers):
    run_id = signed_up(client, app_context, ingest_headers)
    [link] = re.findall(r'<a href="([^"]+)">Shop now', html_of(mailbox.received[0]))
    assert client.get(path_of(link), follow_redirects=False).status_code == 302
    drain(app_context.runtime)  # images were blocked: the click is the first sign of life
    # Opened, then: the run moves on to wait for a click (one after the wait began).
    assert run_at(app_context, run_id)[:2] == ("click", RunStatus.WAITING)
    with app_context.reading() as session:
        names = session.scalars(select(Event.name).order_by(Event.id)).all()
    assert names[-2:] == [OPENED, CLICKED]


def forged(token: str, url: str) -> str:
    """The token with its address swapped for another, keeping the old signature."""
    body, _, signature = token.partition(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    kind, message, link, _old = raw.split(":", 3)
    changed = f"{kind}:{message}:{link}:{url}".encode()
    return base64.urlsafe_b64encode(changed).rstrip(b"=").decode() + "." + signature


def test_tampered_tokens_are_refused_never_redirected(client, app_context, mailbox,
                                                      ingest_headers):
    run_id = signed_up(client, app_context, ingest_headers)
    html = html_of(mailbox.received[0])
    [link] = re.findall(r'<a href="([^"]+)">Shop now', html)
    [pixel] = re.findall(r'<img src="([^"]+)"', html)
    token = path_of(link).removeprefix("/t/c/")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")  # spare bits: same bytes
    middle = len(token) - 8
    changed = token[:middle] + ("x" if token[middle] != "x" else "y") + token[middle + 1:]
    other_key = Tracker(b"another installation's key", "http://x").token(
        Tracked("c", 1, 1, "https://evil.example.net"))
    attempts = [forged(token, "https://evil.example.net/phish"), flipped, changed, other_key,
                token.partition(".")[0], "not-a-token", "%00", "a.b.c",
                path_of(pixel).removeprefix("/t/o/")]  # an open token is no click token
    for attempt in attempts:
        answer = client.get(f"/t/c/{attempt}", follow_redirects=False)
        assert answer.status_code == 404, (attempt, answer.status_code)
        assert "location" not in answer.headers
    assert client.get(f"/t/o/{flipped}.gif").status_code == 404
    drain(app_context.runtime)
    assert run_at(app_context, run_id)[:2] == ("open", RunStatus.WAITING)
    with app_context.reading() as session:
        assert not session.scalars(select(Event.id).where(
            Event.name.in_((OPENED, CLICKED)))).all()


def test_a_valid_click_on_a_deleted_message_still_goes_through(client, app_context):
    tracker = tracker_for(app_context.settings)
    url = tracker.click_url(987654, 1, "https://shop.example.com/")
    answer = client.get(path_of(url), follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"] == "https://shop.example.com/"


def opened_or_not(template: int) -> dict:
    """Sign-up → welcome mail → an hour later: opened the welcome mail? → exits; the goal is a
    click on it, which ends the journey."""
    opened = {"type": "event", "event": OPENED, "within": {"amount": 1, "unit": "days"},
              "where": [{"type": "attr", "field": "node_id", "op": "eq", "value": "mail"}]}
    return document(
        [node("in", "entry.event", "Signed up", {"event": "signup"}),
         node("mail", "action.send", "Welcome mail", {"channel": "email", "template": template}),
         node("later", "flow.delay", "An hour later",
              {"mode": "duration", "duration": {"amount": 1, "unit": "hours"}}),
         node("check", "flow.condition", "Opened the welcome mail?", {"rule": opened}),
         node("yes", "flow.exit", "Opened", {"reason": "opened"}),
         node("no", "flow.exit", "Not opened", {"reason": "not opened"})],
        [edge("in", "mail"), edge("mail", "later", "next"), edge("later", "check", "next"),
         edge("check", "yes", "yes"), edge("check", "no", "no")],
        goal={"event": CLICKED, "within": {"amount": 2, "unit": "days"}, "exit": True})


def test_a_condition_asks_whether_the_mail_was_opened_and_a_click_converts(
        client, app_context, mailbox, ingest_headers):
    with app_context.writing() as session:
        template = Template(channel="email", name="Welcome", subject="Welcome!", source="Hi",
                            options={"html": HTML})
        session.add(template)
        session.flush()
        template_id = template.id
    publish(client, opened_or_not(template_id))
    runs = {}
    for customer in ("reader", "skimmer", "clicker"):
        client.put(f"/api/customers/{customer}", headers=ingest_headers,
                   json={"email": f"{customer}@example.com", "consent": {"email": True}})
        [runs[customer]] = client.post("/api/events", headers=ingest_headers, json={
            "external_id": customer, "name": "signup"}).json()["enrolled"]
    drain(app_context.runtime)
    mails = {email["To"].split("@")[0]: html_of(email) for email in mailbox.received}
    assert set(mails) == {"reader", "skimmer", "clicker"}
    [pixel] = re.findall(r'<img src="([^"]+)"', mails["reader"])
    assert client.get(path_of(pixel)).status_code == 200
    [link] = re.findall(r'<a href="([^"]+)">Shop now', mails["clicker"])
    assert client.get(path_of(link), follow_redirects=False).status_code == 302
    with app_context.reading() as session:
        clicker = session.get(Run, runs["clicker"])
    assert (clicker.status, clicker.exit_reason) == (RunStatus.EXITED,
                                                     f"converted: did '{CLICKED}'")
    assert clicker.converted_at == app_context.now()

    app_context.runtime.clock.advance(timedelta(hours=1, seconds=1))
    drain(app_context.runtime)
    assert run_at(app_context, runs["reader"]) == ("yes", RunStatus.EXITED, "opened")
    assert run_at(app_context, runs["skimmer"]) == ("no", RunStatus.EXITED, "not opened")
