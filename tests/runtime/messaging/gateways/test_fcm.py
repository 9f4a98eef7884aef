"""The FCM gateway against a local FCM and token endpoint (fcm_server.py): one push per device,
one access token for many pushes (renewed when refused), dead tokens and busy answers as
failures, device tokens read from the customer's push_tokens attribute, and a journey."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from nodes.kit.channel import default_channels
from nodes.kit.profile import Profile
from runtime.messaging.adapters import PermanentFailure, TransientFailure
from runtime.messaging.channels import gateway_adapters
from runtime.messaging.compliance import MessageRules, install_rules
from runtime.messaging.gateways import GatewayError
from runtime.messaging.rendering import MAX_PUSH_TOKENS, render_message
from runtime.settings import load_settings
from runtime.store.models import MessageStatus, Template
from tests.runtime.harness import add_customers
from tests.runtime.messaging.gateways.fcm_server import PROJECT, _error
from tests.runtime.messaging.test_channel_journeys import run_journey

PUSH = {"to": "c0", "tokens": ["phone-token", "tablet-token"], "title": "민지님",
        "text": "장바구니 상품이 곧 품절돼요.", "deep_link": "shop://cart",
        "data": {"screen": "cart"}}


def build(**environment: str):
    return gateway_adapters(load_settings({"WAYLINE_PUSH_PROVIDER": "fcm", **environment}))


@pytest.fixture
def fcm(fcm_cloud):
    gateway = build(WAYLINE_FCM_CREDENTIALS=fcm_cloud.service_account(),
                    WAYLINE_FCM_URL=fcm_cloud.url)["push"]
    yield gateway
    gateway.close()


def test_a_push_goes_to_every_device_on_one_access_token(fcm, fcm_cloud):
    first = fcm.send(31, "push", PUSH)
    fcm.send(32, "push", {**PUSH, "tokens": ["phone-token"]})
    assert first == (f"projects/{PROJECT}/messages/0:1,projects/{PROJECT}/messages/0:2")
    assert [push["token"] for push in fcm_cloud.pushes] == ["phone-token", "tablet-token",
                                                            "phone-token"]
    assert fcm_cloud.pushes[0]["notification"] == {"title": "민지님",
                                                   "body": "장바구니 상품이 곧 품절돼요."}
    assert fcm_cloud.pushes[0]["data"] == {"screen": "cart", "deep_link": "shop://cart",
                                           "wayline_message_id": "31"}
    assert len(fcm_cloud.issued) == 1 and fcm_cloud.refused_assertions == []
    assert fcm.idempotent is False  # FCM has no idempotency key


def test_a_refused_access_token_is_renewed_once(fcm, fcm_cloud):
    fcm.send(33, "push", PUSH)
    fcm_cloud.revoke()
    fcm.send(34, "push", PUSH)
    assert len(fcm_cloud.pushes) == 4 and len(fcm_cloud.issued) == 1


def test_a_key_google_does_not_know_is_refused_before_any_push(fcm_cloud):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    gateway = build(WAYLINE_FCM_CREDENTIALS=fcm_cloud.service_account(stranger),
                    WAYLINE_FCM_URL=fcm_cloud.url)["push"]
    with pytest.raises(TransientFailure, match="refused the service account key") as failure:
        gateway.send(35, "push", PUSH)
    assert "WAYLINE_FCM_CREDENTIALS" in failure.value.reason
    assert fcm_cloud.refused_assertions == ["Invalid JWT Signature."] * 2  # one per device
    assert fcm_cloud.pushes == []
    gateway.close()


def test_credentials_come_as_json_or_a_file_and_are_checked_at_start(fcm_cloud, tmp_path):
    key = tmp_path / "service-account.json"
    key.write_text(fcm_cloud.service_account())
    gateway = build(WAYLINE_FCM_CREDENTIALS=str(key), WAYLINE_FCM_URL=fcm_cloud.url)["push"]
    gateway.send(36, "push", PUSH)
    gateway.close()
    assert len(fcm_cloud.pushes) == 2
    with pytest.raises(GatewayError, match="WAYLINE_FCM_CREDENTIALS=.*cannot read"):
        build(WAYLINE_FCM_CREDENTIALS=str(tmp_path / "missing.json"))
    lacking = json.dumps({**json.loads(fcm_cloud.service_account()), "private_key": ""})
    with pytest.raises(GatewayError, match="lacks private_key"):
        build(WAYLINE_FCM_CREDENTIALS=lacking)
    garbled = json.dumps({**json.loads(fcm_cloud.service_account()), "private_key": "---"})
    with pytest.raises(GatewayError, match="WAYLINE_FCM_CREDENTIALS=\\*\\*\\*: .*not a PEM"):
        build(WAYLINE_FCM_CREDENTIALS=garbled)
    with pytest.raises(GatewayError, match="WAYLINE_FCM_CREDENTIALS must be set"):
        build()


def test_dead_device_tokens_fail_for_good_only_when_no_device_took_the_push(fcm, fcm_cloud):
    fcm_cloud.dead = {"tablet-token", "old-token"}
    fcm.send(37, "push", PUSH)  # the phone took it
    assert [push["token"] for push in fcm_cloud.pushes] == ["phone-token"]
    with pytest.raises(PermanentFailure, match=r"no longer valid \(FCM UNREGISTERED\)"):
        fcm.send(38, "push", {**PUSH, "tokens": ["tablet-token"]})
    with pytest.raises(PermanentFailure, match="none of the customer's 2 devices"):
        fcm.send(39, "push", {**PUSH, "tokens": ["tablet-token", "old-token"]})
    with pytest.raises(PermanentFailure, match="push_tokens attribute"):
        fcm.send(40, "push", {**PUSH, "tokens": []})


@pytest.mark.parametrize(("status", "fcm_code", "throttled"), [
    (503, "UNAVAILABLE", False), (500, "INTERNAL", False), (429, "QUOTA_EXCEEDED", True)])
def test_a_busy_fcm_is_a_transient_failure_with_its_retry_after(fcm, fcm_cloud, status,
                                                                 fcm_code, throttled):
    fcm_cloud.answers = [(status, {"Retry-After": "30"},
                          _error(status, fcm_code, "try later", fcm_code))]
    with pytest.raises(TransientFailure, match=fcm_code) as failure:
        fcm.send(41, "push", {**PUSH, "tokens": ["phone-token"]})
    assert (failure.value.retry_after, failure.value.throttled) == (30.0, throttled)
    assert failure.value.answer == "try later"


def test_device_tokens_come_from_the_push_tokens_attribute_bounded():
    template = Template(channel="push", name="n", source="세일 시작", subject=None, options={})
    many = [f"token-{n}" for n in range(MAX_PUSH_TOKENS + 5)]
    for tokens, expected in ((["a", "a", " b ", 7, "", "x" * 5000], ["a", "b"]),
                             ("only-one", ["only-one"]), (many, many[:MAX_PUSH_TOKENS])):
        profile = Profile(id=1, external_id="c-1", created_at=datetime(2024, 1, 1, tzinfo=UTC),
                          attributes={"push_tokens": tokens})
        content = render_message(template, profile, {})
        assert (content["to"], content["tokens"]) == ("c-1", expected)
    bare = Profile(id=2, external_id="c-2", created_at=datetime(2024, 1, 1, tzinfo=UTC))
    assert "tokens" not in render_message(template, bare, {})
    generic = default_channels().get("push").request(1, {**PUSH}, {})
    assert "tokens" not in generic  # the generic push provider's body is as it was


def test_a_journey_pushes_to_the_customers_devices_through_fcm(wayline, fcm, fcm_cloud):
    previous = install_rules(MessageRules())
    wayline.adapters["push"] = fcm
    with wayline.sessions() as session:
        add_customers(session, 1, wayline.clock.now(),
                      attributes={"name": "민지", "push_tokens": ["phone-token"]})
        session.commit()
    try:
        [message] = run_journey(wayline, "push", "{{ customer.name }}님, {{ event.item }} 출발!",
                                subject="배송 안내")
    finally:
        install_rules(previous)
    assert message.status is MessageStatus.SENT
    assert message.provider_id == f"projects/{PROJECT}/messages/0:1"
    [push] = fcm_cloud.pushes
    assert push["token"] == "phone-token"
    assert push["notification"] == {"title": "배송 안내", "body": "민지님, 운동화 출발!"}
    assert push["data"]["wayline_message_id"] == str(message.id)
