"""Attribute and event pickers in the inspector: names from the workspace's data with their
facts, picked with the keyboard or the mouse, and warnings for names the data lacks, at the
field and on the step; the same in Korean."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from runtime.store.models import Customer, Event
from server.schemas.journeys import JourneyUpdate
from server.services import journeys
from tests.builder.journeys import document, edge, node
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.builder.ui.test_canvas import WAIT, blank_journey, draft_of, saved
from tests.builder.ui.test_canvas import node as canvas_node
from tests.builder.ui.test_marketer_flow import inspect


def seed_data(app: LiveApp) -> None:
    """Three customers with `plan`, `score` and `등급`, and orders with properties."""
    wl = app.wayline
    with wl.writing() as session:
        for index in range(3):
            customer = Customer(external_id=f"p{index}", email=f"p{index}@example.kr",
                                attributes={"plan": "pro", "score": 10 * index,
                                                    "등급": "골드"}, consent={})
            session.add(customer)
            session.flush()
            session.add(Event(customer_id=customer.id, name="order_completed",
                              properties={"amount": 5000},
                              occurred_at=wl.now() - timedelta(days=1)))


def journey_with_steps(app: LiveApp) -> int:
    """Entry on a known event → condition (plan is pro) → wait for an event → exit."""
    journey_id = blank_journey(app)
    doc = document(
        [node("in", "entry.event", "Ordered", {"event": "order_completed"}, 0),
         node("vip", "flow.condition", "Is VIP", {"rule": {"type": "and", "rules": [
             {"type": "attr", "field": "plan", "op": "eq", "value": "pro"}]}}, 260),
         node("wait", "flow.wait_event", "Wait for the next order",
              {"event": "order_completed", "timeout": {"amount": 3, "unit": "days"}}, 520),
         node("out", "flow.exit", x=780)],
        [edge("in", "vip"), edge("vip", "wait", "yes"), edge("vip", "out", "no"),
         edge("wait", "out", "matched"), edge("wait", "out", "timeout")])
    journeys.update_journey(app.wayline, SYSTEM, journey_id, JourneyUpdate(document=doc))
    return journey_id


def combobox(form: Any, where: str, kind: str) -> Any:
    return form.locator(f'{where} [data-combobox="{kind}"] input')


def test_pick_names_from_the_data_and_see_warnings_for_unknown_ones(
        live_app: LiveApp, browse: Any) -> None:
    seed_data(live_app)
    journey_id = journey_with_steps(live_app)
    page = browse(f"/journeys/{journey_id}")
    form = inspect(page, "vip")

    # The attribute field suggests the workspace's attributes with type, count and samples;
    # ↓ and Enter pick one.
    field = combobox(form, '[data-rule="config.rule.rules[0]"]', "attribute")
    field.fill("sc")
    option = form.locator('[role="option"][data-option="score"]')
    expect(option).to_contain_text("number · 3 customers", timeout=WAIT)
    field.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    field.press("Enter")
    expect(field).to_have_value("score")
    # The operators fit a number; the value suggests the samples.
    operator = form.locator('[data-rule="config.rule.rules[0]"] select').first
    expect(operator.locator('option[value="contains"]')).to_have_count(0)
    expect(operator.locator('option[value="gte"]')).to_have_count(1)
    saved(page)

    # A second rule naming an attribute no customer has: a warning at the field and the step.
    form.get_by_role("button", name="Attribute").click()
    unknown = combobox(form, '[data-rule="config.rule.rules[1]"]', "attribute")
    unknown.fill("scroe")
    expect(form.locator("[data-combo-note]")).to_contain_text("No customer has 'scroe' yet")
    unknown.press("Escape")
    warning = form.locator('[data-field-error="config.rule.rules[1].field"]')
    expect(warning).to_contain_text("no customer has the attribute 'scroe'", timeout=WAIT)
    expect(canvas_node(page, "vip").locator('[data-badge="warning"]')).to_be_visible()

    # The wait's event field offers the events with their counts and properties; a click picks.
    form = inspect(page, "wait")
    event = combobox(form, '[data-field="config.event"]', "event")
    event.fill("")
    order = form.locator('[role="option"][data-option="order_completed"]')
    expect(order).to_contain_text("properties: amount", timeout=WAIT)
    order.click()
    expect(event).to_have_value("order_completed")
    event.fill("order_complete")
    event.press("Escape")
    expect(form.locator('[data-field-error="config.event"]')).to_contain_text(
        "the event 'order_complete' has never arrived", timeout=WAIT)
    expect(canvas_node(page, "wait").locator('[data-badge="warning"]')).to_be_visible()
    screenshot(page, "pickers-warnings")
    saved(page)
    steps = draft_of(live_app, journey_id)["nodes"]
    config = {item["id"]: item["data"]["config"] for item in steps}
    assert config["vip"]["rule"]["rules"][0]["field"] == "score"
    assert config["wait"]["event"] == "order_complete"


def test_pickers_speak_korean(live_app: LiveApp, browse: Any) -> None:
    seed_data(live_app)
    journey_id = journey_with_steps(live_app)
    page = browse(f"/journeys/{journey_id}", locale="ko-KR")
    form = inspect(page, "vip")
    field = combobox(form, '[data-rule="config.rule.rules[0]"]', "attribute")
    field.fill("")
    expect(form.locator('[role="option"][data-option="score"]')).to_contain_text(
        "숫자 · 고객 3명", timeout=WAIT)
    expect(form).to_contain_text("다음 조건 중")
    expect(form.get_by_role("button", name="조건 삭제")).to_be_visible()
    screenshot(page, "pickers-korean")


def test_data_warnings_speak_korean(live_app: LiveApp, browse: Any) -> None:
    seed_data(live_app)
    journey_id = journey_with_steps(live_app)
    page = browse(f"/journeys/{journey_id}", locale="ko-KR")
    form = inspect(page, "vip")
    field = combobox(form, '[data-rule="config.rule.rules[0]"]', "attribute")
    field.fill("scroe")
    field.press("Escape")
    expect(form.locator('[data-field-error="config.rule.rules[0].field"]')).to_contain_text(
        "'scroe' 속성을 가진 고객이 아직 없습니다", timeout=WAIT)
    screenshot(page, "pickers-korean-warning")


def test_a_composition_is_never_interrupted(live_app: LiveApp, browse: Any) -> None:
    """While an IME composes (Korean), Enter and the arrows are the IME's: the highlighted
    suggestion is not picked, and the composed text is what the rule keeps."""
    seed_data(live_app)
    journey_id = journey_with_steps(live_app)
    page = browse(f"/journeys/{journey_id}")
    form = inspect(page, "vip")
    field = combobox(form, '[data-rule="config.rule.rules[0]"]', "attribute")
    field.fill("")
    field.dispatch_event("compositionstart")
    page.keyboard.insert_text("등")  # composing: '등급' is suggested...
    expect(form.locator('[role="option"][data-option="등급"]')).to_be_visible()
    field.press("ArrowDown")  # ...but the arrows and Enter are the IME's: nothing is picked
    field.press("Enter")
    expect(form.locator('[role="option"][aria-selected="true"]')).to_have_count(0)
    field.dispatch_event("compositionend")
    expect(field).to_have_value("등")
    field.press("Escape")
    saved(page)
    rule = next(item for item in draft_of(live_app, journey_id)["nodes"] if item["id"] == "vip")
    assert rule["data"]["config"]["rule"]["rules"][0]["field"] == "등"
