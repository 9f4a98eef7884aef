"""Every page in Korean shows no word the catalogues translate left in English.

A person with a Korean browser opens each page (and the canvas with a step selected, the
preview panel and the history) and reads it: any line of text that is an English catalogue
id with a Korean translation means a word reached the page without passing through the
catalogue (`_()` in a page, `t()` in the canvas). Data (journey, step and customer names)
is left out by construction: the test's data is named in Korean.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from builder.i18n import catalogue
from runtime.store.audit import SYSTEM
from server.schemas.journeys import JourneyCreate
from server.services import journeys
from tests.builder.ui.conftest import LiveApp, add_person, screenshot, sign_in
from tests.builder.ui.test_canvas import WAIT

PAGES = ("/", "/customers", "/messages", "/coupons", "/settings", "/team", "/audit", "/coverage")

VISIBLE_LINES = """() => {
  const lines = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, element = node.parentElement;
    if (!element || !element.checkVisibility || !element.checkVisibility()) continue;
    if (element.closest('script, style, code, pre, [data-data]')) continue;
    for (const line of node.textContent.split('\\n')) if (line.trim()) lines.push(line.trim());
  }
  for (const field of document.querySelectorAll('input[placeholder], textarea[placeholder]'))
    if (field.checkVisibility()) lines.push(field.placeholder.trim());
  for (const element of document.querySelectorAll('[title], [aria-label]'))
    if (element.checkVisibility()) {
      if (element.title) lines.push(element.title.trim());
      if (element.getAttribute('aria-label')) lines.push(element.getAttribute('aria-label').trim());
    }
  return lines;
}"""


@pytest.fixture
def korean(browser: Any, live_app: LiveApp) -> Any:
    """A page of the live app in a Korean browser, signed in as an admin."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ko-KR")
    sign_in(context, live_app, add_person(live_app, "admin", name="김관리"))
    yield context.new_page()
    context.close()


def untranslated(page: Any) -> list[str]:
    """The lines on the page that are English ids the Korean catalogue translates."""
    translated = {key for key, value in catalogue("ko").items() if value and value != key}
    return sorted({line for line in page.evaluate(VISIBLE_LINES) if line in translated})


def test_every_page_speaks_korean(live_app: LiveApp, korean: Any) -> None:
    left = {}
    for path in PAGES:
        korean.goto(live_app.url + path)
        expect(korean.locator("html")).to_have_attribute("lang", "ko")
        korean.wait_for_timeout(1500)  # the socket's first render and its loads
        screenshot(korean, f"korean-sweep{path.replace('/', '-') or '-journeys'}")
        left[path] = untranslated(korean)
    assert not any(left.values()), f"English left on Korean pages: {left}"


def test_the_canvas_speaks_korean(live_app: LiveApp, korean: Any) -> None:
    journey = journeys.create_journey(live_app.wayline, SYSTEM, JourneyCreate(
        name="장바구니 리마인드")).journey.id
    korean.goto(f"{live_app.url}/journeys/{journey}")
    expect(korean.locator(".wl-canvas .react-flow__pane")).to_be_visible(timeout=WAIT)
    for kind in ("entry.event", "flow.wait_event", "action.send", "flow.exit"):
        korean.locator(f'.wl-palette-item[data-kind="{kind}"]').drag_to(
            korean.locator(".wl-canvas .react-flow__pane"),
            target_position={"x": 300, "y": 80 + 150 * len(korean.locator(
                ".react-flow__node").all())})
    expect(korean.locator(".react-flow__node")).to_have_count(4, timeout=WAIT)
    korean.locator(".react-flow__node .wl-node-title").nth(2).click()
    korean.wait_for_timeout(1000)
    screenshot(korean, "korean-sweep-canvas")
    assert untranslated(korean) == []
