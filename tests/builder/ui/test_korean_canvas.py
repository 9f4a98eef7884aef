"""The canvas in Korean: a browser that asks for Korean (locale ko-KR) gets the preview panel
and the version history in Korean words, operators in words (never 'gte' or 'lte'), and every
time with its zone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from runtime.store.audit import Actor
from server.services import journeys
from tests.builder.ui.conftest import LiveApp, Watch, add_person, screenshot, sign_in
from tests.builder.ui.test_canvas import WAIT
from tests.builder.ui.test_preview import add_customers, entering, morning, vip_journey

__all__ = ["morning"]  # the frozen Seoul morning, used here as in test_preview

PAT = Actor("user", "1", "Pat Publisher")
"""Who publishes the version."""

CODES = re.compile(r"\b(gte|lte|gt|lt|eq|ne)\b")
"""Operator codes a marketer must never read."""


@pytest.fixture
def korean_page(browser: Any, live_app: LiveApp) -> Iterator[Any]:
    """A signed-in admin's page in a browser whose language is Korean; no console errors."""
    watch = Watch(live_app.url)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ko-KR")
    sign_in(context, live_app, add_person(live_app, "admin"))
    yield watch.attach(context.new_page())
    context.close()
    assert watch.offsite == [], f"requests left the machine: {watch.offsite}"
    assert watch.unexpected_errors() == [], f"browser console errors: {watch.errors}"


def test_the_preview_and_the_history_speak_korean(live_app: LiveApp, korean_page: Any) -> None:
    add_customers(live_app)
    journey_id = vip_journey(live_app)
    journeys.publish_journey(live_app.wayline, PAT, journey_id)
    page = korean_page
    page.goto(f"{live_app.url}/journeys/{journey_id}")
    expect(page.locator(".wl-canvas .react-flow__pane")).to_be_visible(timeout=WAIT)
    expect(page.locator("html")).to_have_attribute("lang", "ko")

    # The audience: how many would enter, in Korean.
    page.locator('[data-action="preview"]').click()
    panel = page.locator("[data-preview-panel]")
    expect(panel.locator(".wl-panel-title")).to_have_text("미리보기")
    expect(page.locator("[data-audience-count]")).to_have_attribute(
        "data-audience-count", str(len(entering())), timeout=WAIT)
    expect(panel).to_contain_text("명의 고객이 지금 진입합니다")
    expect(page.locator('[data-preview-tab="dry_run"]')).to_have_text("모의 실행")

    # One customer: why they enter (clause by clause) and their path, times with the zone.
    page.locator('[data-sample-customer="c2"]').click()
    expect(page.locator('[data-why="enters"]')).to_contain_text("c2 고객은 진입합니다",
                                                                timeout=WAIT)
    steps = page.locator("[data-path-step]")
    expect(steps).to_have_count(5, timeout=WAIT)
    expect(panel.locator(".wl-path .wl-label").first).to_contain_text("부터의 경로")
    expect(panel.locator(".wl-path .wl-label").first).to_have_text(re.compile(r"GMT\+9|KST"))
    expect(steps.nth(3)).to_contain_text("+2일")
    expect(steps.nth(3).locator(".wl-path-why")).to_contain_text("발송")
    assert not CODES.search(panel.inner_text()), panel.inner_text()
    screenshot(page, "korean-canvas-preview")

    # The dry run: counts per step, in Korean, over a window named in Korean.
    page.locator('[data-preview-tab="dry_run"]').click()
    page.locator('[data-action="dry-run"]').click()
    expect(page.locator("[data-dry-entered]")).to_have_attribute(
        "data-dry-entered", str(len(entering())), timeout=WAIT)
    expect(panel).to_contain_text("대상 고객")
    expect(panel.locator(".wl-dry-table th").first).to_have_text("단계")
    expect(page.locator('[data-dry-window="horizon"]')).to_have_text("30일")
    assert not CODES.search(panel.inner_text()), panel.inner_text()
    screenshot(page, "korean-canvas-dry-run")

    # The version history: the published version, live, with its time and zone.
    page.locator('[data-action="preview"]').click()  # closes the preview
    page.locator('[data-action="history"]').click()
    versions = page.locator('[data-panel="versions"]')
    expect(versions).to_contain_text("게시된 버전", timeout=WAIT)
    version = versions.locator('[data-version="1"]')
    expect(version).to_contain_text("버전 1")
    expect(version).to_contain_text("운영 중")
    expect(version.locator(".wl-history-who")).to_have_text(re.compile(r"2026년.*(GMT\+9|KST)"))
    expect(version.locator('[data-action="compare-version"]')).to_have_text("초안과 비교")
    screenshot(page, "korean-canvas-history")
