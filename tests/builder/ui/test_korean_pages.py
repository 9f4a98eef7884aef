"""The messages page, a template's preview, the coupons page and an approval in Korean: a browser
whose language is Korean gets `<html lang="ko">` and the pages' own words in Korean, service
refusals included."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from builder.i18n import words
from builder.ui.approvals import run_approval
from builder.ui.bridge import Approve
from builder.ui.service_words import said
from runtime.errors import InvalidInputError, NotFoundError
from runtime.store.audit import SYSTEM, Actor
from server.schemas.coupons import CouponPoolCreate
from server.schemas.journeys import JourneyCreate
from server.services import approvals, coupons, journeys, starters
from server.services.significance import compare, verdict
from server.services.template_checks import Draft, check_template
from tests.builder.ui.conftest import (
    LiveApp,
    Person,
    add_person,
    screenshot,
    sign_in,
    signed_in_services,
)
from tests.builder.ui.test_ab_results import positioned, welcome_offer
from tests.runtime.harness import add_customers, add_template, drain

WAIT = 10_000


def korean_page(browser: Any, app: LiveApp, person: Person, path: str) -> Any:
    """A page of the app in a browser that prefers Korean, signed in as `person`."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ko-KR")
    sign_in(context, app, person)
    page = context.new_page()
    page.goto(app.url + path)
    expect(page.locator("html")).to_have_attribute("lang", "ko", timeout=WAIT)
    return page


def test_messages_and_a_preview_in_korean(live_app: LiveApp, browser: Any) -> None:
    with live_app.wayline.runtime.sessions() as session:
        add_template(session, "sms", "재입고 알림", subject=None,
                     source="{{ customer.first_name }}님, 찜한 상품이 다시 들어왔어요.")
        session.commit()
    page = korean_page(browser, live_app, add_person(live_app, "admin"), "/messages")
    expect(page.locator("h1")).to_have_text("메시지", timeout=WAIT)
    expect(page.get_by_text("메시지를 한 번 작성해 두면")).to_be_visible()
    page.locator('[data-template="재입고 알림"]').click()
    form = page.locator('[data-form="template"]')
    expect(form.locator('[data-action="save"]')).to_have_text("변경 내용 저장", timeout=WAIT)
    expect(form.locator("[data-bytes]")).to_contain_text("SMS로 발송")
    preview = page.locator('[data-panel="message-preview"]')
    expect(preview.locator("h2")).to_have_text("미리보기")
    expect(preview).to_contain_text("테스트 발송")
    # A sample customer has no first name: the service's error, said in Korean.
    expect(preview.locator('[data-preview="error"]')).to_contain_text(
        "메시지 1번째 줄: 이 고객에게는 customer.first_name 값이 없습니다", timeout=WAIT)
    screenshot(page, "ko-messages-preview")
    page.context.close()


def test_coupons_in_korean(live_app: LiveApp, browser: Any) -> None:
    pool = coupons.create_pool(live_app.wayline, SYSTEM, CouponPoolCreate(name="생일 쿠폰"))
    coupons.add_codes(live_app.wayline, SYSTEM, pool.pool.id, "BDAY-1\nBDAY-2\n")
    page = korean_page(browser, live_app, add_person(live_app, "admin"), "/coupons")
    expect(page.locator("h1")).to_have_text("쿠폰", timeout=WAIT)
    table = page.locator('[data-list="pools"]')
    expect(table.locator("th").nth(1)).to_have_text("지급된 코드", timeout=WAIT)
    expect(table.locator('[data-pool="생일 쿠폰"]')).to_contain_text("없음")
    table.locator('[data-action="open-pool"]').click()
    card = page.locator('[data-card="pool"]')
    expect(card.locator("h3").first).to_have_text("코드 추가", timeout=WAIT)
    card.locator('[data-field="codes"]').fill("BDAY-3\nBDAY-1\nnot a code!")
    card.locator('[data-action="add-codes"]').click()
    outcome = card.locator("[data-outcome]")
    expect(outcome).to_contain_text("코드 1개를 추가했습니다", timeout=WAIT)
    expect(outcome).to_contain_text("3번째 줄: 'not a code!'은(는) 코드가 아닙니다")
    screenshot(page, "ko-coupons")
    page.context.close()


