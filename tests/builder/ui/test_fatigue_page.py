"""The message fatigue page in a browser, with five weeks of messages: its charts draw, the
figures and the list of customers over the caps' intent agree with the summary, the weeks
step, and it links to the Send rules page and back — in English and Korean, light and dark
(screenshots to look at)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from playwright.sync_api import expect

from runtime.clock import FrozenClock
from runtime.insight import roll_up
from runtime.messaging.workspace import SendPolicy, save_send_policy
from runtime.store.models import MessageStatus
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.runtime.insight.fatigue_world import SEOUL, World, seoul

WAIT = 15_000
NOW = datetime(2026, 3, 18, 3, 0, tzinfo=UTC)  # Wednesday noon in Seoul
WEEK = "2026-03-09"  # the last complete week: what the page opens on


@pytest.fixture
def fatigued(live_app: LiveApp) -> LiveApp:
    """60 customers, each sent 1 to 12 messages a week for five weeks (some unsubscribe after
    busy weeks), an SMS cap of 3 per 7 days and an email cap of 2 per 7 days; rolled up."""
    wl = live_app.wayline
    wl.runtime.clock = FrozenClock(NOW)
    rng = random.Random(20)
    with wl.writing() as session:
        world = World(session, 60)
        for week in range(5):
            monday = seoul(2026, 2, 9, 10) + timedelta(days=7 * week)
            for n, run in enumerate(world.runs):
                count = 1 + (n * 7 + week * 3) % 12
                for m in range(count):
                    at = monday + timedelta(hours=11 * m)
                    world.message(run, at, MessageStatus.DELIVERED, at,
                                  channel=rng.choice(("sms", "email", "kakao")))
                if rng.random() < count / 40:
                    world.event(run, "unsubscribed", monday + timedelta(days=5), NOW)
        save_send_policy(session, msgspec.convert({"frequency_caps": [
            {"channel": "sms", "limit": 3, "days": 7},
            {"channel": "email", "limit": 2, "days": 7}]}, SendPolicy), NOW)
    roll_up(wl.runtime.sessions, NOW, SEOUL, keys=["fatigue"], force=True)
    return live_app


def shapes(page: Any, chart: str) -> int:
    """SVG shapes ECharts drew inside one chart."""
    return page.locator(f'[data-chart="{chart}"] .wl-chart-body svg path').count()


def charts_drawn(page: Any) -> None:
    for chart in ("fatigue-distribution", "fatigue-unsubscribes", "fatigue-trend"):
        drawn = page.locator(f'[data-chart="{chart}"] .wl-chart-body svg')
        expect(drawn).to_be_visible(timeout=WAIT)
    # Ten buckets of two series, ten of one, and a line: bars are paths, axes are too.
    assert shapes(page, "fatigue-distribution") >= 20
    assert shapes(page, "fatigue-unsubscribes") >= 10
    assert shapes(page, "fatigue-trend") >= 1


def to_the_list(page: Any) -> None:
    page.locator('[data-section="over-caps"]').evaluate("el => el.scrollIntoView()")


def in_the_dark(page: Any, name: str) -> None:
    """The page again in a browser set to dark (charts take the theme's colours as drawn)."""
    page.emulate_media(color_scheme="dark")
    page.reload()
    charts_drawn(page)
    screenshot(page, name)
    to_the_list(page)
    screenshot(page, name + "-list")


def test_the_fatigue_page_draws_its_charts_and_lists_who_is_over(fatigued: LiveApp,
                                                                browse: Any) -> None:
    from server.services.fatigue import fatigue_report

    report = fatigue_report(fatigued.wayline)
    assert report.week.isoformat() == WEEK and report.over.count > 0
    page = browse("/insight/fatigue", "viewer")
    expect(page.locator("h1")).to_have_text("Message fatigue", timeout=WAIT)
    expect(page.locator(f'[data-week="{WEEK}"]')).to_be_visible(timeout=WAIT)
    charts_drawn(page)
    expect(page.locator('[data-figure="messaged"] strong')).to_have_text("60")
    expect(page.locator('[data-figure="over"] strong')).to_have_text(str(report.over.count))
    rows = page.locator('[data-table="over-caps"] tbody tr')
    expect(rows).to_have_count(min(report.over.count, 50))
    first = report.over.customers[0]
    link = page.locator(f'[data-over="{first.external_id}"] a')
    expect(link).to_have_attribute("href", f"/customers/{first.external_id}")
    expect(page.locator('[data-intent="sms"]')).to_contain_text("3 a week")
    page.locator('.wl-nav a[href="/insight/fatigue"]').wait_for(timeout=WAIT)
    screenshot(page, "fatigue-en-light")
    to_the_list(page)
    screenshot(page, "fatigue-en-light-list")
    in_the_dark(page, "fatigue-en-dark")

    page.locator('[data-action="week-before"]').click()
    expect(page.locator('[data-week="2026-03-02"]')).to_be_visible(timeout=WAIT)
    charts_drawn(page)
    page.locator('[data-link="send-rules"]').click()
    expect(page.locator("h1")).to_have_text("Send rules", timeout=WAIT)
    expect(page.locator('[data-cap="sms"]')).to_be_visible(timeout=WAIT)
    screenshot(page, "fatigue-send-rules-link")
    page.locator('[data-link="fatigue"]').click()
    expect(page.locator("h1")).to_have_text("Message fatigue", timeout=WAIT)


def test_the_fatigue_page_speaks_korean(fatigued: LiveApp, browse: Any) -> None:
    page = browse("/insight/fatigue", locale="ko-KR")
    expect(page.locator("h1")).to_have_text("메시지 피로도", timeout=WAIT)
    charts_drawn(page)
    expect(page.locator('[data-link="send-rules"]')).to_have_text("발송 규칙 조정")
    screenshot(page, "fatigue-ko-light")
    to_the_list(page)
    screenshot(page, "fatigue-ko-light-list")
    in_the_dark(page, "fatigue-ko-dark")


def test_without_messages_the_page_says_so(live_app: LiveApp, browse: Any) -> None:
    page = browse("/insight/fatigue")
    expect(page.locator("h1")).to_have_text("Message fatigue", timeout=WAIT)
    expect(page.locator('[data-chart="fatigue-distribution"] .wl-chart-empty')).to_be_visible(
        timeout=WAIT)
    expect(page.locator("[data-no-caps]")).to_be_visible()
