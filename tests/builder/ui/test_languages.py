"""Korean and English in the browser: a Korean browser gets Korean pages (nav, menu, audit,
team, sign-in, unsubscribe) with <html lang="ko">; a person's language chosen in the user menu
is kept for them (audited) whatever their browser asks; the theme chosen in the menu is kept in
the browser and applied before the page paints. Screenshots of the Korean pages go to
WAYLINE_SCREENSHOTS at 1440×900."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from runtime.messaging.tracking import secret_for
from runtime.messaging.unsubscribe import make_token
from runtime.store.models import Customer
from runtime.store.team_models import AuditEvent, User
from server.schemas.customers import CustomerIn
from server.services.customers import upsert_customer
from tests.builder.ui.conftest import Person, add_person, screenshot, sign_in
from tests.live import LiveApp

WAIT = 15_000  # ms


@pytest.fixture
def open_as(browser: Any, live_app: LiveApp) -> Iterator[Any]:
    """Opens a page of the live app in a browser that asks for `locale` (signed in as
    `person`, or signed out), at 1440×900; fails the test on any console error."""
    contexts, errors = [], []

    def open_page(path: str, locale: str, person: Person | None = None, **options: Any) -> Any:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale,
                                      **options)
        contexts.append(context)
        if person is not None:
            sign_in(context, live_app, person)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_app.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], f"browser console errors: {errors}"


def test_a_korean_browser_gets_korean_pages(live_app: LiveApp, open_as: Any) -> None:
    admin = add_person(live_app, "admin", name="Kim Minji", email="minji@example.kr")
    page = open_as("/team", "ko-KR", admin)
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("h1")).to_have_text("팀", timeout=WAIT)
    expect(page.locator('[data-nav="journeys"]')).to_have_text("여정")
    expect(page.locator('[data-nav="settings"]')).to_have_text("발송 규칙")
    expect(page.locator('[data-card="people"] h2')).to_have_text("팀원", timeout=WAIT)
    expect(page.locator('[data-person="minji@example.kr"]')).to_contain_text("활성",
                                                                            timeout=WAIT)
    expect(page.locator('[data-role="admin"]')).to_have_text("관리자")
    assert re.search(r"\d{4}년 \d+월 \d+일", page.locator(
        '[data-person="minji@example.kr"]').inner_text())  # the last sign-in, in full
    screenshot(page, "pages-ko-team")

    page.locator('[data-menu="account"] summary').click()
    menu = page.locator(".wl-menu-panel")
    expect(menu).to_contain_text("로그아웃")
    expect(menu.locator('[data-menu-group="language"]')).to_contain_text("언어")
    expect(menu.locator('[data-theme-choice="dark"]')).to_have_text("다크")
    screenshot(page, "pages-ko-menu")

    page.goto(live_app.url + "/audit")
    expect(page.locator("h1")).to_have_text("감사 로그", timeout=WAIT)
    expect(page.locator('[data-form="audit-filters"]')).to_contain_text("팀원 또는 키")
    expect(page.locator('[data-action="export-csv"]')).to_have_text("CSV 내보내기")
    expect(page.locator('[data-table="audit"] th').first).to_have_text("일시", timeout=WAIT)
    screenshot(page, "pages-ko-audit")

    page.goto(live_app.url + "/settings")
    expect(page.locator("h1")).to_have_text("발송 규칙", timeout=WAIT)
    expect(page.locator('[data-card="stop-sending"] h2')).to_have_text("모든 발송 중지",
                                                                      timeout=WAIT)
    expect(page.locator('[data-form="send-policy"]')).to_contain_text("야간 발송 제한",
                                                                     timeout=WAIT)
    screenshot(page, "pages-ko-settings")
    _no_overflow(page)


def _no_overflow(page: Any) -> None:
    """Nothing on the page is wider than the window (Korean text fits)."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 1440, f"the page is {wide}px wide at 1440"


