"""Previews on the canvas in a real browser: who enters (count, sample, why / why not), one
customer's path drawn on the canvas, and the dry run's counts drawn on the wires.

The expected figures are worked out here from the customers the test creates, and the path is
checked against what the services themselves say, so the page must show what the app computes.
The app's clock stands still on a weekday morning in Seoul (the journey's time zone), so what
the night-time rule allows does not depend on the hour the tests run at.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from playwright.sync_api import expect

from runtime.clock import FrozenClock
from runtime.store.audit import SYSTEM
from server.schemas.customers import CustomerBulkIn
from server.schemas.journeys import JourneyCreate
from server.schemas.previews import DryRunIn
from server.services import customers, dry_runs, journeys, starters
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.builder.ui.test_canvas import (
    WAIT,
    blank_journey,
    drop,
    email_template,
    node,
    open_editor,
    saved,
)

SCORES = list(range(0, 100, 10))
"""Customer c<i> has score SCORES[i]; the even ones are on the pro plan."""

NO_CONSENT = "c4"
"""The one customer who never agreed to marketing email."""

MORNING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
"""Monday 10:00 in Seoul: a path entered now sends its marketing when it reaches it (+2 or +3
days at 10:00), where at night (21:00–08:00) the night-time rule would defer it."""


@pytest.fixture(autouse=True)
def morning(live_app: LiveApp) -> None:
    """The app's clock stopped at MORNING (the live app otherwise runs on the system clock)."""
    live_app.wayline.runtime.clock = FrozenClock(MORNING)


def add_customers(app: LiveApp) -> None:
    items = [{"external_id": f"c{i}", "email": f"c{i}@example.com",
              "attributes": {"first_name": f"Kim{i}", "plan": "pro" if i % 2 == 0 else "free",
                             "score": score},
              "consent": {"email": f"c{i}" != NO_CONSENT}}
             for i, score in enumerate(SCORES)]
    result = customers.upsert_bulk(app.wayline, msgspec.convert({"items": items}, CustomerBulkIn))
    assert result.created == len(SCORES) and result.invalid == 0


def rule(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"type": "and", "rules": list(parts)}


def step(node_id: str, kind: str, label: str, config: dict[str, Any], x: int, y: int) -> dict:
    return {"id": node_id, "type": kind, "position": {"x": x, "y": y},
            "data": {"label": label, "config": config}}


def wire(source: str, target: str, port: str = "next") -> dict[str, Any]:
    return {"id": f"{source}-{port}", "source": source, "sourceHandle": port, "target": target}


def vip_journey(app: LiveApp) -> int:
    """Pro customers scoring 20+ enter; 50+ get the VIP mail now, the rest a reminder in 2 days."""
    template = email_template(app)
    document = {"nodes": [
        step("entry", "entry.segment", "Engaged pros", {"rule": rule(
            {"type": "attr", "field": "plan", "op": "eq", "value": "pro"},
            {"type": "attr", "field": "score", "op": "gte", "value": 20}),
            "include_existing": True}, 0, 0),
        step("big", "flow.condition", "Big spender?", {"rule": {
            "type": "attr", "field": "score", "op": "gte", "value": 50}}, 0, 190),
        step("vip", "action.send", "VIP mail", {"channel": "email", "template": template},
             -270, 380),
        step("wait", "flow.delay", "Wait 2 days",
             {"mode": "duration", "duration": {"amount": 2, "unit": "days"}}, 270, 380),
        step("nudge", "action.send", "Reminder", {"channel": "email", "template": template},
             270, 570),
        step("vip_done", "flow.exit", "Done", {"reason": "VIP"}, -270, 570),
        step("nudge_done", "flow.exit", "Done", {"reason": "Nudged"}, 270, 760)],
        "edges": [wire("entry", "big"), wire("big", "vip", "yes"), wire("big", "wait", "no"),
                  wire("vip", "vip_done"), wire("wait", "nudge"), wire("nudge", "nudge_done")],
        "settings": {"reentry": "never", "timezone": "Asia/Seoul"}}
    detail = journeys.create_journey(app.wayline, SYSTEM, JourneyCreate(name="Engaged pros",
                                                                document=document))
    assert [i.message for i in detail.issues if i.severity == "error"] == []
    return detail.journey.id


