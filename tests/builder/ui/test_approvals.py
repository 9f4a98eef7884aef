"""Publishing through approvals, in a real browser: an editor asks, a publisher sees what
changed and who it reaches and approves, and the journey goes live."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from server.schemas.team import WorkspaceSettings
from server.services import journeys, starters, workspace_settings
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.builder.ui.test_canvas import WAIT


def test_an_editor_asks_a_publisher_approves_and_the_journey_goes_live(
        live_app: LiveApp, browse: Any) -> None:
    journey_id = starters.create_from_starter(live_app.wayline, SYSTEM, "welcome").journey.id
    path = f"/journeys/{journey_id}"

    # The editor can't publish: they ask, with a note, and see their request waiting.
    editor = browse(path, "editor")
    ask = editor.locator('[data-action="ask-publish"]')
    expect(ask).to_be_enabled(timeout=WAIT)
    expect(editor.locator('[data-action="publish"]')).to_have_count(0)
    mine = editor.locator("[data-approval-mine]")
    for note in ("Draft, don't publish yet", "Ready for Monday's send"):
        if mine.count():  # asked before: take that request back first
            mine.locator('[data-action="withdraw"]').click()
            expect(mine).to_have_count(0, timeout=WAIT)
        ask.click()
        editor.locator('[role="dialog"] [data-field="comment"]').fill(note)
        editor.locator('[role="dialog"] [data-confirm]').click()
        expect(mine).to_contain_text("Waiting for approval (revision", timeout=WAIT)
    expect(mine).to_contain_text("asked by you")
    screenshot(editor, "editor-asked")

    # The journeys list marks it for the publisher.
    listing = browse("/", "publisher")
    expect(listing.locator(f'[data-journey="{journey_id}"] [data-waiting]')).to_be_visible(
        timeout=WAIT)
    screenshot(listing, "journeys-waiting")

    # The publisher sees who asked, their note, what changed, who it reaches, that the draft
    # is still what was asked; rejecting needs a reason.
    page = browse(path, "publisher")
    banner = page.locator("[data-approval]")
    expect(banner).to_contain_text("Eddie Editor", timeout=WAIT)
    expect(banner.locator("[data-approval-comment]")).to_have_text("Ready for Monday's send")
    expect(banner.locator("[data-approval-changes]")).not_to_be_empty()
    expect(banner.locator("[data-approval-audience]")).not_to_be_empty()
    expect(banner.locator('[data-approval-current="yes"]')).to_be_visible()
    screenshot(page, "editor-approval-banner")
    banner.locator('[data-action="reject"]').click()
    expect(page.locator('[role="dialog"] [data-confirm]')).to_be_disabled()
    page.locator('[role="dialog"]').get_by_role("button", name="Cancel").click()

    banner.locator('[data-action="approve"]').click()
    page.locator('[role="dialog"] [data-field="comment"]').fill("Looks good")
    page.locator('[role="dialog"] [data-confirm]').click()
    expect(page.locator('[data-status="live"]')).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-notice="ok"]')).to_contain_text("published as version 1")
    expect(page.locator("[data-approval]")).to_have_count(0)
    assert journeys.get_journey(live_app.wayline, journey_id).journey.live_version == 1

    # The version history says who published it.
    page.locator('[data-action="history"]').click()
    expect(page.locator('[data-version="1"]')).to_contain_text("Pat Publisher", timeout=WAIT)
    expect(page.locator('[data-version="1"]')).to_contain_text("Live")
    screenshot(page, "editor-versions")

    # With approvals required, even a publisher asks instead of publishing.
    workspace_settings.update_workspace_settings(
        live_app.wayline, SYSTEM, WorkspaceSettings(approvals_required=True))
    page.reload()
    expect(page.locator('[data-action="ask-publish"]')).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-action="publish"]')).to_have_count(0)
