"""The canvas in a real browser, used with the mouse the way a marketer uses it."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from server.schemas.events import EventIn
from server.schemas.journeys import JourneyCreate
from server.schemas.templates import TemplateCreate
from server.services import events, journeys, starters, templates
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.runtime.harness import drain

WAIT = 10_000  # ms: how long the page may take to show a server round trip


def blank_journey(app: LiveApp, name: str = "Cart abandonment") -> int:
    return journeys.create_journey(app.wayline, SYSTEM, JourneyCreate(name=name)).journey.id


def email_template(app: LiveApp) -> int:
    return templates.create_template(app.wayline, SYSTEM, msgspec.convert({
        "channel": "email", "name": "Cart reminder", "subject": "You left something behind",
        "source": "Hi {{ customer.first_name | default: 'there' }}, your cart is waiting."},
        TemplateCreate)).id


def open_editor(browse: Any, journey_id: int) -> Any:
    page = browse(f"/journeys/{journey_id}")
    expect(page.locator(".wl-canvas .react-flow__pane")).to_be_visible(timeout=WAIT)
    return page


def drop(page: Any, kind: str, x: int, y: int) -> str:
    """Drag a step from the palette onto the canvas at (x, y) of the canvas; its node id."""
    before = node_ids(page)
    page.locator(f'.wl-palette-item[data-kind="{kind}"]').drag_to(
        page.locator(".wl-canvas .react-flow__pane"), target_position={"x": x, "y": y})
    expect(page.locator(f'.react-flow__node[data-id]:has([data-kind="{kind}"])')).not_to_have_count(
        0, timeout=WAIT)
    (node_id,) = node_ids(page) - before
    return node_id


def node_ids(page: Any) -> set[str]:
    return set(page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)"))


def connect(page: Any, source: str, port: str, target: str) -> None:
    """Drag a wire from a node's output port to another node's input."""
    start = page.locator(f'.react-flow__node[data-id="{source}"] [data-handleid="{port}"]')
    end = page.locator(f'.react-flow__node[data-id="{target}"] .react-flow__handle.target')
    a, b = start.bounding_box(), end.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=12)
    page.mouse.up()


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def saved(page: Any) -> None:
    expect(page.locator('[data-save="saved"]')).to_be_visible(timeout=WAIT)


def draft_of(app: LiveApp, journey_id: int) -> dict[str, Any]:
    return journeys.get_journey(app.wayline, journey_id).document


def test_build_check_persist_and_publish_with_the_mouse(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    template_id = email_template(live_app)
    page = open_editor(browse, journey_id)
    expect(page.locator(".wl-canvas-empty")).to_be_visible()

    entry = drop(page, "entry.event", 420, 120)
    send = drop(page, "action.send", 420, 380)
    saved(page)
    # The send step has no template yet: an error badge, and Publish is disabled.
    expect(node(page, send).locator('[data-badge="error"]')).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-action="publish"]')).to_be_disabled()
    screenshot(page, "canvas-1-dropped")

    connect(page, entry, "next", send)
    expect(page.locator(".react-flow__edge")).to_have_count(1, timeout=WAIT)
    saved(page)

    # The inspector: new steps start empty, so the entry's event is chosen first; then the
    # send's channel and template (the picker offers the channel's only); the error clears as
    # soon as the draft is checked.
    node(page, entry).click()
    page.locator('[data-field="config.event"] input').first.fill("cart_add")
    expect(node(page, entry).locator('[data-badge="error"]')).to_have_count(0, timeout=WAIT)
    node(page, send).click()
    expect(page.locator(f'[data-inspector="{send}"]')).to_be_visible()
    page.locator('[data-field="config.channel"] select').select_option("email")
    page.locator('[data-picker="template"]').select_option(str(template_id))
    expect(node(page, send).locator('[data-badge="error"]')).to_have_count(0, timeout=WAIT)
    saved(page)
    screenshot(page, "canvas-2-connected")

    # The draft is in the database, wired port to port.
    document = draft_of(live_app, journey_id)
    assert {n["id"]: n["type"] for n in document["nodes"]} == {entry: "entry.event",
                                                               send: "action.send"}
    assert [(e["source"], e.get("sourceHandle"), e["target"]) for e in document["edges"]] == [
        (entry, "next", send)]
    assert next(n for n in document["nodes"] if n["id"] == send)["data"]["config"][
        "template"] == template_id

    # Reload: the same canvas comes back.
    page.reload()
    expect(node(page, entry)).to_be_visible(timeout=WAIT)
    expect(node(page, send)).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(1)

    publish = page.locator('[data-action="publish"]')
    expect(publish).to_be_enabled(timeout=WAIT)
    publish.click()
    page.locator("[data-confirm]").click()
    expect(page.locator('[data-status="live"]')).to_have_text("Live · v1", timeout=WAIT)
    expect(page.locator('[data-notice="ok"]')).to_contain_text("Published version 1")
    screenshot(page, "canvas-3-published")


def test_config_errors_show_on_the_field_and_clear(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    wait = drop(page, "flow.delay", 420, 200)
    saved(page)
    # A new wait starts empty: the form offers to add how long, and the step says it needs it.
    expect(node(page, wait).locator('[data-badge="error"]')).to_be_visible(timeout=WAIT)
    page.locator('[data-field="config.duration"] .wl-link-button').click()
    amount = page.locator('[data-field="config.duration"] input').first
    amount.fill("0")
    error = page.locator('[data-field-error="config.duration.amount"]')
    expect(error).to_contain_text("at least 1", timeout=WAIT)
    expect(node(page, wait).locator('[data-badge="error"]')).to_be_visible()
    screenshot(page, "inspector-field-error")
    amount.fill("3")
    expect(error).to_have_count(0, timeout=WAIT)
    expect(node(page, wait).locator('[data-badge="error"]')).to_have_count(0)
    saved(page)
    config = draft_of(live_app, journey_id)["nodes"][0]["data"]["config"]
    assert config["duration"] == {"amount": 3, "unit": "days"}


def test_problem_list_selects_the_node(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    entry = drop(page, "entry.event", 300, 120)
    lonely = drop(page, "flow.exit", 600, 400)
    saved(page)
    page.locator(".react-flow__pane").click(position={"x": 50, "y": 500})
    problem = page.locator(f'[data-problem-node="{lonely}"]').first
    expect(problem).to_contain_text("reach", timeout=WAIT)
    problem.click()
    expect(page.locator(f'[data-inspector="{lonely}"]')).to_be_visible()
    expect(node(page, lonely)).to_have_class(re.compile("selected"))
    expect(node(page, entry)).not_to_have_class(re.compile("selected"))


def test_delete_then_undo_and_redo(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    entry = drop(page, "entry.event", 420, 120)
    wait = drop(page, "flow.delay", 420, 360)
    connect(page, entry, "next", wait)
    expect(page.locator(".react-flow__edge")).to_have_count(1, timeout=WAIT)
    saved(page)

    node(page, wait).click()
    page.keyboard.press("Delete")
    expect(node(page, wait)).to_have_count(0)
    expect(page.locator(".react-flow__edge")).to_have_count(0)
    saved(page)
    assert [n["id"] for n in draft_of(live_app, journey_id)["nodes"]] == [entry]

    page.locator('[data-action="undo"]').click()
    expect(node(page, wait)).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    saved(page)
    assert len(draft_of(live_app, journey_id)["edges"]) == 1

    page.keyboard.press("Control+Shift+Z")
    expect(node(page, wait)).to_have_count(0)
    saved(page)
    assert len(draft_of(live_app, journey_id)["nodes"]) == 1


def test_a_second_tab_sees_the_first_tabs_changes(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    first = open_editor(browse, journey_id)
    second = open_editor(browse, journey_id)
    added = drop(first, "entry.segment", 420, 160)
    saved(first)
    expect(node(second, added)).to_be_visible(timeout=WAIT)
    # The second tab works on the newest revision: its change saves, and the first sees it.
    other = drop(second, "flow.exit", 420, 420)
    saved(second)
    expect(node(first, other)).to_be_visible(timeout=WAIT)
    assert len(draft_of(live_app, journey_id)["nodes"]) == 2


def test_live_counts_show_customers_arriving(live_app: LiveApp, browse: Any) -> None:
    detail = starters.create_from_starter(live_app.wayline, SYSTEM, "cart_abandonment")
    journey_id = detail.journey.id
    journeys.publish_journey(live_app.wayline, SYSTEM, journey_id)
    page = open_editor(browse, journey_id)
    expect(page.locator("[data-live-total]")).to_have_attribute("data-live-total", "0",
                                                                timeout=WAIT)
    for customer in ("c-1", "c-2", "c-3"):
        events.ingest_one(live_app.wayline, EventIn(external_id=customer, name="cart_add"))
    drain(live_app.wayline.runtime)
    expect(page.locator("[data-live-total]")).to_have_attribute("data-live-total", "3",
                                                                timeout=WAIT)
    entry = next(n["id"] for n in detail.document["nodes"] if n["type"] == "entry.event")
    waiting = next(e["target"] for e in detail.document["edges"] if e["source"] == entry)
    expect(page.locator(f'[data-live="{waiting}"] [data-live-here]')).to_have_text("3")
    screenshot(page, "canvas-4-live")


def test_tidy_up_lays_out_without_overlaps(live_app: LiveApp, browse: Any) -> None:
    detail = starters.create_from_starter(live_app.wayline, SYSTEM, "cart_abandonment")
    page = open_editor(browse, detail.journey.id)
    page.locator('[data-action="tidy"]').click()
    saved(page)
    boxes = [n.bounding_box() for n in page.locator(".react-flow__node").all()]
    assert len(boxes) == len(detail.document["nodes"])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                     or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
            assert apart, f"steps overlap: {a} {b}"
    stored = {n["id"]: n["position"] for n in draft_of(live_app, detail.journey.id)["nodes"]}
    assert stored["wait"]["y"] > stored["entry"]["y"]
