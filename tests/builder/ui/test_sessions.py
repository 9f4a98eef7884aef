"""Two tabs on one journey, and a server restart under an open editor, in a real browser."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import expect

from server.services import journeys
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.builder.ui.test_canvas import (
    WAIT,
    blank_journey,
    connect,
    draft_of,
    drop,
    node,
    open_editor,
    saved,
)

RECONNECT_WAIT = 30_000  # ms: ReactPy retries after 0.75 s, backing off by 1.25× each time


def test_a_second_tab_sees_edits_to_a_step_and_deletions(live_app: LiveApp,
                                                          browse: Any) -> None:
    journey_id = blank_journey(live_app)
    first = open_editor(browse, journey_id)
    wait = drop(first, "flow.delay", 420, 200)
    saved(first)
    second = open_editor(browse, journey_id)
    expect(node(second, wait)).to_be_visible(timeout=WAIT)

    # A form edit in the first tab shows on the step in the second.
    node(first, wait).click()
    first.locator('[data-field="label"]').fill("Cool-off")
    saved(first)
    expect(node(second, wait)).to_contain_text("Cool-off", timeout=WAIT)

    # A deletion in the second tab disappears from the first.
    node(second, wait).click()
    second.keyboard.press("Delete")
    saved(second)
    expect(node(first, wait)).to_have_count(0, timeout=WAIT)
    assert draft_of(live_app, journey_id)["nodes"] == []


def test_the_editor_survives_a_server_restart_without_losing_the_draft(
        live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    entry = drop(page, "entry.event", 420, 120)
    saved(page)

    # The server goes down (its websockets are closed) while the marketer keeps working.
    browse.watch.tolerate("WebSocket connection to")  # refused while nothing listens
    live_app.stop()
    wait = drop(page, "flow.delay", 420, 380)
    # The page knows the connection is down: the change waits, kept, and is not called saved.
    expect(page.locator('[data-save="offline"]')).to_contain_text("1 edit waiting", timeout=WAIT)
    screenshot(page, "reconnect-1-server-down")
    assert [n["id"] for n in draft_of(live_app, journey_id)["nodes"]] == [entry]

    # A new server comes up on the same address: the page reconnects and the change is saved.
    live_app.start()
    expect(page.locator('[data-save="saved"]')).to_be_visible(timeout=RECONNECT_WAIT)
    assert sorted(n["id"] for n in draft_of(live_app, journey_id)["nodes"]) == sorted(
        [entry, wait])
    expect(page.locator('[data-notice="warn"]')).to_have_count(0)

    # The editor works on the new connection: a wire saves, and a reload shows all of it.
    connect(page, entry, "next", wait)
    expect(page.locator(".react-flow__edge")).to_have_count(1, timeout=WAIT)
    saved(page)
    assert [(e["source"], e["target"]) for e in draft_of(live_app, journey_id)["edges"]] == [
        (entry, wait)]
    screenshot(page, "reconnect-2-back")
    page.reload()
    expect(node(page, wait)).to_be_visible(timeout=WAIT)
    expect(page.locator(".react-flow__edge")).to_have_count(1)


def test_a_save_whose_answer_was_lost_is_not_reported_as_a_conflict(
        live_app: LiveApp, browse: Any) -> None:
    """The connection drops after a save reached the server but before its answer came back:
    the page sends it again on the new connection, and the server takes it as done."""
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    sockets: list[Any] = []
    muted = {"on": False}

    def relay(socket: Any) -> None:
        server = socket.connect_to_server()
        sockets.append(socket)
        socket.on_message(lambda message: server.send(message))
        server.on_message(lambda message: None if muted["on"] else socket.send(message))

    page.route_web_socket(re.compile(r"/reactpy/"), relay)
    page.reload()
    expect(page.locator(".wl-canvas .react-flow__pane")).to_be_visible(timeout=WAIT)
    entry = drop(page, "entry.event", 420, 120)
    saved(page)
    revision = journeys.get_journey(live_app.wayline, journey_id).journey.draft_revision

    # The server's answers stop arriving; a change is made and reaches the server anyway.
    muted["on"] = True
    wait = drop(page, "flow.delay", 420, 380)
    deadline = time.monotonic() + WAIT / 1000
    while len(draft_of(live_app, journey_id)["nodes"]) < 2:
        assert time.monotonic() < deadline, "the save never reached the server"
        time.sleep(0.1)
    expect(page.locator('[data-save="saving"]')).to_be_visible()

    # The connection drops; the page reconnects and is answered again.
    muted["on"] = False
    sockets[-1].close()
    expect(page.locator('[data-save="saved"]')).to_be_visible(timeout=RECONNECT_WAIT)
    assert len(sockets) == 2
    expect(page.locator('[data-notice="warn"]')).to_have_count(0)
    detail = journeys.get_journey(live_app.wayline, journey_id)
    assert detail.journey.draft_revision == revision + 1  # saved once, not twice
    assert sorted(n["id"] for n in detail.document["nodes"]) == sorted([entry, wait])

    # And the page goes on saving on the new connection.
    connect(page, entry, "next", wait)
    saved(page)
    assert len(draft_of(live_app, journey_id)["edges"]) == 1


def test_a_change_that_never_reached_the_server_survives_a_reload(
        live_app: LiveApp, browse: Any) -> None:
    """The page's messages stop getting through; the marketer reloads: the tab still has the
    change and saves it on the fresh page."""
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    blocked = {"on": False}

    def relay(socket: Any) -> None:
        server = socket.connect_to_server()
        socket.on_message(lambda message: None if blocked["on"] else server.send(message))
        server.on_message(lambda message: socket.send(message))

    page.route_web_socket(re.compile(r"/reactpy/"), relay)
    page.reload()
    expect(page.locator(".wl-canvas .react-flow__pane")).to_be_visible(timeout=WAIT)
    entry = drop(page, "entry.event", 420, 120)
    saved(page)

    blocked["on"] = True
    wait = drop(page, "flow.delay", 420, 380)
    expect(page.locator("[data-slow]")).to_be_visible(timeout=WAIT)
    assert [n["id"] for n in draft_of(live_app, journey_id)["nodes"]] == [entry]

    blocked["on"] = False
    page.reload()
    expect(node(page, wait)).to_be_visible(timeout=WAIT)
    saved(page)
    assert sorted(n["id"] for n in draft_of(live_app, journey_id)["nodes"]) == sorted(
        [entry, wait])