def entering() -> list[str]:
    return [f"c{i}" for i, score in enumerate(SCORES) if i % 2 == 0 and score >= 20]


def test_audience_count_sample_and_why_not(live_app: LiveApp, browse: Any) -> None:
    add_customers(live_app)
    journey_id = vip_journey(live_app)
    page = open_editor(browse, journey_id)
    page.locator('[data-action="preview"]').click()

    count = page.locator("[data-audience-count]")
    expect(count).to_have_attribute("data-audience-count", str(len(entering())), timeout=WAIT)
    sample = page.locator("[data-sample-customer]")
    expect(sample).to_have_count(len(entering()))
    assert sample.evaluate_all("els => els.map(e => e.dataset.sampleCustomer)") == entering()
    screenshot(page, "preview-1-audience")

    # c3 scores 30 but is on the free plan: the plan clause is the one that failed.
    page.locator('[data-preview-tab="customer"]').click()
    page.locator('[data-field="preview-customer"]').fill("c3")
    page.locator('[data-action="preview-customer"]').click()
    why = page.locator('[data-why="not"]')
    expect(why).to_contain_text("c3 would not enter", timeout=WAIT)
    failed = why.locator('[data-clause="failed"]')
    expect(failed.filter(has_text="plan is 'free'")).to_have_count(1)
    expect(failed.filter(has_text="score")).to_have_count(0)
    expect(why.locator('[data-clause="held"]').filter(has_text="score is 30")).to_have_count(1)
    expect(page.locator('[data-path-status="not_entered"]')).to_be_visible()
    screenshot(page, "preview-2-why-not")


def test_path_of_one_customer_is_drawn_on_the_canvas(live_app: LiveApp, browse: Any) -> None:
    add_customers(live_app)
    journey_id = vip_journey(live_app)
    page = open_editor(browse, journey_id)
    page.locator('[data-action="preview"]').click()
    expect(page.locator("[data-sample-customer]")).to_have_count(len(entering()), timeout=WAIT)

    # c2 (score 20) is not a big spender: no → wait 2 days → reminder → done.
    page.locator('[data-sample-customer="c2"]').click()
    expect(page.locator('[data-why="enters"]')).to_contain_text("c2 would enter", timeout=WAIT)
    steps = page.locator("[data-path-step]")
    expect(steps).to_have_count(5, timeout=WAIT)
    assert steps.evaluate_all("els => els.map(e => e.dataset.pathStep)") == [
        "entry", "big", "wait", "nudge", "nudge_done"]
    expect(steps.nth(1)).to_contain_text("→ No")
    expect(steps.nth(3)).to_contain_text("+2 days")
    expect(steps.nth(3).locator('[data-message="queued"]')).to_contain_text(
        "You left something behind")
    expect(steps.nth(3).locator('[data-message="queued"]')).to_contain_text("Hi Kim2")

    # On the canvas: the steps passed are numbered in order with their times; the rest dimmed.
    for order, node_id in enumerate(["entry", "big", "wait", "nudge", "nudge_done"], start=1):
        expect(node(page, node_id).locator("[data-path-order]")).to_have_attribute(
            "data-path-order", str(order))
    expect(node(page, "nudge").locator("[data-path-when]")).to_have_text("+2 days")
    expect(node(page, "vip").locator(".wl-node")).to_have_class(re.compile("off-path"))
    taken = page.locator(".react-flow__edge-path.on-path")
    expect(taken).to_have_count(4)
    screenshot(page, "preview-3-path")

    # Double-click a step to edit it (the preview steps aside), make the wait 3 days, and
    # reopen the preview: it comes back on the same customer, with the path worked out again.
    node(page, "wait").dblclick()
    expect(page.locator('[data-inspector="wait"]')).to_be_visible()
    page.locator('[data-field="config.duration"] input').first.fill("3")
    saved(page)
    page.locator('[data-action="preview"]').click()
    expect(steps.nth(3)).to_contain_text("+3 days", timeout=WAIT)
    expect(node(page, "nudge").locator("[data-path-when]")).to_have_text("+3 days")

    # c6 is a big spender: yes → VIP mail straight away.
    page.locator('[data-field="preview-customer"]').fill("c6")
    page.locator('[data-action="preview-customer"]').click()
    expect(steps).to_have_count(4, timeout=WAIT)
    assert steps.evaluate_all("els => els.map(e => e.dataset.pathStep)") == [
        "entry", "big", "vip", "vip_done"]
    expect(node(page, "vip").locator("[data-path-when]")).to_have_text("at entry")
    expect(node(page, "wait").locator(".wl-node")).to_have_class(re.compile("off-path"))

    # c4 never agreed to marketing email: the path says the reminder would be held back, and why.
    page.locator('[data-field="preview-customer"]').fill(NO_CONSENT)
    page.locator('[data-action="preview-customer"]').click()
    held = page.locator('[data-path-step="nudge"] [data-message="suppressed"]')
    expect(held).to_contain_text("no marketing consent for email", timeout=WAIT)


