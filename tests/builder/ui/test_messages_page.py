"""The messages page in a real browser: a marketer writes an SMS and watches it turn LMS, sees a
missing value as an error for a real customer, writes a KakaoTalk message with its template code
and variables, edits one a journey sends, and is told which journey before a delete."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from runtime.store.models import Template
from tests.builder.journeys import document, edge, node
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.runtime.harness import add_customers, add_journey, add_template

WAIT = 10_000


def stored(live_app: LiveApp) -> dict[str, Template]:
    with live_app.wayline.runtime.sessions() as session:
        return {template.name: template for template in session.scalars(select(Template))}


def test_write_an_sms_that_becomes_an_lms_and_preview_it_for_a_customer(
        live_app: LiveApp, browse: Any) -> None:
    with live_app.wayline.runtime.sessions() as session:
        add_customers(session, 1, live_app.wayline.now(), phone="+821012345678",
                      attributes={"first_name": "민지"})
        session.commit()
    page = browse("/")
    page.locator('[data-nav="messages"]').click()
    expect(page.get_by_text("No messages yet.")).to_be_visible(timeout=WAIT)
    page.locator('[data-new-template="sms"]').click()
    form = page.locator('[data-form="template"][data-channel="sms"]')
    form.locator('input[name="name"]').fill("Restock alert")
    source = form.locator('textarea[name="source"]')
    source.fill("{{ customer.first_name }}님, 찜한 상품이 다시 들어왔어요.")
    size = form.locator("[data-bytes]")
    expect(size).to_contain_text("sent as SMS", timeout=WAIT)
    preview = page.locator('[data-panel="message-preview"]')
    # A sample customer has no first name: strictly rendered, that is an error, not a blank.
    expect(preview.locator('[data-preview="error"]')).to_contain_text("first_name", timeout=WAIT)
    preview.locator('input[name="preview-customer"]').fill("c0")
    expect(preview.locator('[data-part="text"]')).to_contain_text("민지님, 찜한 상품이",
                                                                  timeout=WAIT)
    expect(preview.locator('[data-part="bytes"]')).to_contain_text("SMS", timeout=WAIT)

    source.fill("{{ customer.first_name }}님, 찜한 상품이 다시 들어왔어요. "
                + "지금 확인해 보세요! " * 5)
    expect(size).to_have_class("wl-bytes lms", timeout=WAIT)
    expect(size).to_contain_text("sent as LMS", timeout=WAIT)
    expect(preview.locator('[data-part="bytes"]')).to_contain_text("LMS", timeout=WAIT)
    screenshot(page, "messages-sms-lms")
    form.locator('[data-action="save"]').click()
    expect(page.get_by_role("status")).to_contain_text("Saved 'Restock alert' (version 1)",
                                                       timeout=WAIT)
    expect(page.locator('[data-list="templates"] [data-template="Restock alert"]')).to_contain_text(
        "not sent by any journey")
    saved = stored(live_app)["Restock alert"]
    assert (saved.channel, saved.version) == ("sms", 1)
    assert "지금 확인해 보세요!" in saved.source


def test_a_kakao_message_with_its_code_and_a_problem_on_its_field(
        live_app: LiveApp, browse: Any) -> None:
    page = browse("/messages")
    page.locator('[data-new-template="kakao"]').click()
    form = page.locator('[data-form="template"][data-channel="kakao"]')
    form.locator('input[name="name"]').fill("Order shipped")
    form.locator('input[name="options.template_code"]').fill("ORDER_SHIPPED_01")
    form.locator('textarea[name="source"]').fill("#{name}님, 주문하신 상품이 출발했어요.")
    variables = form.locator('textarea[name="options.variables"]')
    variables.fill("name = {{ customer.first_name")  # the Liquid is not closed
    form.locator('[data-action="save"]').click()
    field = form.locator('[data-field="options.variables"]')
    expect(field).to_have_class("wl-field has-error", timeout=WAIT)
    expect(field.locator(".wl-field-error")).to_contain_text("AlimTalk variable name")
    assert "Order shipped" not in stored(live_app)
    variables.fill("name = {{ customer.first_name }}")
    form.locator('[data-action="save"]').click()
    expect(page.get_by_role("status")).to_contain_text("Saved 'Order shipped'", timeout=WAIT)
    expect(field).to_have_class("wl-field", timeout=WAIT)
    screenshot(page, "messages-kakao")
    saved = stored(live_app)["Order shipped"]
    assert saved.options == {"template_code": "ORDER_SHIPPED_01",
                             "variables": {"name": "{{ customer.first_name }}"}}


def test_edit_a_message_a_journey_sends_and_be_told_before_deleting_it(
        live_app: LiveApp, browse: Any) -> None:
    with live_app.wayline.runtime.sessions() as session:
        template = add_template(session, name="Welcome", subject="Hi",
                                source="Hello {{ customer.external_id }}")
        add_journey(session, document(
            [node("entry", "entry.api", "API"),
             node("mail", "action.send", "Welcome", {"channel": "email", "template": template}),
             node("end", "flow.exit", "Done")],
            [edge("entry", "mail"), edge("mail", "end", "next")]), "Onboarding")
        session.commit()
    page = browse("/messages")
    item = page.locator('[data-template="Welcome"]')
    expect(item).to_contain_text("sent by 1 journey", timeout=WAIT)
    item.click()
    form = page.locator('[data-form="template"]')
    subject = form.locator('input[name="subject"]')
    expect(subject).to_have_value("Hi", timeout=WAIT)
    subject.fill("Welcome aboard, {{ customer.external_id }}")
    preview = page.locator('[data-panel="message-preview"]')
    expect(preview.locator('[data-part="subject"]')).to_contain_text("Welcome aboard, sample",
                                                                     timeout=WAIT)
    form.locator('[data-action="save"]').click()
    expect(page.get_by_role("status")).to_contain_text("(version 2)", timeout=WAIT)

    form.locator('[data-action="delete"]').click()
    expect(form.locator('[data-confirm="delete"]')).to_contain_text("'Onboarding'")
    form.locator('[data-action="confirm"]').click()
    expect(page.get_by_role("status")).to_contain_text("Onboarding", timeout=WAIT)
    screenshot(page, "messages-delete-refused")
    assert stored(live_app)["Welcome"].subject == "Welcome aboard, {{ customer.external_id }}"
