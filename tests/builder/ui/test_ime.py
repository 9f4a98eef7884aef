"""Typing Korean through an input method, and typing fast, into Wayline's fields in a real browser.

A Korean IME builds each syllable over several key presses (ㅈ → 자 → 장) before it commits it;
Chrome DevTools Protocol's Input.imeSetComposition plays each of those steps and Input.insertText
commits, as an IME does. A field that lets the server's echo reset its value mid-composition
garbles the text ("장ㅂ바구니"); one that loses keys to stale echoes drops letters when typed fast.
"""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect

from server.services import journeys
from tests.builder.ui.conftest import LiveApp, add_person, sign_in
from tests.builder.ui.test_canvas import (
    WAIT,
    blank_journey,
    draft_of,
    drop,
    node,
    open_editor,
    saved,
)

INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
STEP_SECONDS = 0.01  # a person types a jamo about every 100 ms; 10 ms is a fast typist


def composing_steps(syllable: str) -> list[str]:
    """What an IME shows while building `syllable`: its initial, then initial and vowel, then
    the whole syllable (when it has a final consonant)."""
    code = ord(syllable) - 0xAC00
    if not 0 <= code < 11172:
        return []
    initial, vowel, final = code // 588, (code % 588) // 28, code % 28
    steps = [INITIALS[initial], chr(0xAC00 + initial * 588 + vowel * 28)]
    return steps + [syllable] if final else steps


def type_korean(page: Any, text: str) -> None:
    """Type `text` into the focused field as a Korean IME does, one step every 10 ms."""
    cdp = page.context.new_cdp_session(page)
    for char in text:
        for shown in composing_steps(char):
            cdp.send("Input.imeSetComposition", {"text": shown, "selectionStart": len(shown),
                                                 "selectionEnd": len(shown)})
            time.sleep(STEP_SECONDS)
        cdp.send("Input.insertText", {"text": char})
        time.sleep(STEP_SECONDS)
    cdp.detach()


KOREAN = "장바구니 캠페인 리마인드"
FAST = "Korea high-score follow-up"


def new_journey_dialog(browse: Any) -> tuple[Any, Any]:
    page = browse("/")
    page.locator('[data-action="create"]').click()
    field = page.locator('[data-field="new-journey-name"]')
    expect(field).to_be_visible(timeout=WAIT)
    field.click()
    return page, field


def created_name(page: Any, live_app: LiveApp) -> str:
    page.locator('[data-action="create-confirm"]').click()
    page.wait_for_url("**/journeys/*", timeout=WAIT)
    expect(page.locator("[data-journey-name]")).not_to_be_empty(timeout=WAIT)
    (journey,) = journeys.list_journeys(live_app.wayline).items
    return journey.name


def test_korean_typed_into_the_new_journey_dialog_arrives_whole(live_app: LiveApp,
                                                                browse: Any) -> None:
    page, field = new_journey_dialog(browse)
    type_korean(page, KOREAN)
    expect(field).to_have_value(KOREAN)
    time.sleep(0.5)  # the server's answers to every step have come back: still whole
    expect(field).to_have_value(KOREAN)
    assert created_name(page, live_app) == KOREAN


def test_fast_typing_into_the_new_journey_dialog_drops_no_letter(live_app: LiveApp,
                                                                 browse: Any) -> None:
    page, field = new_journey_dialog(browse)
    page.keyboard.type(FAST, delay=5)
    expect(field).to_have_value(FAST)
    assert created_name(page, live_app) == FAST


def test_korean_typed_as_the_journey_name_on_the_canvas_is_saved(live_app: LiveApp,
                                                                  browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    field = page.locator('[data-field="journey-name"]')
    field.click()
    field.press("Control+a")
    field.press("Delete")
    type_korean(page, KOREAN)
    expect(field).to_have_value(KOREAN)
    # Saved as typed, after a pause, without leaving the field.
    expect(page.locator("[data-journey-name]")).to_have_text(KOREAN, timeout=WAIT)
    saved(page)
    assert journeys.get_journey(live_app.wayline, journey_id).journey.name == KOREAN
    expect(field).to_have_value(KOREAN)


def test_korean_and_fast_typing_on_another_page_and_the_field_clears_after_saving(
        live_app: LiveApp, browse: Any) -> None:
    """The coupons page's new-pool name: whole names arrive, and when the page clears the field
    after creating the pool (Python really changing the value), the field takes it."""
    page = browse("/coupons")
    field = page.locator('[data-field="pool-name"]')
    field.click()
    type_korean(page, "신규 가입 환영 쿠폰")
    expect(field).to_have_value("신규 가입 환영 쿠폰")
    page.locator('[data-action="create-pool"]').click()
    expect(page.locator('[data-card="pool"][data-pool-name="신규 가입 환영 쿠폰"]')).to_be_visible(
        timeout=WAIT)
    expect(field).to_have_value("", timeout=WAIT)

    field.click()
    page.keyboard.type(FAST, delay=5)
    expect(field).to_have_value(FAST)
    page.locator('[data-action="create-pool"]').click()
    expect(page.locator(f'[data-card="pool"][data-pool-name="{FAST}"]')).to_be_visible(
        timeout=WAIT)


def test_korean_typed_into_a_step_label_is_saved_whole(live_app: LiveApp, browse: Any) -> None:
    journey_id = blank_journey(live_app)
    page = open_editor(browse, journey_id)
    wait = drop(page, "flow.delay", 420, 200)
    saved(page)
    node(page, wait).click()
    field = page.locator(f'[data-inspector="{wait}"] [data-field="label"]')
    field.click()
    type_korean(page, "장바구니 리마인드 대기")
    expect(field).to_have_value("장바구니 리마인드 대기")
    saved(page)
    (step,) = draft_of(live_app, journey_id)["nodes"]
    assert step["data"]["label"] == "장바구니 리마인드 대기"


def test_the_journeys_page_in_korean_takes_a_korean_name(live_app: LiveApp, browser: Any) -> None:
    context = browser.new_context(locale="ko-KR", viewport={"width": 1440, "height": 900})
    sign_in(context, live_app, add_person(live_app, "admin"))
    page = context.new_page()
    page.goto(live_app.url + "/")
    expect(page.get_by_text("아직 여정이 없습니다")).to_be_visible(timeout=WAIT)
    page.locator('[data-action="create"]').click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("h2")).to_have_text("새 여정")
    field = dialog.locator('[data-field="new-journey-name"]')
    expect(field).to_have_attribute("placeholder", "제목 없는 여정")
    field.click()
    type_korean(page, KOREAN)
    dialog.locator('[data-action="create-confirm"]').click()
    page.wait_for_url("**/journeys/*", timeout=WAIT)
    (journey,) = journeys.list_journeys(live_app.wayline).items
    assert journey.name == KOREAN
    page.goto(live_app.url + "/")
    row = page.locator(f'[data-journey="{journey.id}"]')
    expect(row).to_contain_text("초안", timeout=WAIT)
    expect(row).to_contain_text("방금")
    expect(row.locator('[data-action="clone"]')).to_have_text("복제")
    context.close()
