"""The path preview in a Korean browser: why a customer enters, waits and is not sent a message,
in Korean, with the values (attributes, events, channels) kept as they are."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.builder.ui.conftest import LiveApp, screenshot
from tests.builder.ui.test_canvas import WAIT
from tests.builder.ui.test_korean_canvas import korean_page
from tests.builder.ui.test_preview import NO_CONSENT, add_customers, morning, vip_journey

__all__ = ["korean_page", "morning"]  # the Korean browser and the frozen Seoul morning


def test_the_path_preview_gives_korean_reasons(live_app: LiveApp, korean_page: Any) -> None:
    add_customers(live_app)
    journey_id = vip_journey(live_app)
    page = korean_page
    page.goto(f"{live_app.url}/journeys/{journey_id}")
    expect(page.locator(".wl-canvas .react-flow__pane")).to_be_visible(timeout=WAIT)
    page.locator('[data-action="preview"]').click()
    panel = page.locator("[data-preview-panel]")

    # c2 (pro, score 20) enters, is no big spender, and waits two days for the reminder.
    page.locator('[data-sample-customer="c2"]').click()
    why = page.locator('[data-why="enters"]')
    expect(why).to_contain_text("plan 값: 'pro'; 조건: plan 같음 'pro'", timeout=WAIT)
    steps = page.locator("[data-path-step]")
    expect(steps).to_have_count(5, timeout=WAIT)
    expect(steps.nth(1).locator(".wl-path-why")).to_contain_text(
        "score 값: 20; 조건: score 이상 / 당일 또는 이후 50")
    expect(steps.nth(2).locator(".wl-path-why")).to_have_text("2일 대기; 대기가 끝남")
    # (The mail's own text may be English: only the reasons are checked.)
    reasons = " ".join(page.locator(".wl-path-why, [data-why] li").all_inner_texts())
    for english in ("waiting", "wanted", "the wait is over", "is at least", "entered as"):
        assert english not in reasons, reasons
    screenshot(page, "korean-reasons-path")

    # c4 gave no email consent: the mail would not be sent, and the card says why.
    page.locator('[data-field="preview-customer"]').fill(NO_CONSENT)
    page.locator('[data-action="preview-customer"]').click()
    held = page.locator('[data-message="suppressed"]')
    expect(held.first).to_contain_text("email 마케팅 수신 동의 없음", timeout=WAIT)
    expect(panel).not_to_contain_text("no marketing consent")