def test_dry_run_counts_are_drawn_on_the_wires(live_app: LiveApp, browse: Any) -> None:
    add_customers(live_app)
    journey_id = vip_journey(live_app)
    expected = dry_runs.dry_run(live_app.wayline, journey_id, DryRunIn())
    by_edge = {port.edge_id: port for port in expected.ports if port.edge_id}
    big = sum(1 for c in entering() if SCORES[int(c[1:])] >= 50)
    assert by_edge["big-yes"].count.count == big  # the service agrees with the data

    page = open_editor(browse, journey_id)
    page.locator('[data-action="preview"]').click()
    page.locator('[data-preview-tab="dry_run"]').click()
    page.locator('[data-action="dry-run"]').click()
    expect(page.locator("[data-dry-entered]")).to_have_attribute(
        "data-dry-entered", str(len(entering())), timeout=WAIT)
    yes = page.locator('[data-dry-edge="big-yes"]')
    expect(yes).to_have_text(f"{big} within 30 days")
    expect(page.locator('[data-dry-edge="big-no"]')).to_have_text(
        f"{len(entering()) - big} within 30 days")
    share = round(100 * big / len(entering()))
    expect(page.locator('[data-dry-share="big-yes"]')).to_have_text(f"{share}%")
    expect(node(page, "nudge").locator("[data-dry-count]")).to_have_text(
        str(len(entering()) - big))
    # c4 reaches the reminder but never agreed to marketing email: held back.
    expect(node(page, "nudge").locator("[data-dry]")).to_contain_text("1 held back")
    expect(node(page, "vip").locator("[data-dry]")).not_to_contain_text("held back")
    screenshot(page, "preview-4-dry-run")

    # Within one day nobody has reached the reminder yet (it waits two days).
    page.locator('[data-dry-window="1 day"]').click()
    expect(page.locator('[data-dry-edge="wait-next"]')).to_have_text("0 within 1 day")
    expect(yes).to_have_text(f"{big} within 1 day")

    # The draft changes: the dry run says it is stale until run again.
    node(page, "wait").click()
    page.locator('[data-action="preview"]').click()  # closes the preview
    page.locator('[data-field="config.duration"] input').first.fill("5")
    saved(page)
    page.locator('[data-action="preview"]').click()
    page.locator('[data-preview-tab="dry_run"]').click()
    expect(page.locator('[data-preview="dry_run"]')).to_have_attribute(
        "data-preview-status", "stale", timeout=WAIT)


