"""Coupons in a real browser: a pool made and filled on the Coupons page (pasted codes with a
bad line reported, generated codes), given from a journey's "Give a coupon" step picked in the
inspector, and kept from deletion while that journey uses it; a viewer sees but can't change."""

from __future__ import annotations

from typing import Any

import msgspec
from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from server.schemas.journeys import JourneyCreate
from server.services import journeys
from tests.builder.journeys import document, node
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.builder.ui.test_canvas import WAIT, draft_of, drop, open_editor, saved

PASTED = "code\nWELCOME-7Q2M\nWELCOME-K9XD\nnot a code!\nWELCOME-7Q2M\nWELCOME-P3RT\n"
"""A CSV with its header, three codes (one twice) and, on line 4, a line that isn't a code."""


def a_journey(app: LiveApp) -> int:
    doc = document([node("in", "entry.event", "Signed up", {"event": "signup"})], [])
    return journeys.create_journey(app.wayline, SYSTEM, msgspec.convert(
        {"name": "Welcome series", "document": doc}, JourneyCreate)).journey.id


def test_a_pool_is_made_filled_given_from_a_step_and_kept_while_used(
        live_app: LiveApp, browse: Any) -> None:
    journey_id = a_journey(live_app)
    page = browse("/coupons", "editor")
    expect(page.locator('[data-nav="coupons"]')).to_have_class("on")
    expect(page.locator('[data-list="pools"]')).to_contain_text("No coupon pools yet")

    page.locator('[data-field="pool-name"]').fill("Welcome 10%")
    page.locator('[data-action="create-pool"]').click()
    card = page.locator('[data-card="pool"][data-pool-name="Welcome 10%"]')
    expect(card).to_be_visible(timeout=WAIT)

    card.locator('[data-field="codes"]').fill(PASTED)
    card.locator('[data-action="add-codes"]').click()
    outcome = card.locator("[data-outcome]")
    expect(outcome).to_contain_text("Added 3 codes; 1 line refused.", timeout=WAIT)
    expect(outcome).to_contain_text("Line 4: 'not a code!' is not a code")
    expect(card.locator('[data-figure="left"]')).to_contain_text("3")

    card.locator('[data-field="count"]').fill("5")
    card.locator('[data-field="prefix"]').fill("W10-")
    card.locator('[data-action="generate-codes"]').click()
    expect(outcome).to_contain_text("Added 5 codes.", timeout=WAIT)
    row = page.locator('[data-list="pools"] [data-pool="Welcome 10%"]')
    expect(row.locator("[data-left]")).to_have_attribute("data-left", "8", timeout=WAIT)
    expect(row.locator("[data-given]")).to_have_text("0")
    screenshot(page, "coupons-page")

    editor = open_editor(browse, journey_id)
    step = drop(editor, "action.coupon", 420, 420)
    editor.locator(f'.react-flow__node[data-id="{step}"]').click()
    inspector = editor.locator(f'[data-inspector="{step}"]')
    picker = inspector.locator('[data-picker="coupon_pool"]')
    expect(picker.locator("option", has_text="Welcome 10% — 8 left")).to_have_count(1)
    picker.select_option(label="Welcome 10% — 8 left")
    on_node = editor.locator(f'.react-flow__node[data-id="{step}"]')
    expect(on_node).to_contain_text("Welcome 10% — 8 left", timeout=WAIT)
    saved(editor)
    (given,) = [item for item in draft_of(live_app, journey_id)["nodes"] if item["id"] == step]
    assert given["data"]["config"]["pool"] == int(picker.input_value())
    screenshot(editor, "coupons-inspector")

    page.reload()
    row = page.locator('[data-list="pools"] [data-pool="Welcome 10%"]')
    expect(row.locator("[data-journeys]")).to_have_text("1 journey", timeout=WAIT)
    row.locator('[data-action="open-pool"]').click()
    expect(card.locator("[data-used-by]")).to_have_attribute("data-used-by", "Welcome series",
                                                             timeout=WAIT)
    card.locator('[data-action="delete-pool"]').click()
    card.locator('[data-confirm="delete-pool"] [data-action="confirm"]').click()
    refusal = card.locator('[data-refused="delete-pool"]')
    expect(refusal).to_contain_text("Welcome series", timeout=WAIT)
    expect(row).to_be_visible()
    screenshot(page, "coupons-delete-refused")


def test_a_viewer_sees_the_pools_and_changes_nothing(live_app: LiveApp, browse: Any) -> None:
    from server.schemas.coupons import CouponPoolCreate
    from server.services import coupons

    pool = coupons.create_pool(live_app.wayline, SYSTEM, CouponPoolCreate(name="Birthday"))
    coupons.add_codes(live_app.wayline, SYSTEM, pool.pool.id, "BDAY-1\nBDAY-2\n")
    page = browse("/coupons", "viewer")
    row = page.locator('[data-list="pools"] [data-pool="Birthday"]')
    expect(row.locator("[data-left]")).to_have_text("2", timeout=WAIT)
    expect(page.locator('[data-form="new-pool"]')).to_have_count(0)
    row.locator('[data-action="open-pool"]').click()
    card = page.locator('[data-card="pool"][data-pool-name="Birthday"]')
    expect(card.locator('[data-read-only="pool"]')).to_be_visible(timeout=WAIT)
    expect(card.locator('[data-form="add-codes"], [data-action="delete-pool"]')).to_have_count(0)
    screenshot(page, "coupons-viewer")
