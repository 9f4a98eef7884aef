"""The canvas as a marketer builds on it: new steps start empty, wires say where they lead, "+"
on a wire, palette search, sticky notes, shortcuts, free spots for new steps, and a minimap and
toasts that never cover a step — in a real browser, on a real server."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from builder.ui.catalogue import starter_config
from nodes import default_registry
from runtime.store.audit import SYSTEM
from server.schemas.journeys import JourneyCreate, JourneyUpdate
from server.services import journeys, starters
from tests.builder.ui.conftest import LiveApp, screenshot, sign_in
from tests.builder.ui.test_canvas import WAIT, blank_journey, draft_of, node, open_editor, saved

LONG_TITLE = "Remind VIP customers about their abandoned cart"


def journey_with(app: LiveApp, nodes: list[tuple[str, str, int]],
                 wires: list[tuple[str, str, str, str]], label: str = "") -> int:
    """A draft of steps (id, kind, row), each configured with its kind's example and named
    `label`, and wires (id, source, port, target)."""
    registry = default_registry()
    column = lambda index, row: sum(1 for n in nodes[:index] if n[2] == row)  # noqa: E731
    document = {
        "nodes": [{"id": node_id, "type": kind,
                   "position": {"x": column(index, row) * 270, "y": row * 190},
                   "data": {"label": label, "config": registry.get(kind).dump(
                       registry.get(kind).example)}}
                  for index, (node_id, kind, row) in enumerate(nodes)],
        "edges": [{"id": wire_id, "source": source, "sourceHandle": port, "target": target}
                  for wire_id, source, port, target in wires],
        "settings": {"timezone": "Asia/Seoul"},
    }
    return journeys.create_journey(app.wayline, SYSTEM, JourneyCreate(
        name="Canvas", document=document)).journey.id


def boxes(page: Any, selector: str = ".react-flow__node") -> list[dict[str, float]]:
    """Every match's box, all read in one frame once the view stopped moving: it may be panning
    to a new step, and boxes read one after another during a pan are read at different
    offsets."""
    page.wait_for_function("""() => {
        const view = document.querySelector('.react-flow__viewport');
        const now = view ? view.style.transform : '';
        const still = window.__wlTransform === now;
        window.__wlTransform = now;
        return still;
    }""", polling=250, timeout=WAIT)
    return page.locator(selector).evaluate_all("""els => els.map(el => el.getBoundingClientRect())
        .filter(r => r.width && r.height)
        .map(r => ({x: r.x, y: r.y, width: r.width, height: r.height}))""")


def apart(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def assert_no_overlaps(found: list[dict[str, float]]) -> None:
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            assert apart(a, b), f"boxes overlap: {a} {b}"


def test_new_steps_start_without_example_settings(live_app: LiveApp, browse: Any) -> None:
    page = open_editor(browse, blank_journey(live_app))
    kinds = ["entry.segment", "flow.condition", "action.send", "flow.exit", "flow.delay",
             "flow.random"]
    for kind in kinds:
        page.locator(f'.wl-palette-item[data-kind="{kind}"]').dblclick()
        expect(page.locator(f'.react-flow__node:has([data-kind="{kind}"])')).to_have_count(1)
    saved(page)
    registry = default_registry()
    document = draft_of(live_app, page.url and int(page.url.rsplit("/", 1)[-1]))
    configs = {n["type"]: n["data"]["config"] for n in document["nodes"]}
    assert configs == {kind: starter_config(registry.get(kind)) for kind in kinds}
    assert configs["flow.exit"] == {"reason": ""}
    assert "rule" not in configs["flow.condition"]
    assert "channel" not in configs["action.send"] and configs["action.send"]["fallback_text"] == ""
    assert configs["entry.segment"]["rule"] is None
    # What needs choosing says so: the send and the condition carry an error badge.
    for kind in ("action.send", "flow.condition"):
        step = page.locator(f'.react-flow__node:has([data-kind="{kind}"])')
        expect(step.locator('[data-badge="error"]')).to_be_visible(timeout=WAIT)
        expect(step.locator("[data-needs-setup]")).to_have_text("Needs setting up")
    # A random split has no paths yet, so no outputs: not the example's "Coupon (45%)".
    split = page.locator('.react-flow__node:has([data-kind="flow.random"])')
    expect(split.locator("[data-needs-setup]")).to_be_visible(timeout=WAIT)
    expect(split.locator("[data-port]")).to_have_count(0)
    expect(split).not_to_contain_text("Coupon")
    assert_no_overlaps(boxes(page))  # added one below the other, never stacked
    screenshot(page, "canvas-ux-empty-steps")


def test_every_wire_says_which_output_it_leaves(live_app: LiveApp, browse: Any) -> None:
    journey_id = journey_with(live_app, [
        ("in", "entry.event", 0), ("send", "action.send", 1), ("ask", "flow.condition", 2),
        ("sorry", "flow.exit", 3), ("wait", "flow.wait_event", 3), ("did", "flow.exit", 4),
        ("late", "flow.exit", 4), ("no", "flow.exit", 3)], [
        ("e1", "in", "next", "send"), ("e2", "send", "next", "ask"),
        ("e3", "send", "failed", "sorry"), ("e4", "ask", "yes", "wait"),
        ("e5", "ask", "no", "no"), ("e6", "wait", "matched", "did"),
        ("e7", "wait", "timeout", "late")])
    page = open_editor(browse, journey_id)
    label = lambda wire: page.locator(f'[data-edge-label="{wire}"]')  # noqa: E731
    expect(label("e3")).to_have_text("Failed", timeout=WAIT)
    expect(label("e2")).to_have_text("Next")  # the send has two outputs: both are named
    expect(label("e4")).to_have_text("Yes")
    expect(label("e5")).to_have_text("No")
    expect(label("e6")).to_have_text("Did it")
    expect(label("e7")).to_have_text("Timed out")
    expect(label("e1")).to_have_count(0)  # an entry's lone "Next" needs no word
    screenshot(page, "canvas-ux-wire-labels")


def test_the_canvas_speaks_korean(live_app: LiveApp, browse: Any, browser: Any) -> None:
    journey_id = journey_with(live_app, [("ask", "flow.condition", 0), ("a", "flow.exit", 1),
                                         ("b", "flow.exit", 1)],
                              [("e1", "ask", "yes", "a"), ("e2", "ask", "no", "b")])
    open_editor(browse, journey_id)  # makes the admin
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ko-KR")
    try:
        sign_in(context, live_app, browse.people["admin"])
        page = context.new_page()
        page.goto(f"{live_app.url}/journeys/{journey_id}")
        expect(page.locator("[data-palette-search]")).to_have_attribute(
            "placeholder", "단계 검색", timeout=WAIT)
        page.locator(".react-flow__pane").click(position={"x": 20, "y": 20})
        page.keyboard.press("?")
        expect(page.locator("[data-shortcuts]")).to_contain_text("단축키")
        expect(page.locator("[data-shortcuts]")).to_contain_text("모든 단계 선택")
        screenshot(page, "canvas-ux-shortcuts-ko")
    finally:
        context.close()


def test_plus_on_a_wire_inserts_a_step_between(live_app: LiveApp, browse: Any) -> None:
    journey_id = journey_with(live_app, [("in", "entry.event", 0), ("ask", "flow.condition", 1),
                                         ("yes", "flow.exit", 2), ("no", "flow.exit", 2)],
                              [("e1", "in", "next", "ask"), ("e2", "ask", "yes", "yes"),
                               ("e3", "ask", "no", "no")])
    page = open_editor(browse, journey_id)
    revision = journeys.draft_revision(live_app.wayline, journey_id)
    page.locator('[data-insert-on="e2"]').click()
    menu = page.locator("[data-insert-menu]")
    expect(menu).to_be_visible()
    expect(menu.locator('[data-insert-kind="entry.event"]')).to_have_count(0)  # no entries
    screenshot(page, "canvas-ux-insert-menu")
    menu.locator('[data-insert-kind="flow.delay"]').click()
    expect(page.locator(".react-flow__node")).to_have_count(5)
    saved(page)
    document = draft_of(live_app, journey_id)
    (added,) = [n for n in document["nodes"] if n["type"] == "flow.delay"]
    wires = {(e["source"], e.get("sourceHandle"), e["target"]) for e in document["edges"]}
    assert wires == {("in", "next", "ask"), ("ask", "yes", added["id"]),
                     (added["id"], "next", "yes"), ("ask", "no", "no")}
    assert journeys.draft_revision(live_app.wayline, journey_id) == revision + 1  # one save
    assert_no_overlaps(boxes(page))
    # One change: one undo takes it all back.
    page.locator('[data-action="undo"]').click()
    expect(page.locator(".react-flow__node")).to_have_count(4)
    saved(page)
    assert len(draft_of(live_app, journey_id)["edges"]) == 3


def test_palette_search_filters_and_enter_adds(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    search = page.locator("[data-palette-search]")
    search.fill("wait")
    items = page.locator(".wl-palette-item")
    shown = set(items.evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert shown and shown <= {"flow.delay", "flow.wait_event"}, shown
    search.fill("zzzz")
    expect(items).to_have_count(0)
    search.fill("exit")
    search.press("Enter")
    expect(page.locator('.react-flow__node:has([data-kind="flow.exit"])')).to_have_count(1)
    saved(page)
    assert [n["type"] for n in draft_of(live_app, journey_id)["nodes"]] == ["flow.exit"]


def test_sticky_notes_add_edit_move_and_persist(live_app: LiveApp, browse: Any) -> None:
    journey_id = journey_with(live_app, [("in", "entry.event", 0)], [])
    page = open_editor(browse, journey_id)
    page.locator('[data-action="add-note"]').click()
    note = page.locator(".react-flow__node-wl-note")
    expect(note).to_have_count(1)
    text = note.locator("textarea[data-note-text]")
    text.click()
    text.fill("Check the coupon")
    page.keyboard.insert_text(" 쿠폰 확인")  # text as an IME commits it
    note.locator('[data-note-color="blue"]').click()
    saved(page)
    placed = draft_of(live_app, journey_id)["notes"][0]["position"]
    before = note.bounding_box()
    page.mouse.move(before["x"] + before["width"] / 2, before["y"] + 6)
    page.mouse.down()
    page.mouse.move(before["x"] + before["width"] / 2 + 150, before["y"] + 66, steps=10)
    page.mouse.up()
    saved(page)
    (stored,) = draft_of(live_app, journey_id)["notes"]
    assert stored["text"] == "Check the coupon 쿠폰 확인"
    assert stored["color"] == "blue"
    screenshot(page, "canvas-ux-note")

    page.reload()
    text = page.locator(".react-flow__node-wl-note textarea")
    expect(text).to_have_value("Check the coupon 쿠폰 확인", timeout=WAIT)
    moved = draft_of(live_app, journey_id)["notes"][0]["position"]
    assert moved["x"] > placed["x"] + 100 and moved["y"] > placed["y"] + 30, (placed, moved)
    # Deleted with its own button; the journey's steps stay.
    page.locator(".react-flow__node-wl-note").click(position={"x": 10, "y": 10})
    page.locator("[data-note-delete]").click()
    expect(page.locator(".react-flow__node-wl-note")).to_have_count(0)
    saved(page)
    assert draft_of(live_app, journey_id).get("notes", []) == []
    assert len(draft_of(live_app, journey_id)["nodes"]) == 1


def test_question_mark_lists_shortcuts_and_ctrl_a_selects_all(live_app: LiveApp,
                                                              browse: Any) -> None:
    journey_id = journey_with(live_app, [("in", "entry.event", 0), ("d", "flow.delay", 1),
                                         ("out", "flow.exit", 2)],
                              [("e1", "in", "next", "d"), ("e2", "d", "next", "out")])
    page = open_editor(browse, journey_id)
    page.locator(".react-flow__pane").click(position={"x": 20, "y": 20})
    page.keyboard.press("?")
    overlay = page.locator("[data-shortcuts]")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("Select all steps")
    screenshot(page, "canvas-ux-shortcuts")
    page.keyboard.press("Escape")
    expect(overlay).to_have_count(0)
    page.keyboard.press("Control+a")
    expect(page.locator(".react-flow__node.selected")).to_have_count(3)


def test_steps_added_by_keyboard_do_not_stack(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    for kind in ("entry.event", "flow.delay", "action.send"):
        page.locator(f'.wl-palette-item[data-kind="{kind}"]').focus()
        page.keyboard.press("Enter")
        expect(page.locator(f'.react-flow__node:has([data-kind="{kind}"])')).to_have_count(1)
    saved(page)
    assert len(draft_of(live_app, journey_id)["nodes"]) == 3
    assert_no_overlaps(boxes(page))


def test_minimap_and_toasts_never_cover_a_step(live_app: LiveApp, browse: Any) -> None:
    journey_id = starters.create_from_starter(live_app.wayline, SYSTEM, "welcome").journey.id
    page = open_editor(browse, journey_id)
    for width, height in ((1440, 900), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        expect(page.locator(".react-flow__node")).to_have_count(9, timeout=WAIT)
        page.wait_for_function("document.querySelector('.react-flow__viewport')"
                               ".style.transform.includes('scale')")
        minimap = page.locator(".react-flow__minimap").bounding_box()
        steps = boxes(page)
        assert all(apart(step, minimap) for step in steps), f"{width}×{height}: minimap covers"
        screenshot(page, f"canvas-ux-fit-{width}x{height}")
    publish = page.locator('[data-action="publish"]')
    expect(publish).to_be_enabled(timeout=WAIT)
    publish.click()
    page.locator("[data-confirm]").click()
    toast = page.locator("[data-notice]")
    expect(toast).to_be_visible(timeout=WAIT)
    assert all(apart(step, toast.bounding_box()) for step in boxes(page)), "the toast covers"
    screenshot(page, "canvas-ux-toast")


def test_long_titles_wrap_and_show_whole_in_a_tooltip(live_app: LiveApp, browse: Any) -> None:
    journey_id = journey_with(live_app, [("in", "entry.event", 0)], [], label=LONG_TITLE)
    page = open_editor(browse, journey_id)
    title = node(page, "in").locator("[data-node-title]")
    expect(title).to_have_attribute("title", LONG_TITLE, timeout=WAIT)
    fits = title.evaluate("el => el.scrollHeight <= el.clientHeight + 1"
                          " && el.getBoundingClientRect().height > 30")
    assert fits, "the title is cut or kept to one line"


def test_notes_are_checked_bounded_and_ignored_by_the_runtime() -> None:
    from builder.compiled import compile_journey
    from builder.limits import MAX_NOTES, NOTE_MAX_TEXT
    from builder.validation import validate_journey

    registry = default_registry()
    exit_config = registry.get("flow.exit").dump(registry.get("flow.exit").example)
    entry = registry.get("entry.event")
    document = {
        "nodes": [{"id": "in", "type": "entry.event", "position": {"x": 0, "y": 0},
                   "data": {"config": entry.dump(entry.example)}},
                  {"id": "out", "type": "flow.exit", "position": {"x": 0, "y": 190},
                   "data": {"config": exit_config}}],
        "edges": [{"id": "e1", "source": "in", "sourceHandle": "next", "target": "out"}],
        "settings": {},
        "notes": [{"id": "n1", "position": {"x": 300, "y": 0}, "text": "Why we wait 쿠폰",
                   "color": "green", "width": 240, "height": 160}],
    }
    assert validate_journey(document) == []
    assert compile_journey(document, registry) is not None  # the runtime takes it as it is
    too_long = {**document, "notes": [{"id": "n1", "position": {"x": 0, "y": 0},
                                       "text": "x" * (NOTE_MAX_TEXT + 1)}]}
    assert [(i.code, i.field) for i in validate_journey(too_long)] == [
        ("document.invalid", "notes[0].text")]
    bad_colour = {**document, "notes": [{"id": "n1", "position": {"x": 0, "y": 0},
                                         "color": "red"}]}
    assert [i.field for i in validate_journey(bad_colour)] == ["notes[0].color"]
    many = {**document, "notes": [{"id": f"n{i}", "position": {"x": 0, "y": 0}}
                                  for i in range(MAX_NOTES + 1)]}
    assert [i.field for i in validate_journey(many)] == ["notes"]


def test_a_published_version_shows_its_notes_read_only(live_app: LiveApp, browse: Any) -> None:
    journey_id = journey_with(live_app, [("in", "entry.event", 0), ("out", "flow.exit", 1)],
                              [("e1", "in", "next", "out")])
    document = draft_of(live_app, journey_id)
    document["notes"] = [{"id": "n1", "position": {"x": 300, "y": 0}, "text": "Launch: 1 March",
                          "color": "pink"}]
    journeys.update_journey(live_app.wayline, SYSTEM, journey_id,
                            JourneyUpdate(document=document))
    journeys.publish_journey(live_app.wayline, SYSTEM, journey_id)
    page = open_editor(browse, journey_id)
    expect(page.locator(".react-flow__node-wl-note textarea")).to_have_value("Launch: 1 March")
    page.locator('[data-action="history"]').click()
    page.locator('[data-version="1"] [data-action="open-version"]').click()
    canvas = page.locator('[data-history-canvas="1"]')
    note = canvas.locator('[data-note="n1"]')
    expect(note).to_have_text("Launch: 1 March", timeout=WAIT)
    expect(note.locator("textarea")).to_have_count(0)  # read-only: no text box, no tools
    expect(note.locator("[data-note-delete]")).to_have_count(0)
    screenshot(page, "canvas-ux-version-note")


def test_live_counts_stay_legible_when_the_whole_journey_fits(live_app: LiveApp,
                                                              browse: Any) -> None:
    journey_id = starters.create_from_starter(live_app.wayline, SYSTEM, "welcome").journey.id
    journeys.publish_journey(live_app.wayline, SYSTEM, journey_id)
    page = open_editor(browse, journey_id)
    counts = page.locator("[data-live]")
    expect(counts).to_have_count(9, timeout=WAIT)
    expect(page.locator("[data-live][data-far]")).to_have_count(9)  # zoomed out: summarised
    # What the eye gets: the figure's font size times the zoom, in screen pixels.
    sizes = page.locator("[data-live-here]").evaluate_all(
        """els => els.map(e => parseFloat(getComputedStyle(e).fontSize)
                               * e.getBoundingClientRect().height / e.offsetHeight)""")
    assert min(sizes) >= 9, sizes
    screenshot(page, "canvas-ux-far-counts")


def test_a_note_keeps_korean_being_composed(live_app: LiveApp, browse: Any) -> None:
    journey_id = journey_with(live_app, [("in", "entry.event", 0)], [])
    page = open_editor(browse, journey_id)
    page.locator('[data-action="add-note"]').click()
    text = page.locator(".react-flow__node-wl-note textarea")
    text.click()
    text.press_sequentially("Hi ")
    saved(page)
    ime = page.context.new_cdp_session(page)
    for syllable in ("ㅎ", "하", "한"):  # an input method composing 한, as a Korean keyboard does
        ime.send("Input.imeSetComposition", {"text": syllable, "selectionStart": 1,
                                             "selectionEnd": 1})
    expect(text).to_have_value("Hi 한")
    ime.send("Input.insertText", {"text": "한"})
    ime.send("Input.imeSetComposition", {"text": "ㄱ", "selectionStart": 1, "selectionEnd": 1})
    ime.send("Input.imeSetComposition", {"text": "글", "selectionStart": 1, "selectionEnd": 1})
    ime.send("Input.insertText", {"text": "글"})
    expect(text).to_have_value("Hi 한글")
    saved(page)
    expect(text).to_have_value("Hi 한글")  # the saved answer did not reset what was typed
    assert draft_of(live_app, journey_id)["notes"][0]["text"] == "Hi 한글"
