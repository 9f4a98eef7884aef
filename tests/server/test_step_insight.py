"""What each step earned, on the canvas's stats: a real split journey sends real emails through a
local SMTP server, customers open, click, unsubscribe and buy, and every figure agrees with a
count of the rows."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from runtime.flow.ingest import ingest_event
from runtime.insight import roll_up
from runtime.messaging.tracking import CLICKED, OPENED, track_email
from runtime.messaging.unsubscribe import UNSUBSCRIBED_EVENT
from runtime.store.insight_models import InsightState
from runtime.store.models import Customer, Event, Message, Run, Step, Template
from tests.builder.journeys import document, edge, node
from tests.runtime import providers as servers
from tests.runtime.harness import add_customers, add_journey, drain

smtp_server = servers.smtp_server

CUSTOMERS = 60
HTML = '<html><body><p><a href="https://shop.example.com/sale">Shop</a></p></body></html>'


def split_journey(first: int, second: int) -> dict:
    """Everyone → split A 45 / B 45 / control 10 → A and B each get an email; goal: a
    purchase within 7 days, its `total` the revenue."""
    return document(
        [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("split", "flow.random", "Offer test", {"variants": [
             {"key": "a", "label": "Coupon", "percent": 45},
             {"key": "b", "label": "Free shipping", "percent": 45}], "control_percent": 10}),
         node("mail_a", "action.send", "Coupon mail", {"channel": "email", "template": first}),
         node("mail_b", "action.send", "Shipping mail", {"channel": "email",
                                                         "template": second}),
         node("x", "flow.exit", "A"), node("y", "flow.exit", "B"), node("z", "flow.exit", "C")],
        [edge("in", "split"), edge("split", "mail_a", "a"), edge("split", "mail_b", "b"),
         edge("split", "z", "control"), edge("mail_a", "x", "next"), edge("mail_b", "y", "next")],
        goal={"event": "purchase", "within": {"amount": 7, "unit": "days"}, "exit": False,
              "value": "total"})


@pytest.fixture
def mailbox(smtp_server, app_context):
    box = smtp_server()
    app_context.runtime.adapters["email"] = track_email(servers.sender_for(box),
                                                        app_context.settings)
    return box


def local(url: str) -> str:
    parts = urlsplit(url.replace("&amp;", "&"))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_each_send_step_shows_what_it_earned_and_the_split_its_lift(client, app_context,
                                                                   mailbox):
    rt = app_context.runtime
    with app_context.writing() as session:
        add_customers(session, CUSTOMERS, app_context.now())
        templates = []
        for name in ("Coupon", "Shipping"):
            template = Template(channel="email", name=name, subject=name, source=name,
                                options={"html": HTML})
            session.add(template)
            session.flush()
            templates.append(template.id)
        journey = add_journey(session, split_journey(*templates), "Offer test")
    answer = client.post(f"/api/journeys/{journey}/publish")
    assert answer.status_code == 200, answer.text
    drain(rt)
    with app_context.reading() as session:  # the sweep queued a rollup, which rolled once
        assert session.get(InsightState, "journey_days") is not None

    # Every third customer opens, every fifth clicks, every seventh unsubscribes; every
    # fourth buys, for 10,000 won times their place in the mailbox.
    rt.clock.advance(timedelta(hours=2))
    for index, email in enumerate(mailbox.received):
        html = email.get_body(preferencelist=("html",)).get_content()
        if index % 3 == 0:
            [pixel] = re.findall(r'<img src="([^"]+)"', html)
            assert client.get(local(pixel)).status_code == 200
        if index % 5 == 0:
            [link] = re.findall(r'<a href="([^"]+)">Shop', html)
            assert client.get(local(link), follow_redirects=False).status_code == 302
            client.get(local(link), follow_redirects=False)  # a second click counts once
    with rt.sessions() as session:
        customers = session.execute(select(Customer.id, Customer.external_id)
                                    .order_by(Customer.id)).all()
        for index, (_id, external_id) in enumerate(customers):
            if index % 7 == 0:
                ingest_event(session, external_id, UNSUBSCRIBED_EVENT, {"channel": "email"},
                             rt.clock.now(), rt.clock.now())
            if index % 4 == 0:
                ingest_event(session, external_id, "purchase", {"total": 10_000 * (index + 1)},
                             rt.clock.now() + timedelta(minutes=1), rt.clock.now())
        session.commit()
    rt.clock.advance(timedelta(minutes=5))
    roll_up(rt.sessions, rt.clock.now(), ZoneInfo(app_context.settings.timezone),
            keys=["journey_days"])

    stats = client.get(f"/api/journeys/{journey}/stats").json()
    nodes = {item["node_id"]: item for item in stats["nodes"]}
    expected = brute_force(app_context)
    for step in ("mail_a", "mail_b"):
        earned = nodes[step]["engagement"]
        assert {key: earned[key] for key in expected[step]} == expected[step], step
        assert earned["open_rate"] == pytest.approx(earned["opened"] / earned["sent"])
        assert earned["conversion_rate"] == pytest.approx(earned["converted"] / earned["sent"])
    assert nodes["mail_a"]["engagement"]["sent"] + nodes["mail_b"]["engagement"]["sent"] == \
        len(mailbox.received)
    assert nodes["split"]["engagement"] is None and nodes["in"]["engagement"] is None
    assert stats["revenue"] == pytest.approx(sum(
        step["revenue"] for step in expected.values()) + expected_unattributed(app_context))
    assert stats["insight_as_of"] is not None

    ports = {port["port"]: port for port in nodes["split"]["ports"]}
    control = ports["control"]
    assert control["control"] is True and control["lift"] is None
    for key in ("a", "b"):
        port = ports[key]
        assert port["rate"] == pytest.approx(port["converted"] / port["count"])
        if control["rate"]:
            assert port["lift"] == pytest.approx(port["rate"] / control["rate"] - 1)
    assert sum(port["count"] for port in ports.values()) == CUSTOMERS


def brute_force(app_context) -> dict[str, dict]:
    """Per send step, from the rows: sent, opened, clicked (messages), unsubscribed (the
    customer's last email), converted and revenue (the run's last message before buying)."""
    with app_context.reading() as session:
        messages = session.scalars(select(Message)).all()
        events = session.scalars(select(Event)).all()
        runs = session.scalars(select(Run)).all()
        steps = session.scalars(select(Step)).all()
    assert steps
    figures: dict[str, Counter] = {"mail_a": Counter(), "mail_b": Counter()}
    revenue = {"mail_a": 0.0, "mail_b": 0.0}
    by_id = {message.id: message for message in messages}
    clicked = set()
    for message in messages:
        if message.sent_at is not None:
            figures[message.node_id]["sent"] += 1
    for event in events:
        if event.name == OPENED:
            figures[by_id[event.properties["message_id"]].node_id]["opened"] += 1
        elif event.name == CLICKED and event.properties["message_id"] not in clicked:
            clicked.add(event.properties["message_id"])
            figures[by_id[event.properties["message_id"]].node_id]["clicked"] += 1
        elif event.name == UNSUBSCRIBED_EVENT:
            mine = [message for message in messages if message.customer_id == event.customer_id
                    and message.sent_at and message.sent_at <= event.occurred_at]
            if mine:
                figures[max(mine, key=lambda m: (m.sent_at, m.id)).node_id]["unsubscribed"] += 1
    totals = {(event.customer_id, event.occurred_at): event.properties["total"]
              for event in events if event.name == "purchase"}
    for run in runs:
        if run.converted_at is None:
            continue
        mine = [message for message in messages if message.run_id == run.id
                and message.sent_at and message.sent_at <= run.converted_at]
        if mine:
            step = max(mine, key=lambda m: (m.sent_at, m.id)).node_id
            figures[step]["converted"] += 1
            revenue[step] += totals[(run.customer_id, run.converted_at)]
    return {step: {"sent": counts["sent"], "opened": counts["opened"],
                   "clicked": counts["clicked"], "unsubscribed": counts["unsubscribed"],
                   "converted": counts["converted"], "revenue": revenue[step]}
            for step, counts in figures.items()}


def expected_unattributed(app_context) -> float:
    """Revenue of conversions no message preceded (the control group's)."""
    with app_context.reading() as session:
        runs = session.scalars(select(Run).where(Run.converted_at.is_not(None))).all()
        sent = {message.run_id for message in session.scalars(
            select(Message).where(Message.sent_at.is_not(None)))}
        totals = {(event.customer_id, event.occurred_at): event.properties["total"]
                  for event in session.scalars(select(Event).where(Event.name == "purchase"))}
    return float(sum(totals[(run.customer_id, run.converted_at)] for run in runs
                     if run.id not in sent))
