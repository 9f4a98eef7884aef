"""Edits made while the connection is down, in a real browser against a real server that is
stopped and started again on the same port and database: the page says it is offline and not
saved, keeps the edits, saves them once it is back, and refuses them openly (showing what was not
saved) when the draft changed elsewhere meanwhile."""

from __future__ import annotations

from typing import Any

import msgspec
from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from server.schemas.journeys import JourneyUpdate
from server.services import journeys
from tests.builder.ui.conftest import LiveApp, add_person, screenshot, sign_in
from tests.builder.ui.test_canvas import (
    WAIT,
    blank_journey,
    draft_of,
    drop,
    node,
    open_editor,
    saved,
)

RECONNECT_WAIT = 30_000  # ms: ReactPy retries after 0.75 s, backing off by 1.25× each time


def unsaved_key(browse: Any, journey_id: int) -> str:
    """Where the browser keeps the admin's unsaved edits of a journey."""
    return f"wayline.unsaved.{browse.people['admin'].id}.{journey_id}"


def move(page: Any, node_id: str, dx: int, dy: int) -> None:
    """Drag a step by (dx, dy) on the canvas."""
    box = node(page, node_id).locator(".wl-node-head").bounding_box()
    x, y = box["x"] + 20, box["y"] + 10
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=10)
    page.mouse.up()


def position(app: LiveApp, journey_id: int, node_id: str) -> dict[str, int]:
    return next(n["position"] for n in draft_of(app, journey_id)["nodes"] if n["id"] == node_id)


def go_offline(live_app: LiveApp, browse: Any, page: Any) -> None:
    browse.watch.tolerate("WebSocket connection to")  # refused while nothing listens
    live_app.stop()
    expect(page.locator('[data-banner="connection"]')).to_have_attribute(
        "data-connection", "offline", timeout=WAIT)


def rename(page: Any, name: str) -> None:
    field = page.locator('[data-field="journey-name"]')
    field.click()
    field.press("Control+a")
    page.keyboard.type(name, delay=5)


