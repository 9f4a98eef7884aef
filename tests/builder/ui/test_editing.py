"""Canvas editing with the mouse and keyboard: box selection, copy/paste with the wires between
the copied steps (also into another journey), undo of a paste, zoom, fit and the minimap."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.builder.ui.conftest import LiveApp, screenshot
from tests.builder.ui.test_canvas import (
    WAIT,
    blank_journey,
    connect,
    draft_of,
    drop,
    node,
    node_ids,
    open_editor,
    saved,
)


def box_select(page: Any, corner: tuple[int, int], other: tuple[int, int]) -> None:
    """Shift-drag a selection box over the canvas, between two points of the pane."""
    pane = page.locator(".wl-canvas .react-flow__pane").bounding_box()
    page.keyboard.down("Shift")
    page.mouse.move(pane["x"] + corner[0], pane["y"] + corner[1])
    page.mouse.down()
    page.mouse.move(pane["x"] + other[0], pane["y"] + other[1], steps=10)
    page.mouse.up()
    page.keyboard.up("Shift")


def selected_ids(page: Any) -> set[str]:
    return set(page.locator(".react-flow__node.selected").evaluate_all(
        "els => els.map(e => e.dataset.id)"))


def wires(document: dict[str, Any]) -> set[tuple[str, str | None, str]]:
    return {(e["source"], e.get("sourceHandle"), e["target"]) for e in document["edges"]}


def test_copy_paste_keeps_the_wires_between_the_copied_steps(live_app: LiveApp,
                                                             browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    entry = drop(page, "entry.event", 420, 100)
    check = drop(page, "flow.condition", 420, 300)
    wait = drop(page, "flow.delay", 300, 520)
    connect(page, entry, "next", check)
    connect(page, check, "no", wait)
    expect(page.locator(".react-flow__edge")).to_have_count(2, timeout=WAIT)
    saved(page)

    # Select the condition and the wait with a box: the panel says two steps are selected.
    box_select(page, (120, 240), (720, 640))
    assert selected_ids(page) == {check, wait}
    expect(page.locator(".wl-side")).to_contain_text("2 steps selected")
    screenshot(page, "editing-1-box-selected")

    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(page.locator(".react-flow__node")).to_have_count(5, timeout=WAIT)
    saved(page)
    pasted = node_ids(page) - {entry, check, wait}
    assert selected_ids(page) == pasted  # the copies are selected, ready to drag
    document = draft_of(live_app, journey_id)
    types = {n["id"]: n["type"] for n in document["nodes"]}
    new_check = next(i for i in pasted if types[i] == "flow.condition")
    new_wait = next(i for i in pasted if types[i] == "flow.delay")
    # The wire between the copies is copied, port and all; the wire into them is not.
    assert wires(document) == {(entry, "next", check), (check, "no", wait),
                               (new_check, "no", new_wait)}
    places = {n["id"]: n["position"] for n in document["nodes"]}
    assert places[new_wait]["x"] - places[wait]["x"] == 40
    assert places[new_wait]["y"] - places[wait]["y"] == 40
    screenshot(page, "editing-2-pasted")

    # Pasting again lands further along; undo takes that paste back.
    page.keyboard.press("Control+v")
    expect(page.locator(".react-flow__node")).to_have_count(7, timeout=WAIT)
    saved(page)
    assert len(draft_of(live_app, journey_id)["edges"]) == 4
    page.keyboard.press("Control+z")
    expect(page.locator(".react-flow__node")).to_have_count(5, timeout=WAIT)
    saved(page)
    assert len(draft_of(live_app, journey_id)["nodes"]) == 5

    # The clipboard outlives the page: paste the two steps into another journey.
    other = blank_journey(live_app, "Win-back")
    page.goto(f"{live_app.url}/journeys/{other}")
    expect(page.locator(".wl-canvas-empty")).to_be_visible(timeout=WAIT)
    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    page.keyboard.press("Control+v")
    expect(page.locator(".react-flow__node")).to_have_count(2, timeout=WAIT)
    saved(page)
    copied = draft_of(live_app, other)
    assert sorted(n["type"] for n in copied["nodes"]) == ["flow.condition", "flow.delay"]
    assert [e.get("sourceHandle") for e in copied["edges"]] == ["no"]


def test_multi_select_with_the_modifier_and_delete_together(live_app: LiveApp,
                                                            browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    entry = drop(page, "entry.event", 420, 100)
    wait = drop(page, "flow.delay", 420, 340)
    leave = drop(page, "flow.exit", 420, 560)
    connect(page, entry, "next", wait)
    connect(page, wait, "next", leave)
    saved(page)

    node(page, wait).click()
    node(page, leave).click(modifiers=["Control"])
    assert selected_ids(page) == {wait, leave}

    # Cut takes both away (and the wires to them); paste brings them back wired together.
    page.keyboard.press("Control+x")
    expect(page.locator(".react-flow__node")).to_have_count(1, timeout=WAIT)
    saved(page)
    assert draft_of(live_app, journey_id)["edges"] == []
    page.keyboard.press("Control+v")
    expect(page.locator(".react-flow__node")).to_have_count(3, timeout=WAIT)
    saved(page)
    back = draft_of(live_app, journey_id)
    kinds = {n["id"]: n["type"] for n in back["nodes"]}
    assert [(kinds[e["source"]], kinds[e["target"]]) for e in back["edges"]] == [
        ("flow.delay", "flow.exit")]

    page.locator('.wl-side button.danger:has-text("Delete 2 steps")').click()
    expect(page.locator(".react-flow__node")).to_have_count(1, timeout=WAIT)
    saved(page)
    document = draft_of(live_app, journey_id)
    assert [n["id"] for n in document["nodes"]] == [entry] and document["edges"] == []


def viewport_scale(page: Any) -> float:
    transform = page.locator(".react-flow__viewport").get_attribute("style")
    return float(re.search(r"scale\(([\d.]+)\)", transform)[1])


def settle(page: Any) -> None:
    """Wait until the viewport stops moving (zoom and fit animate)."""
    last = None
    for _ in range(40):
        now = page.locator(".react-flow__viewport").get_attribute("style")
        if now == last:
            return
        last = now
        page.wait_for_timeout(100)


def test_zoom_fit_and_minimap(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    for y in (100, 320, 540):
        drop(page, "flow.exit", 420, y)
    saved(page)
    minimap = page.locator(".react-flow__minimap")
    expect(minimap).to_be_visible()
    expect(minimap.locator(".react-flow__minimap-node")).to_have_count(3)

    before = viewport_scale(page)
    page.locator(".react-flow__controls-zoomin").click()
    page.locator(".react-flow__controls-zoomin").click()
    settle(page)
    assert viewport_scale(page) > before
    page.locator(".react-flow__controls-zoomout").click()
    page.locator(".react-flow__controls-zoomout").click()
    page.locator(".react-flow__controls-zoomout").click()
    settle(page)
    zoomed_out = viewport_scale(page)
    assert zoomed_out < before

    page.locator(".react-flow__controls-fitview").click()
    settle(page)
    canvas = page.locator(".wl-canvas").bounding_box()
    right, bottom = canvas["x"] + canvas["width"], canvas["y"] + canvas["height"]
    for box in (n.bounding_box() for n in page.locator(".react-flow__node").all()):
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= right
        assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= bottom
    assert viewport_scale(page) != zoomed_out
    screenshot(page, "editing-3-fit")
