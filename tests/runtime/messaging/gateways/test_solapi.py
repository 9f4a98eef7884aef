"""The Solapi gateway against a local server speaking Solapi's API: each kind of message, its
failures, retries that do not send twice, templates, the 080 list, delivery reports through the
real route, and a journey whose text goes through Solapi."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from runtime.messaging import inflight
from runtime.messaging.adapters import PermanentFailure, TransientFailure
from runtime.messaging.channels import adapters_from_settings
from runtime.messaging.gateways import (
    AssetLoader,
    GatewayConfig,
    GatewayError,
    OptOutVia,
    ReviewStatus,
    TemplateButton,
    TemplateDraft,
    chosen,
    config_values,
    gateways,
)
from runtime.messaging.gateways.solapi import GATEWAY, SolapiGateway
from runtime.run.lifecycle import publish
from runtime.settings import Settings
from runtime.store.models import Message, MessageStatus
from runtime.store.sender_models import Asset
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import (
    START,
    add_customers,
    add_journey,
    add_template,
    drain,
    move,
    wait_until,
)

TO = "+821012345678"
SECRET = "receipt-secret-0123456789"


def extra_for(solapi, **more: str) -> dict[str, str]:
    """The WAYLINE_* variables (as Settings.extra) that point Wayline's texts at the server."""
    return {"sms_provider": "solapi", "solapi_api_key": solapi.api_key,
            "solapi_api_secret": solapi.api_secret, "solapi_url": solapi.url,
            "solapi_sender": "0212345678", "solapi_kakao_pf_id": "KA01PF0001", **more}


def gateway_for(solapi, database_url: str = "", **more: str) -> SolapiGateway:
    values = config_values(GATEWAY, extra_for(solapi, **more))
    return SolapiGateway(GatewayConfig(values, timeout=5,
                                       assets=AssetLoader(database_url) if database_url else None))


def add_image(engine, data: bytes = b"\x89PNG fake image bytes") -> int:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        asset = Asset(name="sale.png", content_type="image/png", size=len(data), width=800,
                      height=400, sha256=hashlib.sha256(data).hexdigest(), data=data,
                      created_at=START)
        session.add(asset)
        session.commit()
        return asset.id


# --- settings ----------------------------------------------------------------------------------


def test_settings_name_the_variable_that_is_missing_or_wrong(solapi_server):
    solapi = solapi_server()
    assert "solapi" in gateways()
    with pytest.raises(GatewayError, match="WAYLINE_SOLAPI_API_KEY must be set"):
        config_values(GATEWAY, {"solapi_api_secret": "x"})
    with pytest.raises(GatewayError, match=r"WAYLINE_SOLAPI_URL='ftp://x': must be an http"):
        config_values(GATEWAY, extra_for(solapi, solapi_url="ftp://x"))
    with pytest.raises(GatewayError, match="WAYLINE_SMS_PROVIDER='solapy' is no provider Wayline "
                                           "knows; use one of: http, .*solapi"):
        chosen({"sms_provider": "solapy"}, ["sms"])
    with pytest.raises(GatewayError, match="Solapi does not carry push"):
        chosen({"push_provider": "solapi"}, ["push"])
    adapters = adapters_from_settings(Settings(extra=extra_for(solapi)))
    assert isinstance(adapters["sms"], SolapiGateway)


# --- sending -----------------------------------------------------------------------------------


def test_texts_go_signed_as_sms_lms_and_mms_with_the_wayline_id(solapi_server, engine,
                                                                 database_url):
    solapi = solapi_server()
    gateway = gateway_for(solapi, database_url)
    image = add_image(engine)
    short = gateway.send(1, "sms", {"to": TO, "text": "안녕하세요"})
    long = gateway.send(2, "sms", {"to": TO, "text": "가" * 60, "subject": "봄 세일"})
    photo = gateway.send(3, "sms", {"to": TO, "text": "사진", "subject": "신상", "images": [image]})
    again = gateway.send(4, "sms", {"to": TO, "text": "또 사진", "images": [image]})
    gateway.close()

    assert [short, long, photo, again] == [m["messageId"] for m in solapi.messages]
    first, second, third, fourth = solapi.messages
    assert (first["type"], first["to"], first["country"], first["from"]) == \
        ("SMS", "01012345678", "82", "0212345678")
    assert first["customFields"] == {"waylineId": "1"}
    assert "subject" not in first
    assert (second["type"], second["subject"]) == ("LMS", "봄 세일")
    assert (third["type"], third["subject"]) == ("MMS", "신상")
    [(file_id, upload)] = solapi.files.items()  # uploaded once: the second MMS reuses it
    assert third["imageId"] == fourth["imageId"] == file_id
    assert (upload["type"], upload["name"]) == ("MMS", "sale.png")