def test_edits_made_offline_are_kept_and_saved_on_reconnect(live_app: LiveApp,
                                                            browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    wait = drop(page, "flow.delay", 420, 200)
    saved(page)
    before = position(live_app, journey_id, wait)
    revision = journeys.get_journey(live_app.wayline, journey_id).journey.draft_revision

    # The server goes away; the marketer renames the journey and moves a step.
    go_offline(live_app, browse, page)
    page.locator(".react-flow__pane").click(position={"x": 50, "y": 50})  # the journey panel
    rename(page, "Spring cart follow-up")
    move(page, wait, 120, 80)
    state = page.locator("[data-save]")
    expect(state).to_have_attribute("data-save", "offline", timeout=WAIT)
    expect(state).to_have_attribute("data-waiting", "2", timeout=WAIT)
    expect(page.locator('[data-banner="connection"]')).to_contain_text("2 edits are kept")
    screenshot(page, "offline-1-edits-waiting")

    # A reload while offline would lose nothing: the edits are in localStorage, with their base.
    # Kept under the person's own name: someone else on this browser would never send them.
    key = unsaved_key(browse, journey_id)
    kept = page.evaluate(f"JSON.parse(localStorage.getItem('{key}'))")
    assert kept["base"] == revision
    assert kept["name"]["value"] == "Spring cart follow-up"
    assert next(n for n in kept["document"]["nodes"] if n["id"] == wait)["position"] != before

    # The server is back: both edits are saved, and only then does the header say so.
    live_app.start()
    expect(page.locator('[data-banner="connection"]')).to_have_attribute(
        "data-connection", "back", timeout=RECONNECT_WAIT)
    saved(page)
    detail = journeys.get_journey(live_app.wayline, journey_id)
    assert detail.journey.name == "Spring cart follow-up"
    assert position(live_app, journey_id, wait) != before
    assert detail.journey.draft_revision == revision + 1
    assert page.evaluate(f"localStorage.getItem('{key}')") is None
    expect(page.locator('[data-banner="connection"]')).to_have_count(0, timeout=WAIT)
    expect(page.locator('[data-banner="conflict"]')).to_have_count(0)
    screenshot(page, "offline-2-saved")


def test_edits_refused_after_a_change_elsewhere_are_shown_and_can_be_reapplied(
        live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    wait = drop(page, "flow.delay", 420, 200)
    exit_step = drop(page, "flow.exit", 420, 420)
    saved(page)
    before = position(live_app, journey_id, wait)

    # Offline, the marketer moves the wait step; meanwhile someone else changes the draft
    # (here through the service, as another tab or the API would): they label the exit step.
    go_offline(live_app, browse, page)
    move(page, wait, 150, 0)
    expect(page.locator("[data-save]")).to_have_attribute("data-save", "offline", timeout=WAIT)
    current = journeys.get_journey(live_app.wayline, journey_id)
    theirs = current.document
    for step in theirs["nodes"]:
        if step["id"] == exit_step:
            step["data"]["label"] = "Done by Minji"
    journeys.update_journey(live_app.wayline, SYSTEM, journey_id, msgspec.convert(
        {"document": theirs, "revision": current.journey.draft_revision}, JourneyUpdate))

    # Back online: the move is not saved over their change, and the page says so and shows it.
    live_app.start()
    conflict = page.locator('[data-banner="conflict"]')
    expect(conflict).to_be_visible(timeout=RECONNECT_WAIT)
    expect(page.locator("[data-save]")).to_have_attribute("data-save", "conflict")
    expect(conflict.locator('[data-conflict-change="moved"]')).to_have_count(1)
    expect(node(page, exit_step)).to_contain_text("Done by Minji")
    assert position(live_app, journey_id, wait) == before
    screenshot(page, "offline-3-conflict")

    # Re-applying puts the move onto their draft: both changes are saved.
    conflict.locator('[data-action="reapply"]').click()
    saved(page)
    expect(conflict).to_have_count(0)
    assert position(live_app, journey_id, wait) != before
    labels = {n["id"]: n["data"]["label"] for n in draft_of(live_app, journey_id)["nodes"]}
    assert labels[exit_step] == "Done by Minji"


def test_a_refused_edit_can_be_discarded(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    wait = drop(page, "flow.delay", 420, 200)
    saved(page)
    before = position(live_app, journey_id, wait)

    go_offline(live_app, browse, page)
    move(page, wait, 0, 150)
    journeys.update_journey(live_app.wayline, SYSTEM, journey_id,
                            msgspec.convert({"name": "Renamed elsewhere"}, JourneyUpdate))
    current = journeys.get_journey(live_app.wayline, journey_id)
    journeys.update_journey(live_app.wayline, SYSTEM, journey_id, msgspec.convert(
        {"document": {**current.document, "settings": {**current.document["settings"],
                                                        "reentry": "always"}},
         "revision": current.journey.draft_revision}, JourneyUpdate))

    live_app.start()
    conflict = page.locator('[data-banner="conflict"]')
    expect(conflict).to_be_visible(timeout=RECONNECT_WAIT)
    conflict.locator('[data-action="discard"]').click()
    saved(page)
    expect(conflict).to_have_count(0)
    assert position(live_app, journey_id, wait) == before
    assert page.evaluate(f"localStorage.getItem('{unsaved_key(browse, journey_id)}')") is None


def test_the_connection_banner_and_save_state_speak_korean(live_app: LiveApp,
                                                           browser: Any) -> None:
    journey_id = blank_journey(live_app)
    context = browser.new_context(locale="ko-KR", viewport={"width": 1440, "height": 900})
    sign_in(context, live_app, add_person(live_app, "admin"))
    page = context.new_page()
    page.goto(f"{live_app.url}/journeys/{journey_id}")
    wait = drop(page, "flow.delay", 420, 200)
    expect(page.locator('[data-save="saved"]')).to_have_text("저장됨", timeout=WAIT)

    live_app.stop()
    banner = page.locator('[data-banner="connection"]')
    expect(banner).to_contain_text("연결 끊김", timeout=WAIT)
    move(page, wait, 100, 60)
    expect(page.locator('[data-save="offline"]')).to_have_text(
        "저장 안 됨 — 오프라인 (편집 1건 대기 중)", timeout=WAIT)
    expect(banner).to_contain_text("편집 1건이 이 브라우저에 보관되어 있으며")
    screenshot(page, "offline-4-korean")

    live_app.start()
    expect(banner).to_contain_text("다시 연결되었습니다", timeout=RECONNECT_WAIT)
    expect(page.locator('[data-save="saved"]')).to_have_text("저장됨", timeout=WAIT)
    context.close()


def test_edits_made_offline_survive_closing_the_tab(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    wait = drop(page, "flow.delay", 420, 200)
    saved(page)
    before = position(live_app, journey_id, wait)

    # Offline, the marketer moves a step and renames the journey, then closes the tab.
    go_offline(live_app, browse, page)
    move(page, wait, 140, 40)
    page.locator(".react-flow__pane").click(position={"x": 50, "y": 50})
    rename(page, "장바구니 캠페인")
    page.locator('[data-field="journey-name"]').press("Enter")
    expect(page.locator("[data-save]")).to_have_attribute("data-waiting", "2", timeout=WAIT)
    context = page.context
    page.close()

    # Back later, the journey opens with both edits, and saves them.
    live_app.start()
    again = browse.watch.attach(context.new_page())
    again.goto(f"{live_app.url}/journeys/{journey_id}")
    saved(again)
    expect(again.locator("[data-journey-name]")).to_have_text("장바구니 캠페인")
    assert journeys.get_journey(live_app.wayline, journey_id).journey.name == "장바구니 캠페인"
    assert position(live_app, journey_id, wait) != before


def test_a_rename_made_offline_is_not_saved_over_a_rename_made_elsewhere(
        live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    go_offline(live_app, browse, page)
    rename(page, "Spring follow-up")
    page.locator('[data-field="journey-name"]').press("Enter")
    expect(page.locator("[data-save]")).to_have_attribute("data-save", "offline", timeout=WAIT)
    journeys.update_journey(live_app.wayline, SYSTEM, journey_id,
                            msgspec.convert({"name": "Renamed by Minji"}, JourneyUpdate))

    live_app.start()
    conflict = page.locator('[data-banner="conflict"]')
    expect(conflict.locator('[data-conflict-change="name"]')).to_contain_text(
        "'Spring follow-up' (saved now: 'Renamed by Minji')", timeout=RECONNECT_WAIT)
    assert journeys.get_journey(live_app.wayline, journey_id).journey.name == "Renamed by Minji"

    conflict.locator('[data-action="reapply"]').click()
    saved(page)
    expect(page.locator("[data-journey-name]")).to_have_text("Spring follow-up")
    assert journeys.get_journey(live_app.wayline, journey_id).journey.name == "Spring follow-up"
