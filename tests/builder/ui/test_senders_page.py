"""Senders and AlimTalk review in a real browser: an admin adds a sender number on the Send
rules page (a wrong number is refused on its field), marks it registered; an editor submits an
AlimTalk template to Kakao's review from the Messages page and sees it under review, then
rejected with Kakao's reason, then approved (a local HTTP server stands in for the provider);
and the journey editor refuses to publish with the template not approved, saying why; a send
step picks a registered sender (pending ones shown, not offered). The same pages in Korean."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from runtime.messaging.senders import use_senders
from runtime.store.audit import SYSTEM
from runtime.store.models import Journey
from runtime.store.sender_models import Sender
from server.schemas.senders import SenderIn
from server.services import senders
from tests.builder.journeys import document, edge, node
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.runtime.harness import add_journey, add_template, wait_until
from tests.runtime.providers import http_server  # noqa: F401 - fixture
from tests.server.test_senders import KakaoReviews, answer

WAIT = 10_000
SEGMENT = {"rule": {"type": "attr", "field": "plan", "op": "eq", "value": "pro"}}


@pytest.fixture(autouse=True)
def forget_senders():
    """The senders a test loaded are this process's (as the wording is): forget them after."""
    yield
    use_senders(())


def stored(live_app: LiveApp) -> dict[str, Sender]:
    with live_app.wayline.runtime.sessions() as session:
        return {row.value: row for row in session.scalars(select(Sender))}


def test_add_a_sender_and_mark_it_registered(live_app: LiveApp, browse: Any) -> None:
    page = browse("/settings")
    card = page.locator('[data-card="senders"]')
    expect(card).to_contain_text("No senders yet.", timeout=WAIT)
    form = card.locator('[data-form="sender"]')
    form.locator('[data-field="value"]').fill("12-34")
    form.locator('[data-field="name"]').fill("웨이라인")
    form.locator('[data-field="opt_out_number"]').fill("02-123-4567")
    form.locator('[data-action="add-sender"]').click()
    problems = card.locator(".wl-alert.error .wl-problems")
    expect(problems).to_contain_text("is not a Korean phone number", timeout=WAIT)
    expect(problems).to_contain_text("must be a free 080 number")
    assert stored(live_app) == {}

    form.locator('[data-field="value"]').fill("02-1234-5678")
    form.locator('[data-field="opt_out_number"]').fill("080-123-4567")
    form.locator('[data-action="add-sender"]').click()
    row = card.locator('[data-sender="0212345678"]')
    expect(row).to_contain_text("02-1234-5678", timeout=WAIT)
    expect(row.locator('[data-sender-status="0212345678"]')).to_have_value("pending")
    expect(row).to_contain_text("080-123-4567")
    assert stored(live_app)["0212345678"].status == "pending"
    row.locator('[data-sender-status="0212345678"]').select_option("registered")
    expect(card.locator(".wl-alert.ok")).to_have_text("Saved.", timeout=WAIT)
    row.locator('[data-action="make-default"]').click()
    expect(row).to_contain_text("Default", timeout=WAIT)
    saved = stored(live_app)["0212345678"]
    assert (saved.status, saved.is_default, saved.opt_out_number) == ("registered", True,
                                                                      "0801234567")
    card.scroll_into_view_if_needed()
    screenshot(page, "senders-card")

    korean = browse("/settings", locale="ko-KR")
    card = korean.locator('[data-card="senders"]')
    expect(card.locator("h2")).to_have_text("발신자", timeout=WAIT)
    expect(card.locator('[data-sender="0212345678"]')).to_contain_text("기본")
    card.scroll_into_view_if_needed()
    screenshot(korean, "senders-card-ko")


