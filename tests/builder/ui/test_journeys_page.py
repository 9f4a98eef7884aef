"""The journeys page in a real browser: list, create, pause/resume with confirmation, clone,
archive, export and import."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from server.schemas.journeys import JourneyCreate
from server.services import journeys, starters
from tests.builder.ui.conftest import LiveApp, screenshot

WAIT = 10_000


def test_create_opens_the_canvas(live_app: LiveApp, browse: Any) -> None:
    page = browse("/")
    expect(page.get_by_text("No journeys yet")).to_be_visible(timeout=WAIT)
    page.locator('[data-action="create"]').click()
    page.locator('[data-field="new-journey-name"]').fill("Welcome series")
    page.locator('[data-action="create-confirm"]').click()
    page.wait_for_url("**/journeys/*", timeout=WAIT)
    expect(page.locator("[data-journey-name]")).to_have_text("Welcome series", timeout=WAIT)
    expect(page.locator(".wl-canvas-empty")).to_be_visible()
    assert [j.name for j in journeys.list_journeys(live_app.wayline).items] == ["Welcome series"]


def test_create_from_a_starter(live_app: LiveApp, browse: Any) -> None:
    page = browse("/")
    page.locator('[data-action="create"]').click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("nothing is sent until you publish", timeout=WAIT)
    cards = dialog.locator("[data-starter]")
    expect(cards).to_have_count(1 + len(starters.list_starters()))
    dialog.locator('[data-starter="cart_abandonment"]').click()
    expect(dialog.locator('[data-starter="cart_abandonment"]')).to_have_attribute(
        "aria-pressed", "true")
    expect(dialog.locator('[data-field="new-journey-name"]')).to_have_attribute(
        "placeholder", "Cart abandonment")
    screenshot(page, "journeys-new-from-starter")
    dialog.locator('[data-field="new-journey-name"]').fill("Cart reminders, spring")
    dialog.locator('[data-action="create-confirm"]').click()
    page.wait_for_url("**/journeys/*", timeout=WAIT)
    expect(page.locator("[data-journey-name]")).to_have_text("Cart reminders, spring",
                                                             timeout=WAIT)
    starter = next(s for s in starters.list_starters() if s.key == "cart_abandonment")
    expect(page.locator(".react-flow__node")).to_have_count(starter.nodes)
    (created,) = journeys.list_journeys(live_app.wayline).items
    detail = journeys.get_journey(live_app.wayline, created.id)
    assert detail.journey.status == "draft" and detail.journey.live_version is None
    assert [n["type"] for n in detail.document["nodes"]] == [
        n["type"] for n in starter.document["nodes"]]
    # Its templates were created with it, so the draft is ready to publish.
    assert [i.message for i in detail.issues if i.severity == "error"] == []


def test_cancel_creates_nothing(live_app: LiveApp, browse: Any) -> None:
    page = browse("/")
    page.locator('[data-action="create"]').click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert journeys.list_journeys(live_app.wayline).items == []


def test_pause_resume_clone_archive(live_app: LiveApp, browse: Any) -> None:
    detail = starters.create_from_starter(live_app.wayline, SYSTEM, "cart_abandonment")
    journey_id = detail.journey.id
    journeys.publish_journey(live_app.wayline, SYSTEM, journey_id)
    journeys.create_journey(live_app.wayline, SYSTEM, JourneyCreate(name="Another draft"))
    page = browse("/")
    row = page.locator(f'tr[data-journey="{journey_id}"]')
    expect(row.locator('[data-status="live"]')).to_be_visible(timeout=WAIT)
    expect(row).to_contain_text("v1")
    screenshot(page, "journeys-list")

    row.locator('[data-action="pause"]').click()
    expect(page.get_by_role("dialog")).to_contain_text("No one new enters")
    page.locator("[data-confirm]").click()
    expect(row.locator('[data-status="paused"]')).to_be_visible(timeout=WAIT)
    assert journeys.get_journey(live_app.wayline, journey_id).journey.status == "paused"

    row.locator('[data-action="resume"]').click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert journeys.get_journey(live_app.wayline, journey_id).journey.status == "paused"
    row.locator('[data-action="resume"]').click()
    page.locator("[data-confirm]").click()
    expect(row.locator('[data-status="live"]')).to_be_visible(timeout=WAIT)

    row.locator('[data-action="archive"]').click()
    expect(page.get_by_role("dialog")).to_contain_text("ends the journey for good")
    page.locator("[data-confirm]").click()
    expect(row.locator('[data-status="archived"]')).to_be_visible(timeout=WAIT)

    row.locator('[data-action="clone"]').click()
    page.wait_for_url("**/journeys/*", timeout=WAIT)
    expect(page.locator("[data-journey-name]")).to_have_text(f"Copy of {detail.journey.name}",
                                                              timeout=WAIT)
    expect(page.locator(".react-flow__node")).to_have_count(len(detail.document["nodes"]))


def test_export_and_import(live_app: LiveApp, browse: Any, tmp_path: Any) -> None:
    detail = starters.create_from_starter(live_app.wayline, SYSTEM, "welcome")
    page = browse("/")
    row = page.locator(f'tr[data-journey="{detail.journey.id}"]')
    with page.expect_download() as download:
        row.locator('[data-action="export"]').click()
    exported = json.loads(download.value.path().read_text())
    assert exported["format"] == "wayline.journey"
    assert exported["document"] == detail.document

    exported["name"] = "Imported welcome"
    upload = tmp_path / "journey.json"
    upload.write_text(json.dumps(exported))
    page.locator("[data-import-file]").set_input_files(str(upload))
    page.wait_for_url("**/journeys/*", timeout=WAIT)
    expect(page.locator("[data-journey-name]")).to_have_text("Imported welcome", timeout=WAIT)
    names = sorted(j.name for j in journeys.list_journeys(live_app.wayline).items)
    assert names == sorted([detail.journey.name, "Imported welcome"])

    page.goto(page.url.split("/journeys")[0] + "/")
    bad = tmp_path / "notes.json"
    bad.write_text("not json at all")
    page.locator("[data-import-file]").set_input_files(str(bad))
    expect(page.locator('[data-notice="error"]')).to_contain_text("isn't a journey file",
                                                                  timeout=WAIT)
