"""What a send stores: the template rendered strictly, plus the (광고) label and opt-out line
for marketing, unsubscribe links, the SMS/LMS choice and the KakaoTalk fallback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from nodes.kit.profile import Profile
from runtime.messaging.compliance import MessageRules
from runtime.messaging.content import send_content
from runtime.messaging.rendering import RenderError, TemplateCache
from runtime.messaging.unsubscribe import read_token


@dataclass
class Draft:
    """An unsaved template, as rendering sees one."""

    channel: str
    subject: str | None
    source: str
    options: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    version: int = 1


RULES = MessageRules(opt_out_line="무료수신거부 080-123-4567", secret_key="k" * 32,
                     public_url="https://crm.example.com")
MINJI = Profile(id=7, external_id="c-7", created_at=datetime(2026, 1, 1, tzinfo=UTC),
                email="minji@example.kr", phone="+821012345678", attributes={"name": "민지"})


def content(channel: str, source: str, purpose: str = "marketing", rules: MessageRules = RULES,
            options=None, **template) -> dict:
    draft = Draft(channel, template.pop("subject", None), source, template)
    return send_content(draft, MINJI, {}, purpose=purpose, options=options, rules=rules,
                        cache=TemplateCache())


def test_a_marketing_text_is_labelled_and_ends_with_the_opt_out_line():
    sms = content("sms", "{{ customer.name }}님, 세일 시작!")
    assert sms["text"] == "(광고) 민지님, 세일 시작!\n무료수신거부 080-123-4567"
    assert (sms["type"], sms["bytes"]) == ("SMS", 51)  # counted after the label and line
    kakao = content("kakao", "(광고) 이미 붙어 있어요", template_code="T1")
    assert kakao["text"] == "(광고) 이미 붙어 있어요\n무료수신거부 080-123-4567"


def test_transactional_messages_and_an_empty_label_are_left_alone():
    assert content("sms", "주문 완료", purpose="transactional")["text"] == "주문 완료"
    off = MessageRules(ad_label="", opt_out_line="무료수신거부 080-123-4567")
    assert content("sms", "세일 시작", rules=off)["text"] == "세일 시작"
    push = content("push", "지금 확인하세요", subject="세일 시작")
    assert (push["title"], push["text"]) == ("(광고) 세일 시작", "지금 확인하세요")


def test_marketing_email_gets_a_labelled_subject_and_a_signed_unsubscribe_link():
    mail = content("email", "수신거부: {{ unsubscribe_url }}", subject="{{ customer.name }}님 세일")
    assert mail["subject"] == "(광고) 민지님 세일"
    url = mail["unsubscribe_url"]
    assert url.startswith("https://crm.example.com/unsubscribe/") and url in mail["text"]
    assert read_token(RULES.secret_key, url.rsplit("/", 1)[1]) == (7, "email")
    receipt = content("email", "영수증 {{ unsubscribe_url }}", purpose="transactional",
                      subject="영수증")
    assert receipt["subject"] == "영수증" and "unsubscribe_url" not in receipt  # no header


def test_the_kakao_fallback_is_rendered_now_and_sized():
    own = content("kakao", "{{ customer.name }}님 배송 시작", purpose="transactional",
                  options={"fallback": {"text": ""}}, template_code="T1")
    assert own["fallback"] == {"to": "+821012345678", "text": "민지님 배송 시작",
                               "type": "SMS", "bytes": 16}
    written = content("kakao", "배송 시작", options={"fallback": {"text": "{{ customer.name }}님 " +
                                                                  "배송 " * 30}},
                      template_code="T1")
    assert written["fallback"]["type"] == "LMS"
    assert written["fallback"]["text"].startswith("(광고) 민지님 배송")
    assert written["fallback"]["text"].endswith("무료수신거부 080-123-4567")
    assert "fallback" not in content("kakao", "배송 시작", template_code="T1")


@pytest.mark.parametrize(("channel", "source", "options", "says"), [
    ("sms", "가" * 1001, None, "Message: the text is 2,00"),
    ("kakao", "배송", {"fallback": {"text": "가" * 1001}}, "SMS fallback text: the text is 2,0"),
    ("kakao", "배송", {"fallback": {"text": "{{ customer.nickname }}님"}},
     "SMS fallback text, line 1: this customer has no customer.nickname"),
    ("sms", "{{ customer.nickname }}님", None, "this customer has no customer.nickname"),
])
def test_what_cannot_be_sent_is_a_render_error_with_the_reason(channel, source, options, says):
    with pytest.raises(RenderError) as caught:
        content(channel, source, purpose="transactional", options=options, template_code="T")
    assert says in caught.value.reason