def test_review_status_on_the_messages_page_and_publish_blocked(
        live_app: LiveApp, browse: Any, http_server: Any) -> None:  # noqa: F811
    provider = http_server(answers=[answer("under_review"), answer("rejected", "변수 설명 부족"),
                                    answer("approved")])
    live_app.wayline.runtime.adapters["kakao"] = KakaoReviews(provider)
    senders.save_sender(live_app.wayline, SYSTEM, SenderIn(
        kind="kakao", value="a1b2c3d4e5f6", name="웨이라인", status="registered",
        is_default=True))
    page = browse("/messages")
    page.locator('[data-new-template="kakao"]').click()
    form = page.locator('[data-form="template"][data-channel="kakao"]')
    form.locator('input[name="name"]').fill("Order shipped")
    form.locator('input[name="options.template_code"]').fill("SHIPPED")
    form.locator('textarea[name="source"]').fill("#{name}님, 주문하신 상품이 출발했어요.")
    form.locator('textarea[name="options.variables"]').fill("name = {{ customer.first_name }}")
    form.locator('[data-action="save"]').click()
    review = page.locator('[data-card="review"]')
    expect(review.locator('[data-review="status"]')).to_have_text("Not submitted",
                                                                  timeout=WAIT)
    review.locator('[data-action="submit-review"]').click()
    expect(review.locator('[data-review="status"]')).to_have_text("Under review",
                                                                  timeout=WAIT)
    assert provider.requests[0].body["sender_key"] == "a1b2c3d4e5f6"
    review.locator('[data-action="refresh-review"]').click()
    expect(review.locator('[data-review="status"]')).to_have_text("Rejected", timeout=WAIT)
    expect(review.locator('[data-review="reason"]')).to_contain_text("변수 설명 부족")
    screenshot(page, "review-rejected")

    template_id = int(form.get_attribute("data-template-id") or 0) or _template_id(live_app)
    draft = document([node("entry", "entry.segment", "Pro plan", SEGMENT),
                      node("send", "action.send", "Shipping note", {
                          "channel": "kakao", "template": template_id,
                          "purpose": "transactional", "sms_fallback": False}, x=320),
                      node("done", "flow.exit", "Done", x=640)],
                     [edge("entry", "send"), edge("send", "done", "next")])
    with live_app.wayline.writing() as session:
        journey_id = add_journey(session, draft, name="Shipping")
    editor = browse(f"/journeys/{journey_id}")
    expect(editor.locator('[data-node-id="send"] [data-badge="error"]')).to_be_visible(
        timeout=WAIT)
    expect(editor.locator('[data-action="publish"]')).to_be_disabled()
    editor.locator('[data-node-id="send"]').click()
    error = editor.locator('[data-inspector="send"] [data-field-error="config.template"]')
    expect(error).to_contain_text("Kakao rejected it: 변수 설명 부족", timeout=WAIT)
    screenshot(editor, "review-blocks-publish")

    korean = browse("/messages", locale="ko-KR")
    korean.locator('[data-template="Order shipped"]').click()
    shown = korean.locator('[data-card="review"] [data-review="status"]')
    expect(shown).to_have_text("반려됨", timeout=WAIT)
    screenshot(korean, "review-rejected-ko")

    review.locator('[data-action="refresh-review"]').click()
    expect(review.locator('[data-review="status"]')).to_have_text("Approved", timeout=WAIT)
    editor.reload()
    expect(editor.locator('[data-action="publish"]')).to_be_enabled(timeout=WAIT)


def _template_id(live_app: LiveApp) -> int:
    from runtime.store.models import Template
    with live_app.wayline.runtime.sessions() as session:
        return session.scalar(select(Template.id).where(Template.name == "Order shipped"))


def test_a_send_step_picks_a_registered_sender(live_app: LiveApp, browse: Any) -> None:
    for value, name, status, default in (("02-1234-5678", "웨이라인", "registered", True),
                                         ("1588-1234", "웨이라인 마케팅", "registered", False),
                                         ("02-9999-8888", "웨이라인 지점", "pending", False)):
        senders.save_sender(live_app.wayline, SYSTEM, SenderIn(
            kind="phone", value=value, name=name, status=status, is_default=default,
            opt_out_number="080-123-4567"))
    with live_app.wayline.writing() as session:
        template = add_template(session, "sms", "Sale", None, "주말 특가")
        journey_id = add_journey(session, document(
            [node("entry", "entry.segment", "Pro plan", SEGMENT),
             node("send", "action.send", "Sale text", {"channel": "sms", "template": template},
                  x=320)],
            [edge("entry", "send")]), name="Weekend")
    editor = browse(f"/journeys/{journey_id}")
    editor.locator('[data-node-id="send"]').click()
    picker = editor.locator('[data-inspector="send"] [data-sender-picker]')
    expect(picker).to_be_visible(timeout=WAIT)
    expect(picker.locator("option").first).to_have_text(
        "Default sender (웨이라인 · 02-1234-5678)")
    expect(picker.locator('option[value="0299998888"]')).to_be_disabled()
    expect(picker.locator('option[value="0299998888"]')).to_contain_text("pending")
    picker.select_option("15881234")

    def chosen() -> str:
        with live_app.wayline.reading() as session:
            draft = session.get(Journey, journey_id).draft
        [step] = [item for item in draft["nodes"] if item["id"] == "send"]
        return step["data"]["config"].get("sender", "")

    wait_until(lambda: chosen() == "15881234", 10, "the picked sender saved", chosen)
    screenshot(editor, "send-step-sender")

    korean = browse(f"/journeys/{journey_id}", locale="ko-KR")
    korean.locator('[data-node-id="send"]').click()
    picker = korean.locator('[data-inspector="send"] [data-sender-picker]')
    expect(picker).to_have_value("15881234", timeout=WAIT)
    expect(picker.locator("option").first).to_have_text(
        "기본 발신자 (웨이라인 · 02-1234-5678)")
    screenshot(korean, "send-step-sender-ko")