def test_an_approval_in_korean(live_app: LiveApp, browser: Any) -> None:
    journey_id = starters.create_from_starter(live_app.wayline, SYSTEM, "welcome").journey.id
    editor = add_person(live_app, "editor")
    asked = approvals.request_publish(live_app.wayline, Actor("user", str(editor.id),
                                                              editor.name),
                                      journey_id, "월요일 발송 준비 완료")
    page = korean_page(browser, live_app, add_person(live_app, "publisher"),
                       f"/journeys/{journey_id}")
    banner = page.locator("[data-approval]")
    expect(banner).to_contain_text(editor.name, timeout=WAIT)
    expect(banner.locator("[data-approval-comment]")).to_have_text("월요일 발송 준비 완료")
    screenshot(page, "ko-approval")
    page.context.close()

    # What the editor tells the publisher and the editor, in Korean.
    ko = words("ko")
    refused = said(ko, "You asked for this publish yourself: another publisher approves or "
                       "rejects it.")
    assert refused.startswith("직접 요청한 게시입니다")
    assert said(ko, f"Request #{asked.id} is rejected already.") == \
        f"요청 #{asked.id}은(는) 이미 반려됨 상태입니다."
    services = signed_in_services(live_app, "publisher")
    text = run_approval(services, journey_id, Approve(id=asked.id, comment="좋아요"), ko)
    assert text == "승인했습니다: 버전 1(으)로 게시되었습니다."


def test_a_b_results_in_korean(live_app: LiveApp, browser: Any) -> None:
    wl = live_app.wayline
    journey_id = journeys.create_journey(wl, SYSTEM, JourneyCreate(
        name="Welcome offer test", document=positioned(welcome_offer()))).journey.id
    with wl.writing() as session:
        add_customers(session, 40, wl.now())
    journeys.publish_journey(wl, SYSTEM, journey_id)
    drain(wl.runtime)
    page = korean_page(browser, live_app, add_person(live_app, "admin"),
                       f"/journeys/{journey_id}")
    panel = page.locator("[data-ab-results]")
    expect(panel.locator("header strong")).to_have_text("A/B 테스트 결과", timeout=WAIT)
    expect(panel.locator("header .goal")).to_contain_text("7일 안에 purchase")
    expect(panel.locator("th").first).to_have_text("경로")
    expect(panel.locator(".against")).to_contain_text("대조군 대비")
    expect(panel.locator("[data-ab-summary]")).to_contain_text("고객이 너무 적습니다")
    screenshot(page, "ko-ab-results")
    page.context.close()


def test_the_services_messages_are_said_in_korean() -> None:
    """Each service message a template stands for is matched as the service makes it now (a
    changed wording in a service shows here, not as English on a Korean page)."""
    made = [NotFoundError("coupon pool", 5).message, NotFoundError("template", 3).message]
    made += [problem.message for problem in coupons.parse_codes("OK-1\nnot a code!")[1]]
    try:
        check_template(Draft("email", None, ""))
    except InvalidInputError as error:
        made += [error.message, *(issue["message"] for issue in error.issues)]
    made += [verdict("Coupon", "Control group", compare(1, 10, 1, 10), entered=10,
                     baseline_entered=10),
             verdict("Coupon", "Control group", compare(300, 1000, 100, 1000), entered=1000,
                     baseline_entered=1000),
             verdict("Coupon", "Control group", compare(100, 1000, 300, 1000), entered=1000,
                     baseline_entered=1000)]
    ko = words("ko")
    for text in made:
        assert re.search("[가-힣]", said(ko, text)), f"not said in Korean: {text!r}"
        assert said(words("en"), text) == text
