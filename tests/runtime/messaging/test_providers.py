"""SMS/LMS byte counting, and the HTTP provider adapters against a real local HTTP server."""

from __future__ import annotations

import pytest

from nodes.kit.sms import (
    LMS_MAX_BYTES,
    SMS_MAX_BYTES,
    TextKind,
    TooLongError,
    carrier_bytes,
    text_size,
)
from runtime.messaging.adapters import OutboxAdapter, PermanentFailure, TransientFailure
from runtime.messaging.channels import adapters_from_settings as adapters_for
from runtime.messaging.providers import HttpProviderAdapter
from runtime.settings import Settings

# --- counting as carriers count ----------------------------------------------------------------


@pytest.mark.parametrize(("text", "size"), [
    ("hello", 5), ("안녕하세요", 10), ("민지님 10% 할인!", 16), ("가\n나", 5), ("가\r\n나", 5),
    ("😀", 2), ("é", 2), ("", 0),
])
def test_hangul_counts_two_bytes_and_ascii_one(text, size):
    assert carrier_bytes(text) == size


def test_the_byte_count_picks_sms_or_lms_and_refuses_longer():
    assert text_size("가" * 45) .kind is TextKind.SMS  # 90 bytes
    assert text_size("가" * 45 + "a").kind is TextKind.LMS  # 91 bytes
    assert text_size("a" * SMS_MAX_BYTES).kind is TextKind.SMS
    assert text_size("가" * 1000).bytes == LMS_MAX_BYTES
    with pytest.raises(TooLongError, match="2,001 bytes"):
        text_size("가" * 1000 + "a")


# --- the providers -----------------------------------------------------------------------------


@pytest.fixture
def provider(http_server):
    """`provider(channel, **endpoint behaviour)` → (adapter, endpoint); adapters closed after."""
    made = []

    def start(channel: str, account=None, **behaviour):
        endpoint = http_server(**behaviour)
        adapter = HttpProviderAdapter(channel, endpoint.url, "key-123", account or {}, timeout=2)
        made.append(adapter)
        return adapter, endpoint

    yield start
    for adapter in made:
        adapter.close()


def test_a_short_text_goes_as_sms_with_the_key_and_idempotency_key(provider):
    adapter, endpoint = provider("sms", {"sender": "0212345678"},
                                 otherwise=(200, {}, '{"id": "gw-77"}'))
    assert adapter.send(41, "sms", {"to": "+821012345678", "text": "민지님 안녕하세요"}) == "gw-77"
    [request] = endpoint.requests
    assert request.method == "POST"
    assert request.headers["X-Api-Key"] == "key-123"
    assert request.headers["Idempotency-Key"] == "41"
    assert request.body == {"message_id": 41, "type": "SMS", "from": "0212345678",
                            "to": "+821012345678", "text": "민지님 안녕하세요", "bytes": 17}


def test_a_long_text_goes_as_lms_and_a_too_long_one_is_refused(provider):
    adapter, endpoint = provider("sms")
    adapter.send(1, "sms", {"to": "+821012345678", "text": "가" * 46})
    assert endpoint.requests[0].body["type"] == "LMS"
    assert endpoint.requests[0].body["bytes"] == 92
    with pytest.raises(PermanentFailure, match="more than the 2,000 bytes"):
        adapter.send(2, "sms", {"to": "+821012345678", "text": "가" * 1001})
    assert len(endpoint.requests) == 1


def test_alimtalk_carries_its_template_code_variables_and_sender_key(provider):
    adapter, endpoint = provider("kakao", {"sender_key": "sk-1"})
    content = {"to": "+821012345678", "text": "민지님, 주문이 접수되었어요.",
               "template_code": "ORDER_OK", "variables": {"name": "민지"}}
    assert adapter.send(5, "kakao", content) == "kakao-5"
    assert endpoint.requests[0].body == {
        "message_id": 5, "sender_key": "sk-1", "template_code": "ORDER_OK",
        "to": "+821012345678", "text": "민지님, 주문이 접수되었어요.",
        "variables": {"name": "민지"}}
    with pytest.raises(PermanentFailure, match="no template code"):
        adapter.send(6, "kakao", {"to": "+821012345678", "text": "x"})


def test_push_carries_title_body_deep_link_and_data(provider):
    adapter, endpoint = provider("push", otherwise=(202, {"X-Request-Id": "push-9"}, ""))
    content = {"to": "c-1", "title": "세일 시작", "text": "지금 확인하세요",
               "deep_link": "shop://sale/7", "data": {"sale": "7"}}
    assert adapter.send(9, "push", content) == "push-9"
    assert endpoint.requests[0].body == {"message_id": 9, "to": "c-1", "title": "세일 시작",
                                         "body": "지금 확인하세요", "deep_link": "shop://sale/7",
                                         "data": {"sale": "7"}}


@pytest.mark.parametrize(("status", "failure"), [
    (500, TransientFailure), (429, TransientFailure), (400, PermanentFailure),
    (404, PermanentFailure),
])
def test_provider_answers_are_sorted_into_retry_or_give_up(provider, status, failure):
    adapter, endpoint = provider("sms", otherwise=(status, {}, '{"error": "unknown number"}'))
    with pytest.raises(failure) as caught:
        adapter.send(3, "sms", {"to": "+821012345678", "text": "hi"})
    assert f"the sms provider {endpoint.url} answered {status}" in caught.value.reason
    assert "unknown number" in caught.value.answer and "unknown" not in caught.value.reason


def test_a_message_without_a_recipient_is_a_permanent_failure(provider):
    adapter, endpoint = provider("push")
    with pytest.raises(PermanentFailure, match="no recipient"):
        adapter.send(3, "push", {"text": "hi"})
    assert endpoint.requests == []


def test_providers_follow_the_settings():
    adapters = adapters_for(Settings(sms_url="http://127.0.0.1:9/sms", sms_api_key="k",
                                     sms_sender="0212345678",
                                     kakao_url="https://kakao.test/alimtalk",
                                     kakao_sender_key="sk"))
    sms, kakao = adapters["sms"], adapters["kakao"]
    assert isinstance(sms, HttpProviderAdapter) and isinstance(kakao, HttpProviderAdapter)
    assert (sms.url, sms.account) == ("http://127.0.0.1:9/sms", {"sender": "0212345678"})
    assert kakao.account == {"sender_key": "sk"}
    assert isinstance(adapters["push"], OutboxAdapter)
    sms.close()
    kakao.close()
