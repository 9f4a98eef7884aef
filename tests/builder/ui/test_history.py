"""A journey's version history in a real browser: the list of versions (who published each,
how many customers are in it, live, holding or retired), a version opened read-only, live and
draft compared with the changes marked on the canvas, and a version restored as the draft."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from playwright.sync_api import expect

from builder.document import upgraded
from builder.ui.bridge import Compare, Restore, ShowVersion
from builder.ui.history import run_history
from builder.ui.services import UiError
from runtime.store.audit import Actor
from server.schemas.journeys import JourneyCreate, JourneyUpdate
from server.services import journeys
from tests.builder.journeys import document, edge
from tests.builder.ui.conftest import LiveApp, screenshot, signed_in_services
from tests.builder.ui.test_canvas import WAIT
from tests.runtime.harness import add_customers

PAT = Actor("user", "1", "Pat Publisher")
"""Who publishes the versions."""


def step(node_id: str, kind: str, label: str, config: dict, x: int, y: int) -> dict:
    return {"id": node_id, "type": kind, "position": {"x": x, "y": y},
            "data": {"label": label, "config": config}}


def days(amount: int) -> dict:
    return {"duration": {"amount": amount, "unit": "days"}}


def version_one() -> dict:
    return document([step("in", "entry.segment", "Everyone", {"rule": {"type": "and",
                                                                        "rules": []}}, 0, 0),
                     step("wait", "flow.delay", "Wait a day", days(1), 0, 160),
                     step("out", "flow.exit", "Done", {}, 0, 320)],
                    [edge("in", "wait", "next"), edge("wait", "out", "next")])


def history_journey(app: LiveApp) -> tuple[int, dict]:
    """Version 1 (3 customers still in it), version 2 (live: the wait is two days) and a
    draft that waits three days and ends in a new step instead of 'Done'."""
    wl = app.wayline
    with wl.writing() as session:
        add_customers(session, 3, wl.now())
    first = version_one()
    journey_id = journeys.create_journey(wl, PAT, JourneyCreate(name="Welcome back",
                                                                document=first)).journey.id
    journeys.publish_journey(wl, PAT, journey_id)
    second = copy.deepcopy(first)
    second["nodes"][1]["data"].update(label="Wait two days", config=days(2))
    journeys.update_journey(wl, PAT, journey_id, JourneyUpdate(document=second))
    journeys.publish_journey(wl, PAT, journey_id)
    draft = copy.deepcopy(second)
    draft["nodes"][1]["data"]["config"] = days(3)
    draft["nodes"][2] = step("bye", "flow.exit", "Goodbye", {}, 260, 320)
    draft["edges"][1] = edge("wait", "bye", "next")
    journeys.update_journey(wl, PAT, journey_id, JourneyUpdate(document=draft))
    return journey_id, first


def test_the_history_lists_versions_and_opens_one_read_only(live_app: LiveApp,
                                                            browse: Any) -> None:
    journey_id, _ = history_journey(live_app)
    page = browse(f"/journeys/{journey_id}", "editor")
    page.locator('[data-action="history"]').click()
    live, older = page.locator('[data-version="2"]'), page.locator('[data-version="1"]')
    expect(live).to_contain_text("Pat Publisher", timeout=WAIT)
    expect(live).to_contain_text("Live")
    expect(live.locator("[data-version-summary]")).to_have_text(
        "1 step changed: 'Wait two days' (Name, Wait for)")
    expect(older).to_have_attribute("data-version-status", "holding")
    expect(older).to_contain_text("Older version, customers still in it")
    expect(older.locator("[data-version-customers]")).to_have_text("3 customers in it now")
    screenshot(page, "history-versions")

    older.locator('[data-action="open-version"]').click()
    expect(page.locator("[data-history-title]")).to_have_text("Version 1 · read-only",
                                                              timeout=WAIT)
    canvas = page.locator('[data-history-canvas="1"]')
    expect(canvas.locator('[data-node-id="wait"]')).to_contain_text("Wait a day")
    expect(canvas.locator('[data-node-id="out"]')).to_contain_text("Done")
    expect(page.locator(".wl-palette")).not_to_be_visible()  # the draft's, hidden
    canvas.locator('[data-node-id="wait"]').click()
    expect(page.locator('[data-inspector="wait"] [data-field="label"]')).to_be_disabled()
    screenshot(page, "history-version-1")

    page.locator('[data-action="back-to-draft"]').click()
    expect(page.locator('[data-banner="history"]')).to_have_count(0, timeout=WAIT)
    expect(page.locator('[data-node-id="bye"]')).to_contain_text("Goodbye")
    expect(page.locator(".wl-palette")).to_be_visible()


def test_live_and_draft_compared_mark_the_changes_on_the_canvas(live_app: LiveApp,
                                                                browse: Any) -> None:
    journey_id, _ = history_journey(live_app)
    page = browse(f"/journeys/{journey_id}", "viewer")
    page.locator('[data-action="history"]').click()
    page.locator('[data-action="compare-live"]').click()
    expect(page.locator("[data-history-title]")).to_have_text(
        "Version 2 (live) → Draft · read-only", timeout=WAIT)
    canvas = page.locator('[data-history-canvas="draft"]')
    expect(canvas.locator('[data-node-id="bye"].diff-added')).to_contain_text("Goodbye")
    expect(canvas.locator('[data-node-id="wait"].diff-changed')).to_be_visible()
    expect(canvas.locator('[data-node-id="out"].diff-removed')).to_contain_text("Done")
    expect(canvas.locator(".wl-edge.diff-moved")).to_have_count(1)  # wait → Goodbye now
    expect(canvas.locator(".wl-edge.diff-removed")).to_have_count(1)  # wait → Done, ghosted
    expect(page.locator("[data-diff-summary]")).to_have_text(
        "1 step changed: 'Wait two days' (Wait for); 1 added: 'Goodbye'; 1 removed: 'Done'; "
        "wire from 'Wait two days' moved from 'Done' to 'Goodbye'.")
    expect(page.locator('[data-action="restore"]')).to_have_count(0)  # not a version; a viewer
    screenshot(page, "history-compare-live-draft")

    canvas.locator('[data-node-id="wait"]').click()
    change = page.locator('[data-field-change="config.duration"]')
    expect(change).to_contain_text("Wait for")
    expect(change.locator("del")).to_have_text("amount: 2, unit: days")
    expect(change.locator("ins")).to_have_text("amount: 3, unit: days")
    screenshot(page, "history-compare-step")

    # Any two sides: version 1 against version 2.
    page.locator('[data-side="from"]').select_option("1")
    page.locator('[data-side="to"]').select_option("2")
    expect(page.locator("[data-history-title]")).to_have_text(
        "Version 1 → Version 2 (live) · read-only", timeout=WAIT)
    expect(page.locator("[data-diff-summary]")).to_have_text(
        "1 step changed: 'Wait two days' (Name, Wait for).")
    expect(page.locator('[data-action="restore"]')).to_have_count(0)  # a viewer, a version


def test_the_editor_draws_the_newer_side_with_the_older_sides_removed_steps(
        live_app: LiveApp) -> None:
    journey_id, _ = history_journey(live_app)
    services = signed_in_services(live_app, "viewer")
    view, said = run_history(services, journey_id, Compare())
    assert said is None and (view["old"], view["new"], view["number"]) == ("2", "draft", None)
    assert [node["id"] for node in view["removed"]] == ["out"]  # ghosted where it was
    assert set(view["ports"]) == {"in", "wait", "bye", "out"}
    assert view["removed_wires"] == [{"id": "was:wait:next:out", "source": "wait",
                                      "sourceHandle": "next", "target": "out"}]
    alone, _ = run_history(services, journey_id, ShowVersion(number=1))
    assert (alone["title"], alone["number"], alone["diff"]) == ("Version 1 · read-only", 1, None)
    with pytest.raises(UiError, match="version of 'Welcome back' 9"):
        run_history(services, journey_id, ShowVersion(number=9))
    with pytest.raises(UiError, match="Your role can't do this"):
        run_history(services, journey_id, Restore(number=1))


def test_restoring_a_version_makes_it_the_draft(live_app: LiveApp, browse: Any) -> None:
    journey_id, first = history_journey(live_app)
    page = browse(f"/journeys/{journey_id}", "editor")
    page.locator('[data-action="history"]').click()
    page.locator('[data-version="1"] [data-action="compare-version"]').click()
    expect(page.locator("[data-history-title]")).to_have_text(
        "Version 1 → Draft · read-only", timeout=WAIT)
    expect(page.locator('[data-action="restore"]')).to_have_count(0)  # the draft is shown
    page.locator('[data-side="from"]').select_option("draft")
    page.locator('[data-side="to"]').select_option("1")
    page.locator('[data-action="restore"]').click()
    page.locator('[role="dialog"] [data-confirm]').click()
    expect(page.locator('[data-notice="ok"]')).to_contain_text("Version 1 is the draft now",
                                                               timeout=WAIT)
    expect(page.locator('[data-banner="history"]')).to_have_count(0)
    expect(page.locator('[data-node-id="wait"]')).to_contain_text("Wait a day")
    expect(page.locator('[data-node-id="out"]')).to_contain_text("Done")
    expect(page.locator('[data-node-id="bye"]')).to_have_count(0)
    screenshot(page, "history-restored")
    draft = journeys.get_journey(live_app.wayline, journey_id).document
    assert draft == upgraded(first, live_app.wayline.registry)
