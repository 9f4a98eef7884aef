"""The brakes in a real browser: the stop-all-sending switch and the banner it puts on every
page (the canvas too), a pause with a reason the canvas shows, pausing one step from its
inspector, a guardrail's pause with its figures, the guardrails card, and a test send from a
send step to the workspace's test recipients."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from runtime.messaging.providers import HttpProviderAdapter
from runtime.run.jobs import watch_guardrails
from runtime.store.audit import SYSTEM
from server.services import journeys, sending, starters, workspace
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.builder.ui.test_send_inspector import inspect
from tests.builder.ui.test_send_inspector import setup as every_channel
from tests.runtime import providers as servers

WAIT = 10_000
http_server = servers.http_server  # the local HTTP server standing in for the SMS provider


def live_journey(app: LiveApp) -> tuple[int, dict]:
    detail = starters.create_from_starter(app.wayline, SYSTEM, "cart_abandonment")
    journeys.publish_journey(app.wayline, SYSTEM, detail.journey.id)
    return detail.journey.id, detail.document


def test_stop_all_sending_shows_on_every_page_until_resumed(live_app: LiveApp,
                                                            browse: Any) -> None:
    journey_id, _ = live_journey(live_app)
    page = browse("/settings", "publisher")
    card = page.locator('[data-card="stop-sending"]')
    expect(card).to_have_attribute("data-stopped", "no", timeout=WAIT)
    card.locator('[data-field="stop-reason"]').fill("쿠폰 금액 오류 — a wrong coupon")
    card.locator('[data-action="flip-sending"]').click()
    expect(card).to_have_attribute("data-stopped", "yes", timeout=WAIT)
    assert sending.sending_state(live_app.wayline).stopped
    banner = page.locator('[data-banner="sending-stopped"]')
    expect(banner).to_contain_text("쿠폰 금액 오류", timeout=WAIT)
    screenshot(page, "brakes-1-stopped")

    # Every page says so: the list for a viewer (who can't resume), the canvas.
    viewer = browse("/", "viewer")
    expect(viewer.locator('[data-banner="sending-stopped"]')).to_contain_text(
        "All sending is stopped", timeout=WAIT)
    expect(viewer.locator('[data-action="resume-sending"]')).to_have_count(0)
    canvas = browse(f"/journeys/{journey_id}", "publisher")
    expect(canvas.locator('[data-banner="sending-stopped"]')).to_contain_text(
        "a wrong coupon", timeout=WAIT)
    screenshot(canvas, "brakes-2-canvas-stopped")

    banner.locator('[data-action="resume-sending"]').click()
    expect(banner).to_have_count(0, timeout=WAIT)
    assert not sending.sending_state(live_app.wayline).stopped
    expect(viewer.locator('[data-banner="sending-stopped"]')).to_have_count(0, timeout=WAIT)


def test_pause_with_a_reason_and_pause_one_step(live_app: LiveApp, browse: Any) -> None:
    journey_id, document = live_journey(live_app)
    page = browse(f"/journeys/{journey_id}", "publisher")
    page.locator('[data-action="pause"]').click()
    dialog = page.get_by_role("dialog")
    dialog.locator('[data-field="comment"]').fill("문구 확인 중 (checking the copy)")
    dialog.locator("[data-confirm]").click()
    expect(page.locator("[data-paused-reason]")).to_contain_text("문구 확인 중", timeout=WAIT)
    expect(page.locator('[data-banner="paused"]')).to_contain_text("no message is waiting to go")
    screenshot(page, "brakes-3-paused")
    page.locator('[data-action="resume"]').click()
    page.get_by_role("dialog").locator("[data-confirm]").click()
    expect(page.locator('[data-banner="paused"]')).to_have_count(0, timeout=WAIT)

    send = next(n["id"] for n in document["nodes"] if n["type"] == "action.send")
    page.locator(f'[data-node-id="{send}"]').click()
    page.locator('[data-action="pause-step"]').click()
    expect(page.locator(f'[data-step-paused="{send}"]')).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-banner="paused-steps"]')).to_contain_text("1 step is paused")
    assert journeys.get_journey(live_app.wayline, journey_id).journey.paused_steps == [send]
    screenshot(page, "brakes-4-step-paused")
    page.locator('[data-action="resume-step"]').click()
    expect(page.locator(f'[data-step-paused="{send}"]')).to_have_count(0, timeout=WAIT)
    assert journeys.get_journey(live_app.wayline, journey_id).journey.paused_steps == []


def test_a_guardrail_pause_shows_its_figures_on_the_list_and_the_canvas(
        live_app: LiveApp, browse: Any) -> None:
    journey_id, _ = live_journey(live_app)
    rt = live_app.wayline.runtime
    watch_guardrails(rt, {journey_id: {"calls": 212, "failed": 66, "sent": 146}})
    summary = journeys.get_journey(live_app.wayline, journey_id).journey
    assert summary.status == "paused"
    assert summary.paused_reason == ("Paused by guardrail: 31% of 212 messages failed in 15 min "
                                     "(the limit is 20%)")
    listing = browse("/", "viewer")
    expect(listing.locator(f'[data-paused-reason="{journey_id}"]')).to_contain_text(
        "31% of 212 messages failed", timeout=WAIT)
    screenshot(listing, "brakes-5-guardrail-list")
    canvas = browse(f"/journeys/{journey_id}", "publisher")
    expect(canvas.locator("[data-paused-reason]")).to_contain_text(
        "Paused by guardrail: 31% of 212 messages failed in 15 min", timeout=WAIT)
    screenshot(canvas, "brakes-6-guardrail-canvas")


def test_the_guardrails_card_saves_limits_and_the_alert_address(live_app: LiveApp,
                                                                 browse: Any) -> None:
    page = browse("/settings", "publisher")
    card = page.locator('[data-card="guardrails"]')
    # The defaults are written out: an empty box would mean that limit is off.
    expect(card.locator('[data-guardrail="max_bounce_percent"]')).to_have_value("10",
                                                                                timeout=WAIT)
    expect(card.locator('[data-guardrail="max_sends_per_hour"]')).to_have_value("")
    card.locator('[data-guardrail="max_failure_percent"]').fill("12")
    card.locator('[data-guardrail="max_sends_per_hour"]').fill("50000")
    card.locator('[data-guardrail="alert_email"]').fill("not-an-address")
    card.locator('[data-action="save-guardrails"]').click()
    expect(card.locator(".wl-alert.error")).to_contain_text("not an email address",
                                                            timeout=WAIT)
    card.locator('[data-guardrail="alert_email"]').fill("crm-oncall@example.kr")
    card.locator('[data-action="save-guardrails"]').click()
    expect(card.locator(".wl-alert.ok")).to_be_visible(timeout=WAIT)
    saved = workspace.get_guardrails(live_app.wayline)
    assert (saved.defaults.max_failure_percent, saved.defaults.max_sends_per_hour,
            saved.alert_email) == (12, 50000, "crm-oncall@example.kr")
    screenshot(page, "brakes-7-guardrails-card")


def test_a_test_send_from_a_send_step_reaches_the_team_once(live_app: LiveApp, browse: Any,
                                                            http_server: Any) -> None:
    provider = http_server()
    live_app.wayline.runtime.adapters["sms"] = HttpProviderAdapter(
        "sms", provider.url, "key", {"sender": "0212345678"}, timeout=2)
    journey_id = every_channel(live_app)
    settings = browse("/settings", "publisher")
    card = settings.locator('[data-card="test-recipients"]')
    card.locator('[data-test-recipients="phones"]').fill("010-1111-2222")
    card.locator('[data-action="save-test-recipients"]').click()
    expect(card.locator(".wl-alert.ok")).to_be_visible(timeout=WAIT)

    page = browse(f"/journeys/{journey_id}", "editor")
    inspect(page, "sms")
    expect(page.locator("[data-rendered-text]")).to_contain_text("민지님", timeout=WAIT)
    page.locator('[data-action="test-to-team"]').click()
    expect(page.locator('[data-test-result="sent"]')).to_contain_text(
        "Test sent to 010-1111-2222", timeout=WAIT)
    screenshot(page, "brakes-8-test-send")
    assert len(provider.requests) == 1
    request = provider.requests[0]
    assert request.body["test"] is True and request.body["to"] == "010-1111-2222"
    assert request.body["text"].startswith("(광고) 민지님")
    assert journeys.get_journey(live_app.wayline, journey_id).journey.counts.entered == 0