def test_a_person_keeps_the_language_they_choose(live_app: LiveApp, open_as: Any) -> None:
    editor = add_person(live_app, "editor")
    page = open_as("/settings", "en-US", editor)
    expect(page.locator("h1")).to_have_text("Send rules", timeout=WAIT)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator('[data-menu="account"] summary').click()
    page.locator('[data-language="ko"]').click()
    # The choice is saved, and the page loads again in it.
    expect(page.locator("html")).to_have_attribute("lang", "ko", timeout=WAIT)
    expect(page.locator("h1")).to_have_text("발송 규칙", timeout=WAIT)
    page.reload()
    expect(page.locator('[data-nav="journeys"]')).to_have_text("여정", timeout=WAIT)

    with live_app.wayline.reading() as db:
        assert db.get(User, editor.id).language == "ko"
        rows = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.language_changed")).all()
        assert [(row.actor_name, row.after) for row in rows] == [
            (f"{editor.name} ({editor.email})", {"language": "ko"})]

    # Another English browser: the person's choice wins; back to English in the menu.
    again = open_as("/settings", "en-US", editor)
    expect(again.locator("h1")).to_have_text("발송 규칙", timeout=WAIT)
    again.locator('[data-menu="account"] summary').click()
    expect(again.locator('[data-language="ko"]')).to_have_attribute("aria-pressed", "true")
    again.locator('[data-language="en"]').click()
    expect(again.locator("h1")).to_have_text("Send rules", timeout=WAIT)


def test_the_sign_in_page_speaks_the_browsers_language(live_app: LiveApp,
                                                       open_as: Any) -> None:
    page = open_as("/signin", "ko-KR")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("h1")).to_have_text("로그인")
    expect(page.locator("label[for=password]")).to_have_text("비밀번호")
    page.fill("#email", "nobody@example.kr")
    page.fill("#password", "not the password")
    page.locator("button[type=submit]").click()
    expect(page.locator("[role=alert]")).to_have_text(
        "이메일 또는 비밀번호가 사용 중인 계정과 일치하지 않아요.")
    screenshot(page, "pages-ko-signin")
    english = open_as("/signin", "en-US")
    expect(english.locator("h1")).to_have_text("Sign in")
    expect(english.locator("html")).to_have_attribute("lang", "en")


def test_the_unsubscribe_page_speaks_the_customers_language(live_app: LiveApp,
                                                            open_as: Any) -> None:
    wl = live_app.wayline
    upsert_customer(wl, "c-1", CustomerIn(email="jiwoo@example.kr",
                                          consent={"email": True}))
    with wl.reading() as db:
        customer_id = db.scalars(select(Customer.id).where(Customer.external_id == "c-1")).one()
    path = f"/unsubscribe/{make_token(secret_for(wl.settings), customer_id, 'email')}"
    page = open_as(path, "ko-KR")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("h1")).to_have_text("광고성 이메일 수신거부")
    page.locator("[data-unsubscribe]").click()
    expect(page.locator("[data-unsubscribed]")).to_have_text("수신거부 완료")
    screenshot(page, "pages-ko-unsubscribe")
    english = open_as(path, "en-US")
    expect(english.locator("[data-unsubscribed]")).to_have_text("You are unsubscribed")


def test_the_theme_chosen_in_the_menu_stays_in_the_browser(live_app: LiveApp,
                                                           open_as: Any) -> None:
    publisher = add_person(live_app, "publisher")
    page = open_as("/settings", "en-US", publisher)
    html = page.locator("html")
    expect(page.locator("h1")).to_have_text("Send rules", timeout=WAIT)
    light = _background(page)
    page.locator('[data-menu="account"] summary').click()
    page.locator('[data-theme-choice="dark"]').click()
    expect(html).to_have_attribute("data-theme", "dark")
    dark = _background(page)
    assert dark != light and _luminance(dark) < _luminance(light)
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(page.locator("h1")).to_have_text("Send rules", timeout=WAIT)
    screenshot(page, "pages-dark-settings")
    page.locator('[data-menu="account"] summary').click()
    page.locator('[data-theme-choice="system"]').click()
    expect(html).not_to_have_attribute("data-theme", re.compile(".*"))
    assert _background(page) == light

    # No choice kept: the system's dark scheme is followed.
    system_dark = open_as("/settings", "en-US", publisher, color_scheme="dark")
    expect(system_dark.locator("h1")).to_have_text("Send rules", timeout=WAIT)
    assert _background(system_dark) == dark


def _background(page: Any) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def _luminance(colour: str) -> int:
    return sum(int(part) for part in re.findall(r"\d+", colour)[:3])