def test_alimtalk_and_brand_messages_carry_kakao_options(solapi_server, engine, database_url):
    solapi = solapi_server()
    gateway = gateway_for(solapi, database_url)
    image = add_image(engine)
    gateway.send(10, "kakao", {"to": TO, "text": "주문 완료", "template_code": "KA01TP1",
                               "variables": {"이름": "민지", "금액": 12000}})
    button = {"name": "보러 가기", "kind": "WL", "url_mobile": "https://shop.example.kr/m",
              "url_pc": "https://shop.example.kr"}
    gateway.send(11, "brand", {"to": TO, "targeting": "M", "format": "wide", "text": "세일",
                               "image": {"asset": image, "link": "https://shop.example.kr/s"},
                               "buttons": [button], "sender_key": "KA01PF0002"})
    gateway.send(12, "brand", {"to": TO, "targeting": "I", "format": "carousel", "text": "",
                               "carousel": [{"header": f"카드 {n}", "text": "설명",
                                             "asset": image, "buttons": [button]}
                                            for n in (1, 2)]})
    with pytest.raises(PermanentFailure, match="needs a main item and at least 3"):
        gateway.send(13, "brand", {"to": TO, "targeting": "I", "format": "wide_list",
                                   "text": "", "items": [{"title": "하나", "asset": image}]})
    gateway.close()

    alimtalk, wide, carousel = solapi.messages
    assert alimtalk["type"] == "ATA" and "text" not in alimtalk
    assert alimtalk["kakaoOptions"] == {"pfId": "KA01PF0001", "templateId": "KA01TP1",
                                        "variables": {"#{이름}": "민지", "#{금액}": "12000"},
                                        "disableSms": True}
    assert wide["type"] == "BMS_FREE" and wide["text"] == "세일"
    bms = wide["kakaoOptions"]["bms"]
    assert wide["kakaoOptions"]["pfId"] == "KA01PF0002"
    assert (bms["targeting"], bms["chatBubbleType"], bms["imageLink"]) == \
        ("M", "WIDE", "https://shop.example.kr/s")
    assert bms["buttons"] == [{"linkType": "WL", "name": "보러 가기",
                               "linkMobile": "https://shop.example.kr/m",
                               "linkPc": "https://shop.example.kr"}]
    cards = carousel["kakaoOptions"]["bms"]["carousel"]["list"]
    assert [card["header"] for card in cards] == ["카드 1", "카드 2"]
    kinds = sorted(upload["type"] for upload in solapi.files.values())
    assert kinds == ["BMS_CAROUSEL_FEED_LIST", "BMS_WIDE"]  # a file per Solapi image type


def test_busy_and_failing_answers_are_transient_with_the_wait_solapi_asks(solapi_server):
    solapi = solapi_server()
    solapi.errors = [(429, {"Retry-After": "7"}, {"errorCode": "TooManyRequests",
                                                  "errorMessage": "요청이 너무 많습니다."}),
                     (503, {}, {"errorCode": "ServiceUnavailable", "errorMessage": "점검 중"})]
    gateway = gateway_for(solapi)
    with pytest.raises(TransientFailure) as busy:
        gateway.send(20, "sms", {"to": TO, "text": "hi"})
    assert (busy.value.retry_after, busy.value.throttled) == (7.0, True)
    assert "TooManyRequests" in busy.value.reason
    with pytest.raises(TransientFailure, match="503 ServiceUnavailable"):
        gateway.send(21, "sms", {"to": TO, "text": "hi"})
    assert solapi.messages == []


def test_refusals_are_permanent_with_solapis_reason(solapi_server):
    solapi = solapi_server(refuse={"01099998888": ("1062", "발신번호 미등록")})
    gateway = gateway_for(solapi)
    with pytest.raises(PermanentFailure, match=r"Solapi refused the message: 발신번호 미등록 "
                                               r"\(1062\)"):
        gateway.send(30, "sms", {"to": "+821099998888", "text": "hi"})
    solapi.errors = [(400, {}, {"errorCode": "NotEnoughBalance", "errorMessage": "잔액 부족"})]
    with pytest.raises(PermanentFailure, match="NotEnoughBalance: 잔액 부족; top up"):
        gateway.send(31, "sms", {"to": TO, "text": "hi"})
    with pytest.raises(PermanentFailure, match="only one image|one image per MMS"):
        gateway.send(32, "sms", {"to": TO, "text": "hi", "images": [1, 2]})
    wrong = gateway_for(solapi, solapi_api_secret="not-the-secret")
    with pytest.raises(PermanentFailure, match="401 SignatureDoesNotMatch.*"
                                               "WAYLINE_SOLAPI_API_SECRET"):
        wrong.send(33, "sms", {"to": TO, "text": "hi"})
    assert solapi.messages == []


