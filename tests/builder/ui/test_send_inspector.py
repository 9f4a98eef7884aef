"""The send step's inspector in a real browser: each channel's fields, the message previewed for
a real customer as the send would store it, and the SMS byte count live as the marketer types."""

from __future__ import annotations

from typing import Any

import msgspec
from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from runtime.store.models import Customer
from server.schemas.journeys import JourneyCreate
from server.schemas.templates import TemplateCreate
from server.services import journeys, templates
from tests.builder.journeys import document, edge, node
from tests.builder.ui.conftest import LiveApp, screenshot, set_checked
from tests.builder.ui.test_canvas import WAIT, open_editor

TEMPLATES = {
    "email": {"name": "Spring sale", "subject": "{{ customer.name }}님, 봄 세일이 시작됐어요",
              "source": "{{ customer.name }}님만을 위한 쿠폰이 도착했어요.\n"
                        "수신거부: {{ unsubscribe_url }}",
              "options": {"html": "<p>{{ customer.name }}님, 쿠폰이 도착했어요</p>"}},
    "sms": {"name": "Coupon text",
            "source": "{{ customer.name }}님, 오늘까지 20% 할인 쿠폰을 드려요!"},
    "kakao": {"name": "Order shipped",
              "source": "{{ customer.name }}님, 주문하신 {{ event.item | default: '상품' }}이 "
                        "출발했어요.",
              "options": {"template_code": "ORDER_SHIPPED",
                          "variables": {"name": "{{ customer.name }}"}}},
    "push": {"name": "Cart push", "subject": "장바구니를 잊으셨어요",
             "source": "{{ customer.name }}님, 담아둔 상품이 곧 품절돼요",
             "options": {"deep_link": "shop://cart", "data": {"campaign": "cart"}}},
    "webhook": {"name": "CRM sync", "source": '{"id": {{ customer.external_id | json }}}',
                "options": {"url": "https://crm.example.com/hooks/sync", "method": "POST"}},
}


def setup(app: LiveApp) -> int:
    """A customer, one template per channel, and a draft with a send step for each."""
    with app.wayline.writing() as session:
        session.add(Customer(external_id="minji", email="minji@example.kr",
                             phone="+821012345678", attributes={"name": "민지"},
                             consent={}))
    ids = {channel: templates.create_template(app.wayline, SYSTEM, msgspec.convert(
        {"channel": channel, **spec}, TemplateCreate)).id for channel, spec in TEMPLATES.items()}
    steps = [node(channel, "action.send", f"Send {channel}", {
        "channel": channel, "template": ids[channel],
        "purpose": "transactional" if channel in ("kakao", "webhook") else "marketing"},
        x=260 * (index + 1)) for index, channel in enumerate(TEMPLATES)]
    doc = document([node("in", "entry.event", "Ordered", {"event": "order"}), *steps],
                   [edge("in", "email"), edge("email", "sms", "next"), edge("sms", "kakao", "next"),
                    edge("kakao", "push", "next"), edge("push", "webhook", "next")])
    return journeys.create_journey(app.wayline, SYSTEM, msgspec.convert(
        {"name": "Every channel", "document": doc}, JourneyCreate)).journey.id


def inspect(page: Any, node_id: str) -> Any:
    page.locator(f'.react-flow__node[data-id="{node_id}"]').click()
    inspector = page.locator(f'[data-inspector="{node_id}"]')
    expect(inspector).to_be_visible(timeout=WAIT)
    expect(inspector.locator('[data-rendered="ok"]')).to_be_visible(timeout=WAIT)
    return inspector


def shoot(page: Any, inspector: Any, name: str) -> None:
    """Screenshot with the message preview scrolled into view in the inspector."""
    inspector.locator("[data-message-preview]").scroll_into_view_if_needed()
    screenshot(page, name)


def test_each_channel_previews_for_a_customer(live_app: LiveApp, browse: Any) -> None:
    page = open_editor(browse, setup(live_app))

    email = inspect(page, "email")
    expect(email.locator("[data-rendered]")).to_contain_text("(광고) 민지님, 봄 세일이 시작됐어요")
    expect(email.locator("[data-rendered]")).to_contain_text("/unsubscribe/")
    shoot(page, email, "inspector-send-email")

    sms = inspect(page, "sms")
    expect(sms.locator("[data-rendered-text]")).to_contain_text("(광고) 민지님, 오늘까지 20% 할인")
    expect(sms.locator("[data-byte-count]")).to_contain_text("47 / 90 bytes · SMS")  # with (광고)
    shoot(page, sms, "inspector-send-sms")

    sms.locator('[data-field="config.channel"] select').select_option("kakao")
    expect(sms.locator("[data-render-error]")).to_contain_text(
        "'Coupon text' is a template for SMS, so this KakaoTalk step would fail")
    sms.locator('[data-field="config.channel"] select').select_option("sms")
    expect(sms.locator("[data-rendered-text]")).to_be_visible(timeout=WAIT)

    push = inspect(page, "push")
    expect(push.locator("[data-rendered]")).to_contain_text("shop://cart")
    shoot(page, push, "inspector-send-push")

    webhook = inspect(page, "webhook")
    expect(webhook.locator("[data-rendered]")).to_contain_text('"id": "minji"')
    shoot(page, webhook, "inspector-send-webhook")


def test_kakao_fallback_text_counts_bytes_as_it_is_typed(live_app: LiveApp,
                                                          browse: Any) -> None:
    page = open_editor(browse, setup(live_app))
    kakao = inspect(page, "kakao")
    expect(kakao.locator("[data-rendered]")).to_contain_text("ORDER_SHIPPED")
    text = kakao.locator("[data-sms-text]")
    text.fill("{{ customer.name }}님 배송 시작")
    expect(kakao.locator('.wl-sms-text [data-byte-count]')).to_have_attribute(
        "data-byte-count", "31")  # the Liquid as typed: 17 ASCII + 7 Hangul
    expect(kakao.locator("[data-fallback-preview]")).to_contain_text("민지님 배송 시작",
                                                                      timeout=WAIT)
    expect(kakao.locator("[data-fallback-preview] [data-byte-count]")).to_have_attribute(
        "data-byte-count", "16")  # rendered for 민지: 7 Hangul + 2 spaces
    shoot(page, kakao, "inspector-send-kakao")

    text.fill("가" * 46)
    expect(kakao.locator('.wl-sms-text [data-byte-count]')).to_contain_text(
        "92 / 2,000 bytes · LMS")
    set_checked(kakao.locator('[data-field="config.sms_fallback"] input[type="checkbox"]'), False)
    expect(kakao.locator("[data-sms-text]")).to_have_count(0)
    expect(kakao.locator("[data-fallback-preview]")).to_have_count(0, timeout=WAIT)
