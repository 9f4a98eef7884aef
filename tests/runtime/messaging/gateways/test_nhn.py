"""The NHN Cloud gateway against a local NHN (nhn_server.py): sends in NHN's shapes, its
answers as failures, retries that do not send twice, polled results as receipts, AlimTalk
template review, the 080 list, and a journey whose AlimTalk falls back to SMS through NHN."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from runtime.flow.ingest import ingest_event
from runtime.messaging.adapters import PermanentFailure, TransientFailure
from runtime.messaging.channels import gateway_adapters
from runtime.messaging.compliance import MessageRules, install_rules
from runtime.messaging.gateways import (
    GatewayError,
    IncompleteListError,
    OptOut,
    OptOutVia,
    ReviewStatus,
    TemplateButton,
    TemplateDraft,
)
from runtime.run.jobs import provider_sync_job
from runtime.run.lifecycle import publish
from runtime.settings import load_settings
from runtime.store.models import Message, MessageStatus
from runtime.store.sender_models import Asset
from tests.runtime.harness import add_customers, add_journey, wait_until
from tests.runtime.messaging.gateways.nhn_server import (
    KAKAO_KEY,
    KAKAO_SECRET,
    KST,
    SENDER_KEY,
    SMS_KEY,
    SMS_SECRET,
)
from tests.runtime.messaging.test_channel_journeys import (
    messages,
    run_journey,
    send_journey,
    template,
)

TO = "+821012345678"
JPEG = b"\xff\xd8\xff\xe0" + b"wayline" * 50


def environment(cloud, database_url: str, **more: str) -> dict[str, str]:
    return {"WAYLINE_DATABASE_URL": database_url, "WAYLINE_SMS_PROVIDER": "nhn",
            "WAYLINE_KAKAO_PROVIDER": "nhn", "WAYLINE_SMS_SENDER": "0212345678",
            "WAYLINE_NHN_SMS_APP_KEY": SMS_KEY, "WAYLINE_NHN_SMS_SECRET_KEY": SMS_SECRET,
            "WAYLINE_NHN_KAKAO_APP_KEY": KAKAO_KEY,
            "WAYLINE_NHN_KAKAO_SECRET_KEY": KAKAO_SECRET,
            "WAYLINE_NHN_SENDER_KEY": SENDER_KEY, "WAYLINE_NHN_UNSUBSCRIBE_NOS": "0801234567",
            "WAYLINE_NHN_SMS_URL": cloud.url, "WAYLINE_NHN_KAKAO_URL": cloud.url, **more}


@pytest.fixture
def nhn(nhn_cloud, database_url):
    """The gateway as Wayline builds it from its settings, pointed at the local NHN."""
    adapters = gateway_adapters(load_settings(environment(nhn_cloud, database_url)))
    assert adapters["sms"] is adapters["kakao"]
    yield adapters["sms"]
    adapters["sms"].close()


@pytest.fixture
def rules():
    previous = install_rules(MessageRules())
    yield
    install_rules(previous)


def image(rt, name: str = "sale.jpg", data: bytes = JPEG) -> int:
    """An uploaded image, committed (the gateway reads it on an engine of its own)."""
    row = Asset(name=name, content_type="image/jpeg", size=len(data), width=800, height=600,
                sha256=hashlib.sha256(data).hexdigest(), data=data,
                created_at=datetime.now(KST))
    with rt.sessions() as session:
        session.add(row)
        session.commit()
        return row.id


def test_sms_lms_and_mms_go_in_nhns_shapes_and_an_image_is_uploaded_once(nhn, nhn_cloud,
                                                                         wayline):
    picture = image(wayline)
    nhn.send(1, "sms", {"to": TO, "text": "주문 완료"})
    nhn.send(2, "sms", {"to": TO, "text": "감사합니다 " * 20, "subject": "안내"})
    nhn.send(3, "sms", {"to": TO, "text": "신상품", "subject": "신상", "images": [picture]})
    nhn.send(4, "sms", {"to": TO, "text": "또 신상품", "subject": "신상", "images": [picture],
                        "from": "0212345678"})
    sms, lms, mms, again = nhn_cloud.of("sms")
    assert (sms.path, sms.body["sendNo"], sms.body["body"]) == ("sender/sms", "0212345678",
                                                                "주문 완료")
    assert sms.recipient == {"recipientNo": "01012345678", "recipientGroupingKey": "1"}
    assert (lms.path, lms.body["title"], "attachFileIdList" in lms.body) == (
        "sender/mms", "안내", False)
    nhn.send(8, "sms", {"to": TO, "text": "이번 주 세일 안내\n" + "가" * 100})
    assert nhn_cloud.of("sms")[-1].body["title"] == "이번 주 세일 안내"  # NHN needs one
    assert mms.path == again.path == "sender/mms"
    assert mms.body["attachFileIdList"] == again.body["attachFileIdList"] == [1]
    assert nhn_cloud.files == {1: JPEG}  # uploaded once, by its digest
    secrets = {headers["x-secret-key"] for _m, _p, headers, _b in nhn_cloud.requests}
    assert secrets == {SMS_SECRET}
    png = image(wayline, "logo.png", b"\x89PNG" + b"x" * 100)
    with wayline.sessions() as session:
        session.get(Asset, png).content_type = "image/png"
        session.commit()
    with pytest.raises(PermanentFailure, match="JPEG images only"):
        nhn.send(5, "sms", {"to": TO, "text": "x", "subject": "y", "images": [png]})
    with pytest.raises(PermanentFailure, match="up to 300 KB"):
        nhn.send(6, "sms", {"to": TO, "text": "x", "subject": "y",
                            "images": [image(wayline, "big.jpg", JPEG * 1000)]})
    assert len(nhn_cloud.files) == 1
    with wayline.sessions() as session:  # nor read again: a campaign reads its image once
        session.delete(session.get(Asset, picture))
        session.commit()
    nhn.send(9, "sms", {"to": TO, "text": "신상품", "subject": "신상", "images": [picture]})
    assert nhn_cloud.of("sms")[-1].body["attachFileIdList"] == [1]


def test_an_advertising_text_goes_to_nhns_advertising_api(nhn, nhn_cloud):
    nhn.send(5, "sms", {"to": TO, "text": "(광고) 세일\n무료수신거부 0801234567"})
    [ad] = nhn_cloud.of("sms")
    assert ad.path == "sender/ad-sms"


def test_an_sms_sent_again_with_the_same_id_is_not_sent_twice(nhn, nhn_cloud):
    first = nhn.send(7, "sms", {"to": TO, "text": "주문 완료"})
    assert not [path for method, path, _h, _b in nhn_cloud.requests if method == "GET"]
    nhn.repeating(7)  # delivery hands it over again (runtime.messaging.calls)
    again = nhn.send(7, "sms", {"to": TO, "text": "주문 완료"})
    assert first == again and len(nhn_cloud.of("sms")) == 1
    lookups = [path for method, path, _h, _b in nhn_cloud.requests if method == "GET"]
    assert len(lookups) == 1 and "recipientGroupingKey=7" in lookups[0]


def test_alimtalk_names_the_template_turns_off_nhns_fallback_and_is_sent_once(nhn, nhn_cloud):
    nhn_cloud.templates["ORDER_OK"] = {"templateCode": "ORDER_OK", "status": "TSC03"}
    content = {"to": TO, "text": "민지님, 주문 완료", "template_code": "ORDER_OK",
               "variables": {"name": "민지"}}
    provider_id = nhn.send(11, "kakao", content)
    again = nhn.send(11, "kakao", content)  # a retry within 10 minutes: NHN refuses the key
    [sent] = nhn_cloud.of("alimtalk")
    assert provider_id == sent.request_id and again == "nhn-11"
    assert (sent.body["senderKey"], sent.body["templateCode"]) == (SENDER_KEY, "ORDER_OK")
    assert sent.recipient == {"recipientNo": "01012345678", "templateParameter": {"name": "민지"},
                              "resendParameter": {"isResend": False},
                              "recipientGroupingKey": "11"}
    keys = [h["x-nc-api-idempotency-key"] for m, _p, h, _b in nhn_cloud.requests if m == "POST"]
    assert keys == ["11", "11"]


@pytest.mark.parametrize(("answer", "kind", "words"), [
    ((503, {"header": {}}), TransientFailure, "answered 503"),
    ((429, {"header": {}}), TransientFailure, "answered 429"),
    ((200, {"header": {"isSuccessful": False, "resultCode": -9999,
                       "resultMessage": "system error"}}), TransientFailure, "internal error"),
    ((200, {"header": {"isSuccessful": False, "resultCode": -1028,
                       "resultMessage": "Invalid template."}}), PermanentFailure,
     "not approved or not found"),
    ((200, {"header": {"isSuccessful": False, "resultCode": -4242, "resultMessage": "nope"}}),
     PermanentFailure, "refused the request (NHN -4242: nope)"),
    ((200, {"header": {"isSuccessful": True, "resultCode": 0},
            "message": {"requestId": "r", "sendResults": [
                {"recipientSeq": 1, "resultCode": -1024, "resultMessage": "Invalid number"}]}}),
     PermanentFailure, "refused the recipient (-1024: Invalid number)"),
])
def test_nhns_answers_are_transient_or_permanent_failures(nhn, nhn_cloud, answer, kind, words):
    nhn_cloud.answers = [answer]
    with pytest.raises(kind) as failure:
        nhn.send(12, "kakao", {"to": TO, "text": "x", "template_code": "T"})
    assert words in failure.value.reason
    assert type(failure.value) is kind


def test_config_problems_are_permanent_and_say_what_to_fix(nhn_cloud, database_url):
    settings = load_settings(environment(nhn_cloud, database_url,
                                         WAYLINE_NHN_SMS_SECRET_KEY="wrong",
                                         WAYLINE_SMS_SENDER="0299999999"))
    gateway = gateway_adapters(settings)["sms"]
    with pytest.raises(PermanentFailure, match="WAYLINE_NHN_SMS_SECRET_KEY"):
        gateway.send(1, "sms", {"to": TO, "text": "x"})
    gateway.close()
    right = gateway_adapters(load_settings(environment(nhn_cloud, database_url,
                                                       WAYLINE_SMS_SENDER="0299999999")))["sms"]
    with pytest.raises(PermanentFailure, match="sender number is not registered"):
        right.send(1, "sms", {"to": TO, "text": "x"})
    right.close()
    with pytest.raises(GatewayError, match="WAYLINE_NHN_KAKAO_SECRET_KEY must be set"):
        gateway_adapters(load_settings(environment(nhn_cloud, database_url,
                                                   WAYLINE_NHN_KAKAO_SECRET_KEY="")))
    bare = {name: value for name, value in environment(nhn_cloud, database_url).items()
            if "APP_KEY" not in name and "SECRET_KEY" not in name}
    with pytest.raises(GatewayError, match="WAYLINE_NHN_SMS_APP_KEY or WAYLINE_NHN_KAKAO"):
        gateway_adapters(load_settings(bare))
    with pytest.raises(GatewayError, match="WAYLINE_NHN_SMS_URL='ftp://nhn'"):
        gateway_adapters(load_settings(environment(nhn_cloud, database_url,
                                                   WAYLINE_NHN_SMS_URL="ftp://nhn")))


def test_a_retry_after_nhn_was_busy_sends_once_with_the_same_key(nhn, nhn_cloud):
    nhn_cloud.templates["T"] = {"templateCode": "T", "status": "TSC03"}
    nhn_cloud.answers = [(503, {"header": {}})]
    content = {"to": TO, "text": "x", "template_code": "T"}
    with pytest.raises(TransientFailure):
        nhn.send(13, "kakao", content)
    nhn.send(13, "kakao", content)
    assert len(nhn_cloud.of("alimtalk")) == 1
    keys = [h["x-nc-api-idempotency-key"] for m, _p, h, _b in nhn_cloud.requests if m == "POST"]
    assert keys == ["13", "13"]


def test_brand_messages_map_their_formats_and_upload_images_once(nhn, nhn_cloud, wayline):
    picture = image(wayline)
    buttons = [{"name": "보러 가기", "kind": "WL", "url_mobile": "https://shop.example/m",
                "url_pc": "https://shop.example"}]
    nhn.send(21, "brand", {"to": TO, "targeting": "M", "format": "wide", "text": "(광고) 세일",
                           "image": {"asset": picture, "link": "https://shop.example/sale"},
                           "buttons": buttons})
    nhn.send(22, "brand", {"to": TO, "targeting": "I", "format": "wide_list", "text": "",
                           "header": "이번 주 신상", "items": [
                               {"title": "운동화", "asset": picture, "url_mobile": "https://a"},
                               {"title": "가방", "asset": picture, "url_mobile": "https://b"}]})
    nhn.send(23, "brand", {"to": TO, "targeting": "N", "format": "carousel", "text": "",
                           "carousel": [{"header": "첫째", "text": "설명", "asset": picture,
                                         "buttons": buttons}]})
    wide, listed, carousel = nhn_cloud.of("brand")
    assert (wide.body["chatBubbleType"], wide.body["content"]) == ("WIDE", "(광고) 세일")
    assert wide.body["image"]["imageLink"] == "https://shop.example/sale"
    assert wide.body["buttons"] == [{"name": "보러 가기", "type": "WL",
                                     "linkMo": "https://shop.example/m",
                                     "linkPc": "https://shop.example"}]
    assert (wide.recipient["targeting"], wide.recipient["recipientGroupingKey"]) == ("M", "21")
    assert listed.body["chatBubbleType"] == "WIDE_ITEM_LIST"
    assert [item["title"] for item in listed.body["item"]["list"]] == ["운동화", "가방"]
    assert carousel.body["carousel"]["list"][0]["header"] == "첫째"
    uploaded = sorted(kind for kind, _data in nhn_cloud.images.values())
    assert uploaded == ["CAROUSEL_FEED_IMAGE", "WIDE_IMAGE", "WIDE_ITEM_LIST_IMAGE"]
    assert all(data == JPEG for _kind, data in nhn_cloud.images.values())


def test_polled_results_move_messages_through_the_reports_sync(wayline, nhn, nhn_cloud, rules):
    wayline.adapters["sms"] = wayline.adapters["kakao"] = nhn
    nhn_cloud.templates["ORDER_OK"] = {"templateCode": "ORDER_OK", "status": "TSC03"}
    run_journey(wayline, "sms", "주문 완료", customers=2)
    run_journey(wayline, "kakao", "주문 완료", template_code="ORDER_OK")
    first, second, talk = messages(wayline)
    assert {m.status for m in (first, second, talk)} == {MessageStatus.SENT}
    nhn_cloud.deliver(first.id)
    nhn_cloud.deliver(second.id, code="3015", name="수신번호 오류")
    nhn_cloud.deliver(talk.id)
    done = provider_sync_job(force=True)
    assert done["reports"] == {"reports": 3, "applied": 3}
    first, second, talk = messages(wayline)
    assert (first.status, talk.status) == (MessageStatus.DELIVERED, MessageStatus.DELIVERED)
    assert second.status is MessageStatus.FAILED and "수신번호 오류 (3015)" in second.reason
    assert provider_sync_job(force=True)["reports"]["applied"] == 0  # seen before: no change


def test_polls_ask_nhn_one_day_at_a_time(nhn, nhn_cloud):
    nhn.poll_reports(datetime.now(KST) - timedelta(days=2, hours=3))
    windows = [path for method, path, _h, _b in nhn_cloud.requests
               if method == "GET" and "/sms/" in path]
    assert len(windows) == 3  # every answer was a success: NHN refuses more than a day


def test_brand_results_are_read_by_request_time_and_one_product_down_spares_the_others(
        nhn_cloud, database_url):
    gateway = gateway_adapters(load_settings(environment(
        nhn_cloud, database_url, WAYLINE_NHN_SMS_SECRET_KEY="rotated")))["kakao"]
    gateway.send(24, "brand", {"to": TO, "targeting": "I", "format": "text", "text": "신상"})
    gateway.send(25, "brand", {"to": TO, "targeting": "I", "format": "text", "text": "세일"})
    nhn_cloud.deliver(24)
    receipts = gateway.poll_reports(datetime.now(KST) - timedelta(minutes=10))
    assert [(r.channel, r.receipt.message_id, r.receipt.status) for r in receipts] == [
        ("brand", 24, MessageStatus.DELIVERED)]  # 25 has no result yet; SMS refused the key
    brand_queries = [path for method, path, _h, _b in nhn_cloud.requests
                     if method == "GET" and "/brand-message/" in path]
    assert len(brand_queries) == 2 and "startRequestDate" in brand_queries[0]
    gateway.close()


def test_templates_are_submitted_and_their_review_read(nhn, nhn_cloud):
    draft = TemplateDraft(code="ORDER_SHIPPED", name="배송 출발",
                          text="#{name}님, 상품이 출발했어요.", sender_key=SENDER_KEY,
                          category="004001", buttons=[
                              TemplateButton("DS", "배송 조회"),
                              TemplateButton("WL", "주문 보기", "https://shop.example/m")])
    submitted = nhn.submit_template(draft)
    assert (submitted.code, submitted.status) == ("ORDER_SHIPPED", ReviewStatus.UNDER_REVIEW)
    stored = nhn_cloud.templates["ORDER_SHIPPED"]
    assert (stored["templateContent"], stored["categoryCode"]) == (draft.text, "004001")
    assert stored["buttons"] == [{"ordering": 1, "type": "DS", "name": "배송 조회"},
                                 {"ordering": 2, "type": "WL", "name": "주문 보기",
                                  "linkMo": "https://shop.example/m"}]
    assert nhn.review("ORDER_SHIPPED").status is ReviewStatus.UNDER_REVIEW
    nhn_cloud.approve("ORDER_SHIPPED", "TSC04", "광고성 문구가 포함되어 있습니다.")
    rejected = nhn.review("ORDER_SHIPPED")
    assert (rejected.status, rejected.reason) == (ReviewStatus.REJECTED,
                                                  "광고성 문구가 포함되어 있습니다.")
    nhn_cloud.approve("ORDER_SHIPPED", "TSC03")
    assert nhn.review("ORDER_SHIPPED").status is ReviewStatus.APPROVED
    with pytest.raises(PermanentFailure, match="already exists"):
        nhn.submit_template(draft)
    with pytest.raises(LookupError, match="NOPE"):
        nhn.review("NOPE")


def test_the_080_list_becomes_opt_outs(nhn, nhn_cloud):
    now = datetime.now(KST).replace(microsecond=0)
    nhn_cloud.block("01012345678", "0801234567", now - timedelta(hours=1))
    nhn_cloud.block("01087654321", "0801234567", now - timedelta(days=3))
    nhn_cloud.block("01011112222", "0809999999", now - timedelta(hours=1))
    found = nhn.opt_outs(now - timedelta(days=1))
    assert found == [OptOut("+821012345678", now - timedelta(hours=1), OptOutVia.ARS,
                            "0801234567")]
    # A sender's 080 line is asked about too, and a line named twice only once.
    found = nhn.opt_outs(now - timedelta(days=1), ["0809999999", "0801234567"])
    assert sorted(opt_out.opt_out_number for opt_out in found) == ["0801234567", "0809999999"]
    # A line NHN refuses does not hide the others' refusals, which come with the error.
    with pytest.raises(IncompleteListError, match="0701234567") as refused:
        nhn.opt_outs(now - timedelta(days=1), ["0701234567", "0801234567"])
    assert [opt_out.phone for opt_out in refused.value.found] == ["+821012345678"]


def test_an_alimtalk_nhn_refuses_falls_back_to_sms_through_nhn_and_is_delivered(
        wayline, nhn, nhn_cloud, rules):
    """End to end with the runtime's workers: the template is not approved at NHN, so the
    AlimTalk fails, the SMS fallback goes through NHN's SMS API, and its result comes back."""
    wayline.adapters["sms"] = wayline.adapters["kakao"] = nhn
    nhn_cloud.templates["SALE"] = {"templateCode": "SALE", "status": "TSC04"}
    run_journey(wayline, "kakao", "{{ customer.name }}님, 주문이 접수되었어요.",
                config={"fallback_text": "[샵] {{ customer.name }}님 주문 접수"},
                template_code="SALE", variables={"name": "{{ customer.name }}"})
    kakao, sms = messages(wayline)
    assert kakao.status is MessageStatus.FAILED and "not approved" in kakao.reason
    assert (sms.channel, sms.status, sms.content["fallback_of"]) == ("sms", MessageStatus.SENT,
                                                                    kakao.id)
    [text] = nhn_cloud.of("sms")
    assert text.body["body"] == "[샵] 민지님 주문 접수"
    assert text.recipient["recipientGroupingKey"] == str(sms.id)
    nhn_cloud.deliver(sms.id)
    provider_sync_job(force=True)
    with wayline.sessions() as session:
        status = session.scalar(select(Message.status).where(Message.id == sms.id))
    assert status is MessageStatus.DELIVERED


