"""The A/B results panel on a published journey's canvas, in a real browser."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from runtime.flow.ingest import ingest_event
from runtime.store.audit import SYSTEM
from runtime.store.models import Customer, Run, Step
from server.schemas.events import EventIn
from server.schemas.journeys import JourneyCreate
from server.services import events, journeys
from server.services.results import journey_results
from server.services.stats import journey_stats
from tests.builder.journeys import document, edge, node
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.runtime.harness import add_customers, drain

WAIT = 10_000  # ms


def welcome_offer() -> dict[str, Any]:
    """Everyone → split Coupon 45 / Free shipping 45 / control 10 → exits; goal: a purchase."""
    return document(
        [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}, x=300),
         node("split", "flow.random", "Welcome offer", {"variants": [
             {"key": "a", "label": "Coupon", "percent": 45},
             {"key": "b", "label": "Free shipping", "percent": 45}], "control_percent": 10},
             x=300),
         node("x", "flow.exit", "Coupon sent", x=60), node("y", "flow.exit", "Shipping sent",
                                                          x=300),
         node("z", "flow.exit", "Held out", x=540)],
        [edge("in", "split"), edge("split", "x", "a"), edge("split", "y", "b"),
         edge("split", "z", "control")],
        goal={"event": "purchase", "within": {"amount": 7, "unit": "days"}, "exit": False})


def positioned(doc: dict[str, Any]) -> dict[str, Any]:
    rows = {"in": 120, "split": 280, "x": 470, "y": 470, "z": 470}
    for item in doc["nodes"]:
        item["position"]["y"] = rows[item["id"]]
    return doc


def test_the_canvas_shows_which_path_wins(live_app: LiveApp, browse: Any) -> None:
    wl = live_app.wayline
    journey_id = journeys.create_journey(wl, SYSTEM, JourneyCreate(
        name="Welcome offer test", document=positioned(welcome_offer()))).journey.id
    with wl.writing() as session:
        add_customers(session, 2000, wl.now())
    journeys.publish_journey(wl, SYSTEM, journey_id)
    drain(wl.runtime)
    # Every 12th Coupon customer buys, every 5th with free shipping, every 12th held out.
    split = journey_results(wl, journey_id).splits[0]
    assert sum(variant.entered for variant in split.variants) == 2000
    with wl.writing() as session:
        seen: dict[str, int] = {}
        for external_id, port in _paths(session, journey_id):
            seen[port] = seen.get(port, 0) + 1
            if seen[port] % (5 if port == "b" else 12) == 0:
                ingest_event(session, external_id, "purchase", {}, wl.now(), wl.now())

    page = browse(f"/journeys/{journey_id}")
    panel = page.locator("[data-ab-results]")
    expect(panel).to_be_visible(timeout=WAIT)
    expect(panel.locator("[data-ab-summary]")).to_contain_text(
        "Free shipping beats Control group with", timeout=WAIT)
    expected = {variant.key: variant for variant in journey_results(wl, journey_id)
                .splits[0].variants}
    for key, variant in expected.items():
        row = panel.locator(f'[data-ab-variant="{key}"]')
        expect(row).to_contain_text(f"{variant.entered:,}")
        expect(row).to_contain_text(f"{variant.rate * 100:.1f}%")
    expect(panel.locator('[data-ab-variant="control"] [data-ab-baseline]')).to_be_visible()
    expect(panel).to_contain_text("Goal: purchase within 7 days")
    screenshot(page, "ab-results")

    panel.locator("[data-ab-toggle]").click()
    expect(panel.locator("[data-ab-variant]")).to_have_count(0)
    panel.locator("[data-ab-toggle]").click()
    expect(panel.locator("[data-ab-variant]")).to_have_count(3)


def test_no_panel_on_a_draft_or_a_journey_without_a_split(live_app: LiveApp, browse: Any) -> None:
    wl = live_app.wayline
    draft = journeys.create_journey(wl, SYSTEM, JourneyCreate(
        name="Draft test", document=positioned(welcome_offer()))).journey.id
    page = browse(f"/journeys/{draft}")
    expect(page.locator(".wl-canvas .react-flow__pane")).to_be_visible(timeout=WAIT)
    page.wait_for_timeout(1500)
    expect(page.locator("[data-ab-results]")).to_have_count(0)


def _paths(session: Any, journey_id: int) -> list[tuple[str, str]]:
    """(external id, path taken) of every customer through the split, in entry order."""
    return session.execute(select(Customer.external_id, Step.port)
                           .join(Run, Run.id == Step.run_id)
                           .join(Customer, Customer.id == Run.customer_id)
                           .where(Run.journey_id == journey_id, Step.node_id == "split")
                           .order_by(Run.id)).all()


def test_live_counts_show_the_median_time_spent_at_a_wait(live_app: LiveApp, browse: Any) -> None:
    wl = live_app.wayline
    doc = document(
        [node("in", "entry.event", "Added to cart", {"event": "cart_add"}, x=300),
         node("wait", "flow.wait_event", "Bought?", {
             "event": "purchase", "timeout": {"amount": 1, "unit": "days"}}, x=300),
         node("yes", "flow.exit", "Bought", x=160), node("no", "flow.exit", "Gave up", x=440)],
        [edge("in", "wait"), edge("wait", "yes", "matched"), edge("wait", "no", "timeout")])
    for item, y in zip(doc["nodes"], (120, 280, 450, 450), strict=True):
        item["position"]["y"] = y
    journey_id = journeys.create_journey(wl, SYSTEM, JourneyCreate(name="Cart",
                                                                   document=doc)).journey.id
    journeys.publish_journey(wl, SYSTEM, journey_id)
    for customer in ("m-1", "m-2", "m-3"):
        events.ingest_one(wl, EventIn(external_id=customer, name="cart_add"))
    drain(wl.runtime)
    time.sleep(2.2)  # real time: the live app runs on the system clock
    for customer in ("m-1", "m-2", "m-3"):
        events.ingest_one(wl, EventIn(external_id=customer, name="purchase"))
    drain(wl.runtime)
    page = browse(f"/journeys/{journey_id}")
    median = page.locator('[data-live-median="wait"]')
    # The stay is real time (≥ 2.2 s, longer on a loaded machine): the page says what the
    # stats measured, in whole seconds.
    [wait] = [item for item in journey_stats(wl, journey_id).nodes if item.node_id == "wait"]
    assert wait.median_seconds is not None and wait.median_seconds >= 2.2
    expect(median).to_have_text(f"~{int(wait.median_seconds + 0.5)}s", timeout=WAIT)  # JS rounds
    expect(page.locator('[data-live-median="in"]')).to_have_count(0)  # no time spent there
    screenshot(page, "live-median")
