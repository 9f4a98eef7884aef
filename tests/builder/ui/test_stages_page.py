"""The lifecycle page in a real browser: the stages with their counts, the charts drawn, the
journeys that moved customers linking to their canvas, and an admin editing a stage (a
problem shown under its field, then saved); looked at in English and Korean, light and dark."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import insert, select

from runtime.store.models import CustomerTag, Event, JourneyVersion, Run
from runtime.store.stage_models import StageDay
from runtime.store.team_models import AuditEvent
from tests.builder.ui.conftest import LiveApp, screenshot, signed_in_services
from tests.runtime.harness import add_customers, add_journey

WAIT = 15_000


def _stage_world(live_app: LiveApp) -> int:
    """Customers across the default AARRR stages, counted once; then some buy more while in a
    journey and are counted again; and two weeks of earlier daily sizes. The journey's id."""
    wl = live_app.wayline
    services = signed_in_services(live_app, "admin")
    orders = [0] * 18 + [1] * 12 + [2] * 7 + [3] * 3
    with wl.writing() as db:
        ids = add_customers(db, len(orders), wl.now() - timedelta(days=20))
        for customer_id, count in zip(ids, orders, strict=True):
            _order(db, customer_id, count, wl.now() - timedelta(days=10))
        for customer_id in ids[-4:]:
            db.add(CustomerTag(customer_id=customer_id, tag="vip"))
        journey = add_journey(db, {"nodes": [], "edges": []}, "Second order nudge")
        version = JourneyVersion(journey_id=journey, number=1, document={},
                                 published_at=wl.now())
        db.add(version)
        db.flush()
        version_id = version.id
    services.refresh_stages(30)
    with wl.writing() as db:
        for customer_id in ids[:6] + ids[18:24]:
            db.add(Run(journey_id=journey, journey_version_id=version_id,
                       customer_id=customer_id, entry_key="e", node_id="start",
                       entered_at=wl.now() - timedelta(seconds=5)))
            _order(db, customer_id, 1, wl.now() - timedelta(seconds=2))
    services.refresh_stages(30)
    today = wl.now().astimezone(ZoneInfo(wl.settings.timezone)).date()
    with wl.writing() as db:
        db.execute(insert(StageDay), [
            {"day": today - timedelta(days=back), "stage": stage, "customers": count + back % 3}
            for back in range(1, 15)
            for stage, count in (("acquisition", 22 + back), ("activation", 10),
                                 ("retention", 5), ("revenue", 3))])
    return journey


def _order(db, customer_id: int, count: int, at) -> None:
    """`count` orders of a customer (the default stages count `order_completed` events)."""
    for _ in range(count):
        db.add(Event(customer_id=customer_id, name="order_completed", properties={},
                     occurred_at=at, received_at=at))


def _drawn(page, chart: str, at_least: int) -> int:
    """How many SVG shapes a chart drew, once it drew at least `at_least`."""
    shapes = page.locator(f'[data-chart="{chart}"] svg path')
    expect(shapes.nth(at_least - 1)).to_be_attached(timeout=WAIT)
    return shapes.count()


def test_the_board_shows_stages_charts_and_the_journeys_that_moved_customers(browse, live_app):
    journey = _stage_world(live_app)
    page = browse("/insight/stages")
    expect(page.locator('[data-stage="acquisition"] .count')).to_have_text("12", timeout=WAIT)
    expect(page.locator('[data-stage="activation"] .count')).to_have_text("12")
    expect(page.locator('[data-stage="retention"] .count')).to_have_text("12")
    expect(page.locator('[data-stage="revenue"] .count')).to_have_text("4")
    expect(page.locator('[data-stage="acquisition"] .share')).to_have_text("30%")
    expect(page.locator('[data-step="acquisition"] .rate')).to_have_text("–")
    assert _drawn(page, "stage-funnel", 4) >= 4  # a trapezoid per stage reached
    assert _drawn(page, "stages-over-time", 5) >= 5  # an area and a line per stage
    link = page.locator(f'[data-moved-by="{journey}"] a').first
    expect(link).to_have_attribute("href", f"/journeys/{journey}")
    expect(page.locator(f'[data-moved-by="{journey}"]')).to_have_count(2)  # two transitions
    expect(page.locator('[data-nav="stages"]')).to_have_class("on")
    screenshot(page, "stages-board-en-light")

    korean = browse("/insight/stages", locale="ko-KR")
    expect(korean.locator('[data-stage="acquisition"] h3')).to_have_text("유입", timeout=WAIT)
    korean.evaluate("localStorage.setItem('wl-theme', 'dark')")
    korean.reload()
    expect(korean.locator('[data-stage="revenue"] .count')).to_have_text("4", timeout=WAIT)
    assert _drawn(korean, "stages-over-time", 5) >= 5
    screenshot(korean, "stages-board-ko-dark")


def test_an_admin_edits_a_stage_and_a_viewer_only_reads(browse, live_app):
    _stage_world(live_app)
    page = browse("/insight/stages")
    page.locator('[data-action="edit-stages"]').click()
    editor = page.locator("[data-stage-editor]")
    expect(editor).to_be_visible(timeout=WAIT)
    page.locator('[data-field="stage-name-0"]').fill("Signed up")
    # Stage 2's rule in the canvas's rule builder: its event picked from the events that came.
    rule = page.locator('[data-rule-builder="stages[1].rule"]')
    event = rule.locator('[data-combobox="event"] input')
    expect(event).to_have_value("order_completed", timeout=WAIT)
    event.fill("")
    page.locator('[data-action="save-stages"]').click()
    problem = rule.locator("[data-field-error]")
    expect(problem).not_to_have_count(0, timeout=WAIT)
    rule.scroll_into_view_if_needed()
    screenshot(page, "stages-edit-problem-en")
    event.fill("order_comp")
    page.locator('[role="option"][data-option="order_completed"]').click()
    expect(event).to_have_value("order_completed")
    page.locator('[data-action="save-stages"]').click()
    expect(editor).to_have_count(0, timeout=WAIT)
    expect(page.locator('[data-stage="acquisition"] h3')).to_have_text("Signed up")
    with live_app.wayline.reading() as db:
        actions = db.scalars(select(AuditEvent.action)).all()
    assert "stages.changed" in actions

    korean = browse("/insight/stages", locale="ko-KR")
    korean.locator('[data-action="edit-stages"]').click()
    rule = korean.locator('[data-rule-builder="stages[2].rule"]')
    rule.locator('[data-combobox="event"] input').fill("")
    korean.locator('[data-action="save-stages"]').click()
    expect(rule.locator("[data-field-error]").first).to_have_text("필수 항목입니다",
                                                                   timeout=WAIT)
    screenshot(korean, "stages-edit-problem-ko")

    viewer = browse("/insight/stages", "viewer", locale="ko-KR")
    expect(viewer.locator('[data-stage="acquisition"] h3')).to_have_text("Signed up",
                                                                         timeout=WAIT)
    expect(viewer.locator('[data-action="edit-stages"]')).to_have_count(0)
    expect(viewer.locator('[data-action="refresh-stages"]')).to_have_count(0)
    assert _drawn(viewer, "stage-funnel", 4) >= 4
    screenshot(viewer, "stages-board-ko-viewer")
