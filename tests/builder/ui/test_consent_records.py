"""A customer's consent records in a real browser: the matrix (channel × purpose, three
states) and the history, newest first and paged, updated when an editor flips a switch; the
080 refusal shows with its line; in Korean too."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from runtime.customers.fields import ConsentChange
from runtime.customers.records import CustomerPatch, upsert_customers
from runtime.messaging.gateways import OptOut
from runtime.messaging.opt_outs import take_opt_outs
from server.services.consent_journeys import get_consent_journeys
from tests.builder.ui.conftest import LiveApp, screenshot, set_checked
from tests.runtime.harness import START

WAIT = 10_000


def seojun(live_app: LiveApp, flips: int) -> None:
    """Seo-jun signs up with SMS advertising (and at night) and email refused, flips his email
    consent `flips` times by import, then calls the 080 line (refusing advertising on
    every phone channel: texts, KakaoTalk, Brand Message)."""
    wl = live_app.wayline
    now = wl.now()
    with wl.writing() as session:
        upsert_customers(session, [CustomerPatch("seojun", {"phone": "+821055557777"}, consent={
            "sms": ConsentChange(granted=True, night=True),
            "email": ConsentChange(granted=False, transactional=True)})], now, "form")
        for flip in range(flips):
            upsert_customers(session, [CustomerPatch("seojun", consent={
                "email": ConsentChange(granted=flip % 2 == 0)})], now, "import")
        take_opt_outs(session, [OptOut("+821055557777", START, opt_out_number="0801234567")],
                      "csv", now)


def test_the_consent_matrix_and_history_on_the_customer_page(live_app: LiveApp,
                                                              browse: Any) -> None:
    seojun(live_app, flips=20)
    page = browse("/customers/seojun", "editor")
    matrix = page.locator("[data-consent-matrix]")
    expect(matrix).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-cell="sms:advertising"] [data-state]')).to_have_text("Refused")
    expect(page.locator('[data-cell="sms:night"] [data-state]')).to_have_text("Refused")
    expect(page.locator('[data-cell="sms:information"] [data-state]')).to_have_text("Unknown")
    expect(page.locator('[data-cell="email:information"] [data-state]')).to_have_text(
        "Granted")
    expect(page.locator('[data-cell="email:advertising"] [data-state]')).to_have_text(
        "Refused")

    history = page.locator("[data-history-row]")
    expect(history).to_have_count(20)
    expect(page.locator("[data-consent-history] h3")).to_contain_text("28 changes")
    first = history.first
    expect(first.locator("[data-source]")).to_contain_text("080 opt-out line")
    expect(first).to_contain_text("called 080")
    page.locator('[data-action="older-consent"]').click()
    expect(history).to_have_count(28, timeout=WAIT)
    expect(history.last.locator("[data-source]")).to_have_text("Sign-up form")
    expect(page.locator('[data-action="older-consent"]')).to_have_count(0)
    screenshot(page, "consent-records")

    set_checked(page.locator('[data-consent="kakao"]'), True)
    expect(history.first.locator("[data-source]")).to_contain_text("Marketer · Eddie Editor",
                                                                    timeout=WAIT)
    expect(page.locator('[data-cell="kakao:advertising"] [data-state]')).to_have_text(
        "Granted")
    page.locator('[data-cell="sms:information"] [data-set-state]').select_option("refused")
    expect(page.locator('[data-cell="sms:information"] [data-state]')).to_have_text(
        "Refused", timeout=WAIT)
    top = history.first
    expect(top).to_contain_text("Information")
    expect(top.locator("[data-source]")).to_contain_text("Marketer · Eddie Editor")

    korean = browse("/customers/seojun", "editor", locale="ko-KR")
    expect(korean.locator("[data-card=consent-records] h2")).to_have_text("수신 동의 기록",
                                                                         timeout=WAIT)
    expect(korean.locator('[data-cell="sms:advertising"] [data-state]')).to_have_text("거부")
    expect(korean.locator("[data-history-row]").nth(2).locator("[data-source]")).to_contain_text(
        "080 수신거부")
    screenshot(korean, "consent-records-ko")


def test_the_consent_notices_are_switched_on_in_send_rules(live_app: LiveApp,
                                                          browse: Any) -> None:
    page = browse("/settings", "publisher", locale="ko-KR")
    card = page.locator("[data-card=consent-journeys]")
    expect(card).to_be_visible(timeout=WAIT)
    box = card.locator('[data-consent-journey="confirmation"]')
    box.click()  # no sender name yet: refused, saying what is missing
    expect(card.get_by_role("status")).to_contain_text("Sender name", timeout=WAIT)
    expect(box).not_to_be_checked()
    card.locator('[data-consent-field="sender_name"]').fill("봄날상점")
    card.locator('[data-consent-field="withdraw"]').fill("무료수신거부 080-123-4567")
    set_checked(box, True)
    expect(card.locator('[data-journey-link="confirmation"]')).to_contain_text("운영 중")
    screenshot(page, "consent-journeys-ko")
    shown = get_consent_journeys(live_app.wayline)
    assert (shown.sender_name, shown.journeys[0].status) == ("봄날상점", "live")
    card.locator('[data-journey-link="confirmation"]').click()
    expect(page).to_have_url(f"{live_app.url}/journeys/{shown.journeys[0].journey_id}")


def test_an_editor_uploads_the_080_list_on_the_customers_page(live_app: LiveApp,
                                                              browse: Any, tmp_path) -> None:
    wl = live_app.wayline
    with wl.writing() as session:
        upsert_customers(session, [CustomerPatch("minji", {"phone": "+821022223333"},
                                                 consent={"sms": ConsentChange(granted=True)})],
                         wl.now(), "api")
    csv = tmp_path / "080.csv"
    csv.write_text("전화번호,일자,080번호\n010-2222-3333,2026-03-01,080-123-4567\n"
                   "010-9999,2026-03-01,080-123-4567\n", encoding="utf-8")
    page = browse("/customers", "editor", locale="ko-KR")
    card = page.locator("[data-card=opt-out-upload]")
    expect(card).to_be_visible(timeout=WAIT)
    card.locator("[data-opt-out-csv]").set_input_files(str(csv))
    expect(card.locator("[data-opt-outs-loaded]")).to_have_attribute("data-opt-outs-loaded", "1",
                                                                     timeout=WAIT)
    expect(card.locator("[data-opt-outs-customers]")).to_have_text("고객 1명 광고 수신 거부 처리")
    expect(card.locator('[data-refused-line="3"]')).to_contain_text("010-9999")
    screenshot(page, "opt-out-upload-ko")
    history = browse("/customers/minji", "editor")
    expect(history.locator('[data-cell="sms:advertising"] [data-state]')).to_have_text(
        "Refused", timeout=WAIT)
    expect(history.locator("[data-history-row]").first.locator("[data-source]")).to_contain_text(
        "080 opt-out line")