def test_a_draft_with_problems_says_what_to_fix_first(live_app: LiveApp, browse: Any) -> None:
    add_customers(live_app)
    document = {"nodes": [
        step("entry", "entry.event", "Added to cart", {"event": "cart_add"}, 0, 0),
        step("mail", "action.send", "Reminder", {"channel": "email"}, 0, 190)],
        "edges": [wire("entry", "mail")], "settings": {"timezone": "Asia/Seoul"}}
    journey_id = journeys.create_journey(live_app.wayline, SYSTEM, JourneyCreate(
        name="Unfinished", document=document)).journey.id
    page = open_editor(browse, journey_id)
    page.locator('[data-action="preview"]').click()
    # Who could enter is known already (an event entry: everyone)...
    expect(page.locator("[data-audience-count]")).to_have_attribute(
        "data-audience-count", str(len(SCORES)), timeout=WAIT)
    # ...but a path needs a complete journey: the panel lists what to fix.
    page.locator('[data-sample-customer="c0"]').click()
    error = page.locator('[data-preview="path"] [data-preview-error]')
    expect(error).to_contain_text("problems to fix", timeout=WAIT)
    screenshot(page, "preview-5-problems")
    error.locator("li").first.click()
    expect(page.locator('[data-inspector="mail"]')).to_be_visible()
    expect(node(page, "mail").locator(".wl-node")).to_have_class(re.compile("selected"))


def test_the_audience_follows_the_entry_as_the_canvas_changes(live_app: LiveApp,
                                                              browse: Any) -> None:
    add_customers(live_app)
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    page.locator('[data-action="preview"]').click()
    answer = page.locator('[data-preview="audience"]')
    expect(answer.locator("[data-preview-error]")).to_contain_text("entry step", timeout=WAIT)

    # An entry dropped on the canvas: the count follows as soon as the draft is saved.
    # (A new entry starts empty: its event is chosen in its form, then the preview reopened.)
    entry = drop(page, "entry.event", 420, 160)
    node(page, entry).dblclick()
    page.locator('[data-field="config.event"] input').first.fill("order_completed")
    saved(page)
    page.locator('[data-action="preview"]').click()
    expect(page.locator("[data-audience-count]")).to_have_attribute(
        "data-audience-count", str(len(SCORES)), timeout=WAIT)
    counted = page.locator("[data-audience-count]").evaluate("e => e.closest('[data-preview]')"
                                                            ".dataset.previewStatus")
    assert counted == "fresh"

    # Moving the entry changes nothing about who enters: the count stays fresh, not recounted.
    before = journeys.get_journey(live_app.wayline, journey_id).document["nodes"][0]["position"]
    box = node(page, entry).bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 160, box["y"] + 120, steps=8)
    page.mouse.up()
    saved(page)
    expect(answer).to_have_attribute("data-preview-status", "fresh")
    moved = journeys.get_journey(live_app.wayline, journey_id).document["nodes"][0]["position"]
    assert moved != before  # the move was saved


def test_an_imagined_event_changes_the_path(live_app: LiveApp, browse: Any) -> None:
    add_customers(live_app)
    journey_id = starters.create_from_starter(live_app.wayline, SYSTEM, "welcome").journey.id
    page = open_editor(browse, journey_id)
    page.locator('[data-action="preview"]').click()
    page.locator('[data-preview-tab="customer"]').click()
    page.locator('[data-field="preview-customer"]').fill("c3")
    page.locator('[data-action="preview-customer"]').click()
    last = page.locator("[data-path-step]").last
    expect(last).to_have_attribute("data-path-step", "coupon_done", timeout=WAIT)
    expect(page.locator('[data-path-step="bought"]')).to_contain_text("→ No")

    # Imagine they order three days in: the condition goes the other way.
    page.locator('[data-action="imagine-event"]').click()
    row = page.locator('[data-imagined-event="0"]')
    row.locator("input").first.fill("order_completed")
    row.locator('input[type="number"]').fill("3")
    row.locator("select").select_option("days")
    page.locator('[data-action="apply-events"]').click()
    expect(page.locator('[data-path-step="bought"]')).to_contain_text("→ Yes", timeout=WAIT)
    expect(page.locator('[data-path-step="coupon"]')).to_have_count(0)
    expect(node(page, "coupon").locator(".wl-node")).to_have_class(re.compile("off-path"))
    screenshot(page, "preview-6-imagined-event")