def test_wayline_workers_send_through_nhn_as_their_settings_say(wayline, nhn_cloud, workers,
                                                               database_url, rules):
    """`wayline worker` processes build the gateway from WAYLINE_ variables alone and deliver
    on their event loop: the AlimTalk NHN refuses falls back to an SMS, both through NHN."""
    nhn_cloud.templates["SALE"] = {"templateCode": "SALE", "status": "TSC04"}
    settings = {name.removeprefix("WAYLINE_").lower(): value
                for name, value in environment(nhn_cloud, database_url).items()
                if name != "WAYLINE_DATABASE_URL"}
    now = wayline.clock.now()
    with wayline.sessions() as session:  # the runs wait for the workers' sweeper
        add_customers(session, 1, now, attributes={"name": "민지"})
        kakao_template = template(session, "kakao", "{{ customer.name }}님, 주문 접수",
                                  template_code="SALE",
                                  variables={"name": "{{ customer.name }}"})
        journey = add_journey(session, send_journey(
            kakao_template, "kakao", fallback_text="[샵] {{ customer.name }}님 주문 접수"))
        publish(session, journey, now)
        ingest_event(session, "c0", "order", {}, now, now)
        session.commit()
    workers(**settings)
    wait_until(lambda: len(nhn_cloud.of("sms")) == 1, 60, "the fallback text at NHN",
               lambda: f"messages: {[(m.channel, m.status) for m in messages(wayline)]}")
    wait_until(lambda: [m.status for m in messages(wayline)] == [MessageStatus.FAILED,
                                                                 MessageStatus.SENT],
               30, "the ledger", lambda: f"{[(m.channel, m.status) for m in messages(wayline)]}")
    kakao, sms = messages(wayline)
    assert "not approved" in kakao.reason
    [text] = nhn_cloud.of("sms")
    assert text.recipient["recipientGroupingKey"] == str(sms.id)
    assert text.body["body"] == "[샵] 민지님 주문 접수"


