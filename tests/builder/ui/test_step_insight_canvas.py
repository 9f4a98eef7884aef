"""What each send step earned, and each split path's lift, on a live journey's canvas, in a real
browser, in English and Korean."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from runtime.flow.ingest import ingest_event
from runtime.insight import roll_up
from runtime.messaging.tracking import Tracked, record_engagement
from runtime.store.audit import SYSTEM
from runtime.store.models import Customer, Message, Run
from server.schemas.journeys import JourneyCreate, JourneyUpdate
from server.services import journeys
from server.services.stats import journey_stats
from tests.builder.journeys import document, edge, node
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.runtime import providers as servers
from tests.runtime.harness import add_customers, add_template, drain

smtp_server = servers.smtp_server
WAIT = 15_000  # ms


def offer_test(first: int, second: int) -> dict[str, Any]:
    """Everyone → split Coupon 45 / Free shipping 45 / control 10 → an email on each path."""
    doc = document(
        [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}, x=300),
         node("split", "flow.random", "Offer test", {"variants": [
             {"key": "a", "label": "Coupon", "percent": 45},
             {"key": "b", "label": "Free shipping", "percent": 45}], "control_percent": 10},
             x=300),
         node("mail_a", "action.send", "Coupon mail", {"channel": "email", "template": first},
              x=60),
         node("mail_b", "action.send", "Shipping mail", {"channel": "email",
                                                         "template": second}, x=340),
         node("z", "flow.exit", "Held out", x=620)],
        [edge("in", "split"), edge("split", "mail_a", "a"), edge("split", "mail_b", "b"),
         edge("split", "z", "control")],
        goal={"event": "purchase", "within": {"amount": 7, "unit": "days"}, "exit": False,
              "value": "total"})
    for item, y in zip(doc["nodes"], (100, 260, 460, 460, 460), strict=True):
        item["position"]["y"] = y
    return doc


@pytest.fixture
def earned(live_app: LiveApp, smtp_server) -> int:
    """A published split journey whose emails went out; a third opened, a quarter bought."""
    wl = live_app.wayline
    wl.runtime.adapters["email"] = servers.sender_for(smtp_server())
    with wl.writing() as session:
        add_customers(session, 400, wl.now())
        first, second = (add_template(session, name=name, subject=f"{name} inside",
                                      source="A treat for you")
                         for name in ("Coupon", "Shipping"))
    journey_id = journeys.create_journey(wl, SYSTEM, JourneyCreate(
        name="Offer test", document=offer_test(first, second))).journey.id
    journeys.publish_journey(wl, SYSTEM, journey_id)
    drain(wl.runtime)
    with wl.writing() as session:
        sent = session.scalars(select(Message.id).where(Message.sent_at.is_not(None))
                               .order_by(Message.id)).all()
        assert len(sent) > 300
        for index, message_id in enumerate(sent):
            if index % 3 == 0:
                record_engagement(session, Tracked("o", message_id), wl.now())
        buyers = session.execute(select(Customer.external_id, Run.id).join(
            Run, Run.customer_id == Customer.id).order_by(Run.id)).all()
        for index, (external_id, _run) in enumerate(buyers):
            if index % 4 == 0:
                ingest_event(session, external_id, "purchase", {"total": 25_000}, wl.now(),
                             wl.now())
    roll_up(wl.runtime.sessions, wl.now(), ZoneInfo(wl.settings.timezone),
            keys=["journey_days"], force=True)
    return journey_id


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
def test_send_steps_show_their_rates_and_the_split_its_lift(live_app: LiveApp, browse: Any,
                                                            earned: int, locale: str) -> None:
    stats = journey_stats(live_app.wayline, earned)
    nodes = {item.node_id: item for item in stats.nodes}
    page = browse(f"/journeys/{earned}", locale=locale)
    for step in ("mail_a", "mail_b"):
        figures = nodes[step].engagement
        line = page.locator(f'[data-earned="{step}"]')
        expect(line).to_be_visible(timeout=WAIT)
        opened = line.locator('[data-earned-figure="opened"]')
        expect(opened).to_contain_text(f"{round(figures.open_rate * 100)}%")
        expect(opened).to_have_attribute("title", re.compile(
            f"{figures.opened}.*{figures.sent:,}|{figures.sent:,}.*{figures.opened}"))
        expect(line.locator('[data-earned-figure="revenue"]')).to_contain_text(
            f"{figures.revenue:,.0f}")
    ports = {port.port: port for port in nodes["split"].ports}
    lift = ports["b"].lift
    assert lift is not None
    wire = page.locator(f'[data-edge-lift="{ports["b"].edge_id}"]')
    expect(wire).to_contain_text(f"{round(lift * 100):+d}%".replace("+-", "-"))
    expect(page.locator(f'[data-edge-result="{ports["control"].edge_id}"]')).to_contain_text(
        "대조군" if locale == "ko-KR" else "control")
    if locale == "ko-KR":
        expect(page.locator('[data-earned="mail_a"]')).to_contain_text("열람")
    screenshot(page, f"step-insight-{locale}")


def test_an_older_version_shows_what_its_own_customers_earned(live_app: LiveApp, browse: Any,
                                                              earned: int) -> None:
    wl = live_app.wayline
    before = {item.node_id: item for item in journey_stats(wl, earned, 1).nodes}
    doc = journeys.get_journey(wl, earned).document
    doc["nodes"][2]["data"]["label"] = "Coupon mail, shorter"
    journeys.update_journey(wl, SYSTEM, earned, JourneyUpdate(document=doc))
    journeys.publish_journey(wl, SYSTEM, earned)
    page = browse(f"/journeys/{earned}")
    page.locator('[data-action="history"]').click()
    page.locator('[data-version="1"] [data-action="open-version"]').click()
    canvas = page.locator('[data-history-canvas="1"]')
    line = canvas.locator('[data-earned="mail_a"] [data-earned-figure="opened"]')
    expect(line).to_contain_text(f"{round(before['mail_a'].engagement.open_rate * 100)}%",
                                 timeout=WAIT)
    expect(canvas.locator('[data-live="mail_a"]')).to_contain_text(
        f"{before['mail_a'].entered}")