def test_a_retry_after_an_unclear_answer_does_not_send_twice(solapi_server):
    solapi = solapi_server(accept_then_fail=1)  # Solapi took it, then the answer was lost
    gateway = gateway_for(solapi)
    content = {"to": TO, "text": "한 번만"}
    with pytest.raises(TransientFailure):
        inflight.run(gateway.send_async(40, "sms", content))
    assert len(solapi.by_wayline_id(40)) == 1
    retried = inflight.run(gateway.send_async(40, "sms", content))
    gateway.close()
    [kept] = solapi.by_wayline_id(40)
    assert retried == kept["messageId"]
    assert solapi.sends() == 1  # the retry looked the message up instead of sending it again
    assert ("GET", "/messages/v4/list") in solapi.calls


def test_a_message_another_worker_hands_over_again_is_looked_up_not_sent_twice(solapi_server):
    solapi = solapi_server(accept_then_fail=1)
    content = {"to": TO, "text": "한 번만"}
    first = gateway_for(solapi)
    with pytest.raises(TransientFailure):  # this worker's answer is lost, and so is the worker
        inflight.run(first.send_async(41, "sms", content))
    first.close()
    other = gateway_for(solapi)  # another worker knows nothing of it but what delivery says
    other.repeating(41)
    retried = inflight.run(other.send_async(41, "sms", content))
    other.close()
    [kept] = solapi.by_wayline_id(41)
    assert retried == kept["messageId"] and solapi.sends() == 1


# --- templates and the 080 list ----------------------------------------------------------------


def test_templates_go_to_review_and_their_status_and_reason_come_back(solapi_server):
    solapi = solapi_server()
    gateway = gateway_for(solapi)
    review = gateway.submit_template(TemplateDraft(
        code="order_done", name="주문 완료", text="#{이름}님, 주문이 완료되었어요.",
        sender_key="KA01PF0001", category="003001",
        buttons=[TemplateButton("WL", "주문 보기", "https://shop.example.kr/o")]))
    [(code, stored)] = solapi.templates.items()
    assert (review.code, review.status, review.reason) == (code, ReviewStatus.UNDER_REVIEW, None)
    assert stored["channelId"] == "KA01PF0001" and stored["categoryCode"] == "003001"
    assert stored["buttons"] == [{"buttonType": "WL", "buttonName": "주문 보기",
                                  "linkMo": "https://shop.example.kr/o", "linkPc": ""}]
    solapi.decide(code, "REJECTED", "광고성 문구가 포함되어 있습니다.")
    rejected = gateway.review(code)
    assert (rejected.status, rejected.reason) == (ReviewStatus.REJECTED,
                                                  "광고성 문구가 포함되어 있습니다.")
    solapi.decide(code, "APPROVED")
    assert gateway.review(code).status is ReviewStatus.APPROVED
    with pytest.raises(PermanentFailure, match="404 NotFound"):
        gateway.review("KA01TPNOPE")


def test_refused_numbers_since_a_time_come_from_the_080_list(solapi_server):
    solapi = solapi_server(block_numbers=[
        {"phoneNumber": "01011112222", "memo": "", "dateCreated": "2026-03-01T10:00:00.000Z"},
        {"phoneNumber": "01033334444", "memo": "전화 요청", "dateCreated": "2026-03-02T10:00:00Z"},
        {"phoneNumber": "01055556666", "memo": "", "dateCreated": "2026-02-01T10:00:00.000Z"}])
    refused = gateway_for(solapi).opt_outs(START - timedelta(days=2))
    assert [(o.phone, o.via) for o in refused] == [("+821011112222", OptOutVia.ARS),
                                                   ("+821033334444", OptOutVia.MANUAL)]


# --- reports through the route, and a journey end to end ---------------------------------------


def texting_journey(rt, customers: int = 1) -> int:
    with rt.sessions() as session:
        add_customers(session, customers, rt.clock.now(),
                      consent={"sms": {"marketing": True, "night": True}})
        template = add_template(session, "sms", "Hello", None, "주문이 준비되었어요")
        journey = add_journey(session, document(
            [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
             node("text", "action.send", "Text", {"channel": "sms", "template": template})],
            [edge("in", "text")]), "Ready")
        publish(session, journey, rt.clock.now())
        session.commit()
    return journey


