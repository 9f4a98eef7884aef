"""The journey dashboard in a real browser: a journey with real runs, messages and events rolled
up, every chart drawn with data, the range changed, a chart saved as CSV, in English and Korean,
light and dark."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from runtime.insight import roll_up
from server.services import dashboard
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.runtime.harness import add_journey
from tests.server.test_dashboard import make_document, make_world

WAIT = 15_000


def _rolled_world(live_app: LiveApp) -> dict:
    wl = live_app.wayline
    with wl.writing() as session:
        world = make_world(session, wl.now(), seed=11)
        session.commit()
    roll_up(wl.writing, wl.now(), ZoneInfo(wl.settings.timezone), keys=["journey_days"],
            force=True)
    return world


def _drawn(page, chart: str) -> int:
    """How many shapes ECharts drew for a chart (bars, lines, funnel layers are SVG paths)."""
    body = f'[data-chart="{chart}"] .wl-chart-body svg'
    return page.locator(f"{body} path, {body} rect").count()


def _look(page, name: str) -> None:
    """Screenshots of the charts drawn, top and bottom, light then dark (the open page's
    charts take the dark theme's colours), back in light."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for chart in dashboard.CHARTS:
            expect(page.locator(f'[data-chart="{chart}"] .wl-chart-body svg path')
                   ).not_to_have_count(0, timeout=WAIT)
        screenshot(page, f"{name}-{scheme}")
        page.locator('[data-chart="engagement"]').scroll_into_view_if_needed()
        screenshot(page, f"{name}-{scheme}-middle")
        page.locator('[data-chart="funnel"]').scroll_into_view_if_needed()
        screenshot(page, f"{name}-{scheme}-lower")
        page.mouse.wheel(0, -5000)
    page.emulate_media(color_scheme="light")


def test_the_dashboard_draws_every_chart_and_follows_the_range(browse, live_app):
    world = _rolled_world(live_app)
    journey_id = world["journey_id"]
    expected = dashboard.journey_dashboard(live_app.wayline, journey_id)
    page = browse(f"/journeys/{journey_id}/dashboard")

    expect(page.locator("h1")).to_have_text("Welcome series", timeout=WAIT)
    for chart in dashboard.CHARTS:
        rows = next(found.rows for found in expected.charts if found.name == chart)
        assert rows, chart  # the world has data for every chart in the last 30 days
        expect(page.locator(f'[data-chart="{chart}"] .wl-chart-body svg path')
               ).not_to_have_count(0, timeout=WAIT)
        assert _drawn(page, chart) >= len(rows), chart  # a bar, a point, a layer per row
    entered = page.locator('[data-tile="entered"] .wl-tile-value')
    expect(entered).to_have_attribute("data-value", str(expected.totals.entered))
    expect(page.locator("[data-updated]")).to_contain_text("Updated")
    _look(page, "dashboard-en")

    # The last 7 days: the figures load again.
    today = expected.last
    week = dashboard.journey_dashboard(live_app.wayline, journey_id,
                                       today - timedelta(days=6), today)
    assert week.totals.entered != expected.totals.entered
    page.locator('[data-days="7"]').click()
    expect(entered).to_have_attribute("data-value", str(week.totals.entered), timeout=WAIT)
    expect(page.locator('[data-field="from"]')).to_have_value(week.first.isoformat())

    # A range of one's own, then the CSV button saves the rows the API gives.
    first, last = today - timedelta(days=50), today - timedelta(days=20)
    page.locator('[data-field="from"]').fill(first.isoformat())
    page.locator('[data-field="to"]').fill(last.isoformat())
    page.locator('[data-action="apply-range"]').click()
    custom = dashboard.journey_dashboard(live_app.wayline, journey_id, first, last)
    expect(entered).to_have_attribute("data-value", str(custom.totals.entered), timeout=WAIT)
    for chart in ("funnel", "messages", "entries"):
        with page.expect_download() as download:
            page.locator(f'[data-chart="{chart}"] [data-action="export-csv"]').click()
        saved = Path(download.value.path()).read_bytes()
        answer = page.request.get(f"{live_app.url}/api/journeys/{journey_id}/dashboard/"
                                  f"{chart}.csv?from={first}&to={last}")
        assert answer.status == 200
        assert saved == answer.body(), chart
        assert download.value.suggested_filename == f"{chart}.csv"


def test_the_dashboard_in_korean_and_the_ways_to_it(browse, live_app):
    world = _rolled_world(live_app)
    journey_id = world["journey_id"]
    page = browse(f"/journeys/{journey_id}/dashboard", locale="ko-KR")
    expect(page.locator('[data-chart="funnel"] h3')).to_have_text("진입에서 목표까지",
                                                                  timeout=WAIT)
    expect(page.locator('[data-chart="funnel"] .wl-chart-body svg')).to_be_visible(
        timeout=WAIT)
    expect(page.locator('[data-tile="rate"] .wl-tile-label')).to_have_text("전환율")
    expect(page.locator('[data-chart="to_convert"] .wl-chart-body svg')).to_be_visible(
        timeout=WAIT)
    _look(page, "dashboard-ko")

    page.locator('[data-action="open-canvas"]').click()
    dashboard_button = page.locator('.wl-topbar [data-action="dashboard"]')
    expect(dashboard_button).to_have_attribute("href", f"/journeys/{journey_id}/dashboard",
                                                timeout=WAIT)
    journeys = browse("/")
    row = journeys.locator(f'[data-journey="{journey_id}"] [data-action="dashboard"]')
    expect(row).to_have_attribute("href", f"/journeys/{journey_id}/dashboard", timeout=WAIT)


def test_a_journey_never_published_says_so(browse, live_app):
    with live_app.wayline.writing() as session:
        journey_id = add_journey(session, make_document(), "Spring sale")
        session.commit()
    page = browse(f"/journeys/{journey_id}/dashboard", "viewer")
    expect(page.locator('[data-empty="never-published"]')).to_be_visible(timeout=WAIT)
    expect(page.locator("h1")).to_have_text("Spring sale")
    screenshot(page, "dashboard-never-published")
