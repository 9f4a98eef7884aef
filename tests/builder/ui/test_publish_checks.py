"""Mistakes caught before publishing, in a real browser: a send step whose message is written
for another channel is an error on the step, Publish stays disabled, and the template picker
offers only the step's channel."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from runtime.audit import SYSTEM
from server.services import starters
from tests.builder.ui.conftest import LiveApp, screenshot

WAIT = 10_000


def test_a_message_for_another_channel_blocks_publishing(live_app: LiveApp,
                                                         browse: Any) -> None:
    detail = starters.create_from_starter(live_app.wayline, SYSTEM, "cart_abandonment")
    mail = next(n for n in detail.document["nodes"]
                if n["type"] == "action.send" and n["data"]["config"]["channel"] == "email")
    page = browse(f"/journeys/{detail.journey.id}", "publisher")
    expect(page.locator('[data-action="publish"]')).to_be_enabled(timeout=WAIT)

    page.locator(f'[data-node-id="{mail["id"]}"]').click()
    inspector = page.locator(f'[data-inspector="{mail["id"]}"]')
    inspector.locator('[data-field="config.channel"] select').select_option("sms")
    error = inspector.locator('[data-field-error="config.template"]')
    expect(error).to_contain_text("is written for Email, but this step sends SMS",
                                  timeout=WAIT)
    expect(page.locator(f'[data-node-id="{mail["id"]}"] [data-badge="error"]')).to_be_visible()
    expect(page.locator('[data-action="publish"]')).to_be_disabled()
    picker = inspector.locator('[data-picker="template"]')
    offered = picker.locator("option").all_inner_texts()
    assert any("(another channel)" in text for text in offered)
    assert not any(text.endswith("· Email") for text in offered), offered
    screenshot(page, "publish-checks-wrong-channel")