def test_a_journeys_texts_go_through_solapi_and_its_reports_move_them(
        solapi_server, app_context, anonymous_client):
    solapi = solapi_server()
    rt = app_context.runtime
    rt.settings = replace(rt.settings, receipt_secret=SECRET, extra=extra_for(solapi))
    rt.adapters["sms"] = gateway = adapters_from_settings(rt.settings)["sms"]  # as workers do
    texting_journey(rt, customers=3)
    drain(rt)
    gateway.close()
    with rt.sessions() as session:
        messages = session.scalars(select(Message).order_by(Message.id)).all()
    assert [m.status for m in messages] == [MessageStatus.SENT] * 3
    assert sorted(int(m["customFields"]["waylineId"]) for m in solapi.messages) == \
        [m.id for m in messages]
    assert {m.provider_id for m in messages} == {m["messageId"] for m in solapi.messages}

    delivered, failed, pending = solapi.messages
    events = [solapi.report(delivered), solapi.report(failed, "3059", "변작된 발신번호"),
              solapi.report(pending, "3000", "이통사로 접수"),
              {"data": {"statusCode": "4000", "customFields": {}}}]  # sent outside Wayline
    address = f"/api/providers/solapi/reports?secret={SECRET}"
    answer = anonymous_client.post(address, content=json.dumps(events))
    assert answer.status_code == 200, answer.text
    assert [r["outcome"] for r in answer.json()["results"]] == ["applied", "applied"]
    with rt.sessions() as session:
        moved = {m.id: (m.status, m.reason) for m in session.scalars(select(Message))}
    assert moved[int(delivered["customFields"]["waylineId"])][0] is MessageStatus.DELIVERED
    status, reason = moved[int(failed["customFields"]["waylineId"])]
    assert status is MessageStatus.FAILED and reason.endswith(": 변작된 발신번호 (3059)")
    assert moved[int(pending["customFields"]["waylineId"])][0] is MessageStatus.SENT

    header = anonymous_client.post("/api/providers/solapi/reports", content=json.dumps(events),
                                   headers={"X-Receipt-Secret": SECRET})
    assert [r["outcome"] for r in header.json()["results"]] == ["duplicate", "duplicate"]
    wrong = anonymous_client.post("/api/providers/solapi/reports?secret=nope", content="[]")
    assert wrong.status_code == 401
    unknown = anonymous_client.post(f"/api/providers/nhn/reports?secret={SECRET}", content="[]")
    assert unknown.status_code == 404
    garbage = anonymous_client.post(address, content=b"{not json")
    assert garbage.status_code == 422, garbage.text
    assert "not JSON" in garbage.text


def test_delivery_retrying_in_another_worker_looks_the_text_up_instead_of_sending_it_again(
        wayline, solapi_server):
    rt = wayline
    solapi = solapi_server(accept_then_fail=1)  # Solapi takes the first text; its answer is lost
    rt.adapters["sms"] = first = gateway_for(solapi)
    texting_journey(rt)
    drain(rt)
    first.close()
    with rt.sessions() as session:
        [waiting] = session.scalars(select(Message)).all()
    assert (waiting.status, waiting.attempts) == (MessageStatus.QUEUED, 1)
    rt.adapters["sms"] = other = gateway_for(solapi)  # the retry comes to another worker
    move(rt, timedelta(minutes=2))
    other.close()
    with rt.sessions() as session:
        [sent] = session.scalars(select(Message)).all()
    assert (sent.status, sent.attempts) == (MessageStatus.SENT, 2)
    assert solapi.sends() == 1 and sent.provider_id == solapi.messages[0]["messageId"]


def test_real_workers_send_a_journeys_texts_through_solapi_once_each(wayline, solapi_server,
                                                                     workers):
    solapi = solapi_server()
    texting_journey(wayline, customers=40)
    workers(**extra_for(solapi))  # configured by WAYLINE_SMS_PROVIDER=solapi and friends
    workers(**extra_for(solapi))
    wait_until(lambda: len(solapi.messages) >= 40, 120, "the texts at Solapi",
               lambda: f"{len(solapi.messages)} received")

    def ledger() -> dict[int, str | None]:
        with wayline.sessions() as session:
            return dict(session.execute(select(Message.id, Message.provider_id)
                                        .where(Message.status == MessageStatus.SENT)).all())

    wait_until(lambda: len(ledger()) == 40, 60, "the texts recorded as sent")
    sent = Counter(int(message["customFields"]["waylineId"]) for message in solapi.messages)
    assert set(sent.values()) == {1} and set(sent) == set(ledger())
    assert set(ledger().values()) == {message["messageId"] for message in solapi.messages}
