"""The coverage page in a real browser: the untouched customers of a window, their charts and
list, "save as segment", and a journey entering on that segment previewing exactly them; in
English and Korean, light and dark."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from runtime.insight import roll_up
from runtime.store.audit import SYSTEM
from runtime.store.models import (
    Customer,
    Journey,
    JourneyVersion,
    Message,
    MessageStatus,
    Run,
    RunStatus,
)
from server.schemas.journeys import JourneyCreate
from server.services import journeys
from tests.builder.ui.conftest import SCREENSHOTS, LiveApp, screenshot
from tests.builder.ui.test_canvas import WAIT, open_editor

COUNTRIES = ("KR", "KR", "JP", "US")
PLANS = ("free", "pro", "free")
CHARTS = '[data-chart^="coverage-"] .wl-chart-body svg'
"""The drawings of the page's charts (the trend, and country, plan and last purchase)."""


def _world(app: LiveApp) -> list[str]:
    """Twelve customers; every third one got a message two days ago, every fourth is in a
    journey: the untouched ones (their external ids) are the rest. Rolled on three days."""
    wl = app.wayline
    now = wl.now()
    touched: set[int] = set()
    with wl.writing() as session:
        people = [Customer(external_id=f"shopper-{i:02d}", email=f"shopper{i}@example.kr",
                           phone=f"+82101234{i:04d}",
                           attributes={"country": COUNTRIES[i % 4], "plan": PLANS[i % 3],
                                       **({"last_purchase_at": (now - timedelta(days=i * 9))
                                           .date().isoformat()} if i % 5 else {})},
                           created_at=now - timedelta(days=200)) for i in range(12)]
        session.add_all(people)
        journey = Journey(name="Old welcome", draft={})
        session.add(journey)
        session.flush()
        version = JourneyVersion(journey_id=journey.id, number=1, document={})
        session.add(version)
        session.flush()
        for i, person in enumerate(people):
            if i % 3 and i % 4 and i != 5:
                continue
            if i != 5:  # shopper-05 left a journey 59 days ago: untouched in 30 days
                touched.add(i)
            run = Run(journey_id=journey.id, journey_version_id=version.id,
                      customer_id=person.id, entry_key=f"k{i}", node_id="x",
                      status=RunStatus.WAITING if i % 4 == 0 else RunStatus.DONE,
                      entered_at=now - timedelta(days=60),
                      ended_at=None if i % 4 == 0 else now - timedelta(days=59))
            session.add(run)
            session.flush()
            if i % 3 == 0:
                session.add(Message(run_id=run.id, node_id="m", journey_id=journey.id,
                                    customer_id=person.id, channel="email",
                                    status=MessageStatus.SENT, created_at=now - timedelta(days=2),
                                    sent_at=now - timedelta(days=2)))
    for days_ago in (2, 1, 0):
        roll_up(wl.runtime.sessions, now - timedelta(days=days_ago),
                ZoneInfo(wl.settings.timezone), keys=["coverage"], force=True)
    return [f"shopper-{i:02d}" for i in range(12) if i not in touched]


def _segment_journey(app: LiveApp, segment_id: int) -> int:
    document = {"nodes": [
        {"id": "entry", "type": "entry.segment", "position": {"x": 0, "y": 0},
         "data": {"label": "Win them back", "config": {"segment": segment_id}}},
        {"id": "done", "type": "flow.exit", "position": {"x": 0, "y": 200},
         "data": {"label": "Done", "config": {"reason": "done"}}}],
        "edges": [{"id": "entry-next", "source": "entry", "sourceHandle": "next",
                   "target": "done"}],
        "settings": {"reentry": "never", "timezone": "Asia/Seoul"}}
    detail = journeys.create_journey(app.wayline, SYSTEM, JourneyCreate(
        name="Win back the quiet ones", document=document))
    return detail.journey.id


