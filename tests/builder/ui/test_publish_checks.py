"""Mistakes caught before publishing, in a real browser: a send step whose message is written
for another channel is an error on the step, Publish stays disabled, and the template picker
offers only the step's channel; the opt-out line the law asks for is set on the Send rules
page, and the warning goes; the publish dialog says who enters, who is in already, and every
warning."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from runtime.store.models import Customer
from server.schemas.templates import RenderIn, SampleCustomer
from server.services import discovery, journeys, starters, templates, workspace
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


def test_the_opt_out_line_is_a_workspace_setting(live_app: LiveApp, browse: Any) -> None:
    detail = starters.create_from_starter(live_app.wayline, SYSTEM, "cart_abandonment")
    warned = journeys.get_journey(live_app.wayline, detail.journey.id).issues
    assert any(issue.code == "send.no_opt_out_line" for issue in warned)
    page = browse("/settings", "publisher")
    card = page.locator('[data-card="wording"]')
    expect(card.locator('[data-wording="ad_label"]')).to_have_value("(광고)", timeout=WAIT)
    card.locator('[data-wording="opt_out_line"]').fill("무료수신거부 080-555-0100")
    card.locator('[data-action="save-wording"]').click()
    expect(card.locator(".wl-alert.ok")).to_be_visible(timeout=WAIT)
    screenshot(page, "publish-checks-wording")
    saved = workspace.get_wording(live_app.wayline)
    assert (saved.ad_label, saved.opt_out_line) == (None, "무료수신거부 080-555-0100")
    fixed = journeys.get_journey(live_app.wayline, detail.journey.id).issues
    assert not any(issue.code == "send.no_opt_out_line" for issue in fixed)
    kakao = next(t for t in templates.list_templates(live_app.wayline).items
                 if t.channel == "kakao")
    shown = templates.render_template(live_app.wayline, kakao.id, RenderIn(
        purpose="marketing", sample=SampleCustomer(attributes={"first_name": "민지"})))
    assert shown.content["text"].endswith("무료수신거부 080-555-0100")


def test_the_publish_dialog_shows_who_enters_who_is_in_and_every_warning(
        live_app: LiveApp, browse: Any) -> None:
    with live_app.wayline.writing() as session:
        session.add_all([Customer(external_id=f"k{index}", attributes={}, consent={})
                         for index in range(3)])
    detail = starters.create_from_starter(live_app.wayline, SYSTEM, "cart_abandonment")
    checked = journeys.get_journey(live_app.wayline, detail.journey.id)
    # The editor also warns about the starter's events that haven't arrived yet.
    warnings = [i for i in checked.issues if i.severity == "warning"] + \
        discovery.data_warnings(live_app.wayline, checked.document)
    page = browse(f"/journeys/{detail.journey.id}", "publisher")
    page.locator('[data-action="publish"]').click()
    facts = page.get_by_role("dialog").locator("[data-publish-facts]")
    expect(facts.locator("[data-publish-audience]")).to_have_attribute(
        "data-publish-audience", "3", timeout=WAIT)  # who can enter, doing the event
    expect(facts.locator("[data-publish-in-flight]")).to_have_text("0")
    expect(facts.locator("[data-publish-warnings]")).to_have_attribute(
        "data-publish-warnings", str(len(warnings)))
    screenshot(page, "publish-checks-dialog")
    page.get_by_role("dialog").locator("[data-confirm]").click()
    expect(page.locator('[data-status="live"]')).to_be_visible(timeout=WAIT)