def test_nhns_result_webhooks_are_read_as_receipts_when_their_signature_matches(
        nhn_cloud, database_url):
    gateway = gateway_adapters(load_settings(environment(
        nhn_cloud, database_url, WAYLINE_NHN_WEBHOOK_SIGNATURE="s3cret")))["sms"]
    signed = {"X-Toast-Webhook-Signature": "s3cret"}
    sms = {"hooksId": "h1", "productName": "Sms", "appKey": SMS_KEY,
           "event": "MESSAGE_RESULT_UPDATE", "hooks": [
               {"hookId": "a", "senderType": "NORMAL_SMS", "requestId": "r1", "recipientSeq": 1,
                "receiveDate": "2024-04-29T20:58:04", "messageStatus": "COMPLETED",
                "recipientGropuingKey": "41", "resultCode": "1000"},
               {"hookId": "b", "messageStatus": "FAILED", "recipientGroupingKey": "42",
                "resultCode": "3015"},
               {"hookId": "c", "messageStatus": "SENDING", "recipientGroupingKey": "43"},
               {"hookId": "d", "messageStatus": "COMPLETED", "recipientGroupingKey": "not ours",
                "resultCode": "1000"}]}
    found = gateway.reports(json.dumps(sms).encode(), signed)
    assert [(r.channel, r.receipt.message_id, r.receipt.status, r.receipt.reason)
            for r in found] == [("sms", 41, MessageStatus.DELIVERED, None),
                                ("sms", 42, MessageStatus.FAILED, "not delivered (3015)")]
    assert found[0].receipt.occurred_at == datetime(2024, 4, 29, 20, 58, 4, tzinfo=KST)
    kakao = {"productName": "KakaoTalk Bizmessage", "event": "MESSAGE_RESULT_UPDATE", "hooks": [
        {"kakaoMessageType": "ALIMTALK_NORMAL", "recipientGroupingKey": "51",
         "resultCode": "1000"},
        {"kakaoMessageType": "BRAND_MESSAGE_NORMAL", "recipientGroupingKey": "52",
         "resultCode": "MRC02"},
        {"kakaoMessageType": "FRIENDTALK_NORMAL", "recipientGroupingKey": "53",
         "resultCode": "1000"}]}
    assert [(r.channel, r.receipt.message_id, r.receipt.status)
            for r in gateway.reports(json.dumps(kakao).encode(), signed)] == [
        ("kakao", 51, MessageStatus.DELIVERED), ("brand", 52, MessageStatus.FAILED)]
    assert gateway.reports(json.dumps({**kakao, "event": "UNSUBSCRIBE"}).encode(), signed) == []
    with pytest.raises(ValueError, match="WAYLINE_NHN_WEBHOOK_SIGNATURE"):
        gateway.reports(json.dumps(kakao).encode(), {"X-Toast-Webhook-Signature": "guess"})
    with pytest.raises(ValueError, match="not JSON"):
        gateway.reports(b"<xml/>", signed)
    with pytest.raises(ValueError, match="at most 1000 hooks"):
        gateway.reports(json.dumps({**kakao, "hooks": [{}] * 1001}).encode(), signed)
    gateway.close()


def test_the_kakao_sender_key_may_come_from_the_channel_account(nhn_cloud, database_url):
    settings = environment(nhn_cloud, database_url, WAYLINE_KAKAO_SENDER_KEY=SENDER_KEY)
    del settings["WAYLINE_NHN_SENDER_KEY"]
    gateway = gateway_adapters(load_settings(settings))["kakao"]
    gateway.submit_template(TemplateDraft(code="HELLO", name="인사", text="안녕하세요",
                                          sender_key=""))
    assert gateway.review("HELLO").status is ReviewStatus.UNDER_REVIEW
    nhn_cloud.approve("HELLO", "TSC03")
    gateway.send(61, "kakao", {"to": TO, "text": "안녕하세요", "template_code": "HELLO"})
    assert nhn_cloud.of("alimtalk")[0].body["senderKey"] == SENDER_KEY
    gateway.close()