def test_coverage_then_save_as_segment_then_a_journey_previews_them(live_app: LiveApp,
                                                                     browse: Any) -> None:
    quiet = _world(live_app)
    page = browse("/coverage", "editor")
    headline = page.locator("[data-untouched]")
    expect(headline).to_have_attribute("data-untouched", str(len(quiet)), timeout=WAIT)
    expect(page.locator("[data-untouched-list] [data-row]")).to_have_count(len(quiet))
    rows = page.locator("[data-untouched-list] [data-row]")
    assert rows.evaluate_all("els => els.map(e => e.dataset.row)") == quiet
    expect(page.locator(CHARTS)).to_have_count(4, timeout=WAIT)
    expect(page.locator("[data-change]")).to_be_visible()
    screenshot(page, "coverage-1-en-light")
    page.screenshot(path=str(SCREENSHOTS / "coverage-1-en-light-whole.png"), full_page=True)

    page.locator('[data-action="save-segment"]').click()
    saved = page.locator("[data-saved-segment]")
    expect(saved).to_contain_text("Untouched for 30 days", timeout=WAIT)
    expect(saved).to_contain_text("stays up to date")
    segment_id = int(saved.get_attribute("data-saved-segment"))
    screenshot(page, "coverage-2-saved")

    page.locator('[data-window="7"]').click()
    expect(page.locator('[data-action="save-segment"]')).to_be_visible(timeout=WAIT)
    page.locator('[data-field="coverage-days"]').fill("45")
    page.locator('[data-action="custom-window"]').click()
    expect(page.locator("[data-headline]")).to_contain_text("45 days", timeout=WAIT)
    expect(page.locator("[data-headline]")).to_contain_text("No earlier count yet")

    editor = open_editor(browse, _segment_journey(live_app, segment_id))
    editor.locator('[data-action="preview"]').click()
    count = editor.locator("[data-audience-count]")
    expect(count).to_have_attribute("data-audience-count", str(len(quiet)), timeout=WAIT)
    sample = editor.locator("[data-sample-customer]")
    expect(sample).to_have_count(len(quiet))
    assert sample.evaluate_all("els => els.map(e => e.dataset.sampleCustomer)") == quiet
    screenshot(editor, "coverage-3-journey-preview")


def test_the_page_in_korean_and_dark_for_a_viewer(live_app: LiveApp, browse: Any) -> None:
    quiet = _world(live_app)
    page = browse("/coverage", "viewer", locale="ko-KR")
    expect(page.locator("[data-untouched]")).to_have_attribute(
        "data-untouched", str(len(quiet)), timeout=WAIT)
    expect(page.locator("h1")).to_have_text("도달 현황")
    expect(page.locator(CHARTS)).to_have_count(4, timeout=WAIT)
    expect(page.locator('[data-action="save-segment"]')).to_have_count(0)
    first_email = page.locator("[data-untouched-list] [data-row] td").nth(1)
    expect(first_email).to_contain_text("•••@example.kr")
    screenshot(page, "coverage-4-ko-light")
    label = page.locator(f"{CHARTS} text").first
    light = label.get_attribute("fill")
    page.emulate_media(color_scheme="dark")  # the system turns dark: the open page follows
    expect(label).not_to_have_attribute("fill", light, timeout=WAIT)
    screenshot(page, "coverage-5-ko-dark")
    page.screenshot(path=str(SCREENSHOTS / "coverage-5-ko-dark-whole.png"), full_page=True)
    editor = browse("/coverage", "editor")
    expect(editor.locator(CHARTS)).to_have_count(4, timeout=WAIT)
    editor.locator('[data-menu="account"] summary').click()
    editor.locator('[data-theme-choice="dark"]').click()  # chosen in the menu: no reload
    expect(editor.locator(f"{CHARTS} text").first).to_have_attribute(
        "fill", label.get_attribute("fill"), timeout=WAIT)
    editor.locator('[data-menu="account"] summary').click()
    screenshot(editor, "coverage-6-en-dark")
    editor.screenshot(path=str(SCREENSHOTS / "coverage-6-en-dark-whole.png"), full_page=True)


def test_an_admin_chooses_the_breakdowns_attributes_in_korean(live_app: LiveApp,
                                                              browse: Any) -> None:
    _world(live_app)
    page = browse("/coverage", "admin", locale="ko-KR")
    expect(page.locator(CHARTS)).to_have_count(4, timeout=WAIT)
    shown = page.locator("[data-breakdown-attributes]")
    expect(shown).to_have_attribute("data-breakdown-attributes", "country,plan")
    page.locator('[data-action="choose-attributes"]').click()
    boxes = page.locator("[data-attribute]")
    expect(boxes).to_have_count(2, timeout=WAIT)  # country and plan (last purchase: always)
    expect(page.locator('[data-attribute="plan"]')).to_be_checked()
    page.locator('[data-attribute="plan"]').uncheck()
    screenshot(page, "coverage-7-ko-choose-attributes")
    page.locator('[data-action="save-attributes"]').click()
    expect(page.locator(".wl-breakdown-choice [role=status]")).to_contain_text(
        "1분 안에 집계", timeout=WAIT)
    expect(shown).to_have_attribute("data-breakdown-attributes", "country")
    roll_up(live_app.wayline.runtime.sessions, live_app.wayline.now(),  # as the worker does
            ZoneInfo(live_app.wayline.settings.timezone), keys=["coverage"], force=True)
    page.reload()
    expect(page.locator(CHARTS)).to_have_count(3, timeout=WAIT)  # the trend, country, purchase
    headers = page.locator("[data-untouched-list] th")
    expect(headers).to_have_count(5)
    expect(headers.nth(3)).to_have_text("국가")
    screenshot(page, "coverage-8-ko-chosen")
