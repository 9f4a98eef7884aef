"""Senders and AlimTalk review through the services: an admin registers sender numbers and
Kakao profiles (numbers checked, every change audited, one default per kind, the environment's
shown as registered defaults); publishing refuses a send step whose sender is not registered,
an altered advertising label, and an AlimTalk template Kakao has not approved — submitted and
polled through a provider (a real local HTTP server stands in for it) or set by hand."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from builder.i18n import words
from builder.i18n.messages import say
from nodes.kit.fields import Channel
from nodes.kit.profile import Profile
from runtime.errors import InvalidInputError, WrongStateError
from runtime.messaging.compliance import current_rules, install_rules
from runtime.messaging.content import send_content
from runtime.messaging.gateways import Review, ReviewStatus, TemplateDraft
from runtime.messaging.senders import use_senders
from runtime.messaging.workspace import load_wording
from runtime.run.jobs import provider_sync_job
from runtime.store.audit import SYSTEM
from runtime.store.models import Template
from runtime.store.team_models import AuditEvent, Role
from server.context import Wayline
from server.schemas.senders import ReviewSet, SenderIn
from server.schemas.templates import TemplateCreate, TemplateOptions
from server.services import journeys, senders, template_reviews, templates
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import START, add_journey
from tests.runtime.providers import Endpoint, http_server  # noqa: F401 - fixture

SEGMENT = {"rule": {"type": "attr", "field": "plan", "op": "eq", "value": "pro"}}


@pytest.fixture(autouse=True)
def forget_senders():
    """The senders a test loaded are this process's (as the wording is): forget them after."""
    yield
    use_senders(())


@pytest.fixture
def rules():
    """Change this process's message rules for a test (what the settings would give)."""
    previous = current_rules()

    def change(**values: Any) -> None:
        install_rules(replace(previous, **values))
    yield change
    install_rules(previous)


def sender(kind: str = "phone", value: str = "02-1234-5678", **values: Any) -> SenderIn:
    return SenderIn(kind=kind, value=value, name=values.pop("name", "웨이라인"), **values)


def template(wl: Wayline, channel: str, source: str, name: str = "Offer",
             **options: Any) -> int:
    return templates.create_template(wl, SYSTEM, TemplateCreate(
        channel=Channel(channel), name=name, source=source,
        options=TemplateOptions(**options))).id


def journey(wl: Wayline, channel: str, template_id: int, purpose: str = "marketing",
            **step: Any) -> int:
    config = {"channel": channel, "template": template_id, "purpose": purpose, **step}
    if channel == "kakao":
        config["sms_fallback"] = False
    draft = document([node("entry", "entry.segment", "Pro plan", SEGMENT),
                      node("send", "action.send", "Offer", config),
                      node("done", "flow.exit", "Done")],
                     [edge("entry", "send"), edge("send", "done", "next")])
    with wl.writing() as session:
        return add_journey(session, draft)


def refused(wl: Wayline, journey_id: int) -> dict[str, str]:
    """The errors publishing names, by code."""
    with pytest.raises(WrongStateError) as caught:
        journeys.publish_journey(wl, SYSTEM, journey_id)
    return {issue.code: issue.message for issue in caught.value.issues}


def test_numbers_are_checked_every_problem_at_once(app_context: Wayline):
    with pytest.raises(InvalidInputError) as caught:
        senders.save_sender(app_context, SYSTEM, SenderIn(
            kind="phone", value="12-34", name=" ", opt_out_number="02-123-4567",
            status="rejected"))
    fields = {issue["field"] for issue in caught.value.issues}
    assert fields == {"value", "name", "opt_out_number", "note"}
    saved = senders.save_sender(app_context, SYSTEM, sender(opt_out_number="080-123-4567",
                                                            status="registered"))
    assert (saved.value, saved.shown, saved.opt_out_number) == ("0212345678", "02-1234-5678",
                                                                 "0801234567")
    with pytest.raises(InvalidInputError) as caught:
        senders.save_sender(app_context, SYSTEM, sender(value="02 1234 5678"))
    assert caught.value.issues[0]["field"] == "value"  # the same number, written otherwise


def test_one_default_per_kind_and_every_change_audited(app_context: Wayline):
    first = senders.save_sender(app_context, SYSTEM, sender(status="registered",
                                                            is_default=True))
    second = senders.save_sender(app_context, SYSTEM, sender(value="1588-1234",
                                                             status="pending"))
    kakao = senders.save_sender(app_context, SYSTEM, sender(
        kind="kakao", value="a1b2c3d4e5f6", status="registered", is_default=True, friends=5200))
    changed = senders.save_sender(app_context, SYSTEM, replace_in(second, status="registered",
                                                                  is_default=True), second.id)
    listed = {entry.value: entry for entry in senders.list_senders(app_context)}
    assert changed.is_default and not listed[first.value].is_default
    assert listed[kakao.value].is_default and listed[kakao.value].friends == 5200
    senders.delete_sender(app_context, SYSTEM, first.id)
    with app_context.reading() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_kind == "sender").order_by(AuditEvent.id)))
    assert actions == ["sender.added", "sender.added", "sender.added", "sender.changed",
                       "sender.deleted"]


def replace_in(out: Any, **values: Any) -> SenderIn:
    fields = {name: getattr(out, name) for name in SenderIn.__struct_fields__}
    return SenderIn(**{**fields, **values})


def test_the_environments_senders_are_registered_defaults(app_context: Wayline, rules):
    rules(senders={"phone": "0299998888", "kakao": "envkey12345678"})
    listed = senders.list_senders(app_context)
    assert [(entry.kind, entry.shown, entry.status, entry.is_default, entry.from_environment)
            for entry in listed] == [("phone", "02-9999-8888", "registered", True, True),
                                     ("kakao", "…5678", "registered", True, True)]
    assert all("envkey" not in entry.value for entry in listed)  # a secret: never shown


def test_the_settings_give_each_kind_its_environment_sender():
    from runtime.messaging.compliance import rules_from_settings
    from runtime.settings import Settings

    brand_only = rules_from_settings(Settings(brand_sender_key="brandkey5678"))
    assert brand_only.senders == {"kakao": "brandkey5678"}  # a Brand Message profile counts
    both = rules_from_settings(Settings(sms_sender="0299998888", kakao_sender_key="alimkey",
                                        brand_sender_key="brandkey5678"))
    assert both.senders == {"phone": "0299998888", "kakao": "alimkey"}


def test_publishing_refuses_a_sender_that_is_not_registered(app_context: Wayline):
    pending = senders.save_sender(app_context, SYSTEM, sender(status="pending"))
    offer = template(app_context, "sms", "오늘만 특가 안내")
    picked = journey(app_context, "sms", offer, sender="02-1234-5678")
    message = refused(app_context, picked)["send.sender_not_registered"]
    assert "Offer" in message and "02-1234-5678" in message and "pending" in message
    unknown = journey(app_context, "sms", offer, sender="02-5555-6666")
    assert "02-5555-6666" in refused(app_context, unknown)["send.sender_unknown"]
    senders.save_sender(app_context, SYSTEM, replace_in(pending, status="registered",
                                                        opt_out_number="0801234567"), pending.id)
    journeys.publish_journey(app_context, SYSTEM, picked)


def test_a_live_channel_needs_a_registered_sender_with_a_name(app_context: Wayline, rules):
    rules(live_channels=frozenset({"sms"}), opt_out_line="")
    offer = template(app_context, "sms", "오늘만 특가 안내")
    draft = journey(app_context, "sms", offer)
    codes = refused(app_context, draft)
    assert "send.no_sender" in codes and "send.no_opt_out_line" in codes
    rules(live_channels=frozenset({"sms"}), opt_out_line="", senders={"phone": "0299998888"})
    assert "send.no_sender_name" in refused(app_context, draft)  # the environment's: no name
    senders.save_sender(app_context, SYSTEM, sender(status="registered", is_default=True,
                                                    opt_out_number="0801234567"))
    journeys.publish_journey(app_context, SYSTEM, draft)


def test_the_label_names_the_sender_and_the_line_its_080_number(app_context: Wayline, rules):
    rules(opt_out_line="")
    senders.save_sender(app_context, SYSTEM, sender(status="registered", is_default=True,
                                                    opt_out_number="0801234567"))
    senders.save_sender(app_context, SYSTEM, sender(value="1588-1234", name="웨이라인 스토어",
                                                    status="registered"))
    with app_context.reading() as session:
        offer = session.get(Template, template(app_context, "sms", "오늘만 특가 안내"))
        load_wording(session)
        content = send_content(offer, profile(), {}, purpose="marketing")
        picked = send_content(offer, profile(), {}, purpose="marketing",
                              options={"sender": "15881234"})
        plain = send_content(offer, profile(), {}, purpose="transactional")
    assert content["text"] == "(광고) 웨이라인 오늘만 특가 안내\n무료수신거부 080-123-4567"
    assert content["from"] == "0212345678"
    assert picked["from"] == "15881234" and picked["text"].startswith("(광고) 웨이라인 스토어 ")
    assert plain["text"] == "오늘만 특가 안내" and plain["from"] == "0212345678"


def test_kakao_goes_from_its_profile_and_its_fallback_from_the_number(app_context: Wayline):
    senders.save_sender(app_context, SYSTEM, sender(status="registered", is_default=True))
    senders.save_sender(app_context, SYSTEM, sender(kind="kakao", value="a1b2c3d4e5f6",
                                                    name="웨이라인 채널", status="registered",
                                                    is_default=True))
    shipped = template(app_context, "kakao", "#{name}님, 상품이 출발했어요.",
                       template_code="SHIPPED", variables={"name": "민지"})
    with app_context.reading() as session:
        load_wording(session)
        content = send_content(session.get(Template, shipped), profile(), {},
                               purpose="transactional", options={"fallback": {"text": ""}})
    assert content["sender_key"] == "a1b2c3d4e5f6" and "from" not in content
    assert content["fallback"]["from"] == "0212345678"


def profile() -> Profile:
    return Profile(id=1, external_id="c1", created_at=START, phone="+821012345678")


@pytest.mark.parametrize("text", ["[광고] 오늘만 특가", "(광/고) 오늘만 특가", "( 광고 ) 특가",
                                  "광고) 특가", "특가 안내 (광고)"])
def test_an_altered_label_is_refused_with_the_field(app_context: Wayline, text: str):
    with pytest.raises(InvalidInputError) as caught:
        template(app_context, "sms", text)
    assert [issue["field"] for issue in caught.value.issues] == ["source"]
    assert "(광고)" in caught.value.issues[0]["message"]


def test_alimtalk_variables_and_promotional_words(app_context: Wayline):
    with pytest.raises(InvalidInputError) as caught:
        template(app_context, "kakao", "#{name}님, 주문하신 #{item}이 출발했어요.",
                 template_code="SHIPPED", variables={"name": "{{ customer.first_name }}"})
    assert [issue["field"] for issue in caught.value.issues] == ["options.variables"]
    assert "#{item}" in caught.value.issues[0]["message"]
    saved = templates.create_template(app_context, SYSTEM, TemplateCreate(
        channel=Channel("kakao"), name="Coupon", source="#{name}님, 20% 할인 쿠폰이 도착했어요.",
        options=TemplateOptions(template_code="COUPON", variables={"name": "x", "unused": "y"})))
    warned = [warning.message for warning in saved.warnings]
    assert any("advertising" in message and "할인" in message for message in warned)
    assert any("'unused' is never used" in message for message in warned)


class KakaoReviews:
    """The provider's template review API, as a gateway would call it: real HTTP to a local
    server standing in for the provider (the outside world)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def submit_template(self, draft: TemplateDraft) -> Review:
        return self._call({"submit": draft.code, "text": draft.text,
                           "sender_key": draft.sender_key})

    def review(self, code: str) -> Review:
        return self._call({"review": code})

    def _call(self, body: dict[str, str]) -> Review:
        request = urllib.request.Request(self.endpoint.url, json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            found = json.loads(answer.read())
        return Review(found["code"], ReviewStatus(found["status"]), found.get("reason"))


def answer(status: str, reason: str = "") -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/json"}, json.dumps(
        {"code": "SHIPPED", "status": status, "reason": reason})


def test_submit_poll_and_publish_only_when_approved(app_context: Wayline,
                                                    http_server):  # noqa: F811
    provider = http_server(answers=[answer("under_review"), answer("under_review"),
                                    answer("rejected", "변수 설명 부족"),
                                    answer("approved")])
    app_context.runtime.adapters["kakao"] = KakaoReviews(provider)
    senders.save_sender(app_context, SYSTEM, sender(kind="kakao", value="a1b2c3d4e5f6",
                                                    status="registered", is_default=True))
    shipped = template(app_context, "kakao", "#{name}님, 주문하신 상품이 출발했어요.",
                       template_code="SHIPPED", variables={"name": "{{ customer.first_name }}"})
    draft = journey(app_context, "kakao", shipped, purpose="transactional")
    submitted = template_reviews.submit_review(app_context, SYSTEM, shipped)
    assert (submitted.status, submitted.can_submit) == ("under_review", True)
    assert provider.requests[0].body == {"submit": "SHIPPED", "sender_key": "a1b2c3d4e5f6",
                                         "text": "#{name}님, 주문하신 상품이 출발했어요."}
    assert "under review" in refused(app_context, draft)["send.template_not_approved"]

    provider_sync_job(force=True)  # the provider still says under review
    assert template_reviews.get_review(app_context, shipped).status == "under_review"
    figures = provider_sync_job(force=True)
    assert figures["template_reviews"] == {"asked": 1, "changed": 1}
    rejected = template_reviews.get_review(app_context, shipped)
    assert (rejected.status, rejected.reason) == ("rejected", "변수 설명 부족")
    said = refused(app_context, draft)["send.template_not_approved"]
    assert "변수 설명 부족" in said
    assert "카카오가 반려했습니다: 변수 설명 부족" in say(words("ko"), said)  # a Korean page
    provider_sync_job(force=True)  # a rejected template is not asked about again
    assert len(provider.requests) == 3
    assert template_reviews.refresh_review(app_context, SYSTEM, shipped).status == "approved"
    journeys.publish_journey(app_context, SYSTEM, draft)


def test_without_a_reviewing_provider_an_admin_sets_the_status(app_context: Wayline):
    shipped = template(app_context, "kakao", "#{name}님, 주문하신 상품이 출발했어요.",
                       template_code="SHIPPED", variables={"name": "{{ customer.first_name }}"})
    draft = journey(app_context, "kakao", shipped, purpose="transactional")
    assert template_reviews.get_review(app_context, shipped).can_submit is False
    with pytest.raises(WrongStateError, match="provider's console"):
        template_reviews.submit_review(app_context, SYSTEM, shipped)
    journeys.publish_journey(app_context, SYSTEM, draft)  # the outbox: nothing leaves Wayline
    with pytest.raises(InvalidInputError):
        template_reviews.set_review(app_context, SYSTEM, shipped, ReviewSet(status="rejected"))
    template_reviews.set_review(app_context, SYSTEM, shipped,
                                ReviewSet(status="rejected", reason="광고성 문구 포함"))
    second = journey(app_context, "kakao", shipped, purpose="transactional")
    assert "광고성 문구 포함" in refused(app_context, second)["send.template_not_approved"]
    review = template_reviews.set_review(app_context, SYSTEM, shipped,
                                         ReviewSet(status="approved"))
    assert (review.provider, review.code, review.status) == ("manual", "SHIPPED", "approved")
    journeys.publish_journey(app_context, SYSTEM, second)


def test_publishing_refuses_an_altered_label_or_an_image_only_ad(app_context: Wayline):
    with app_context.writing() as session:  # stored before the template checks existed
        altered = Template(channel="sms", name="Old offer", subject=None,
                           source="[광고] 오늘만 특가", options={})
        pictured = Template(channel="sms", name="Poster", subject=None, source=" ",
                            options={"images": [1]})
        session.add_all([altered, pictured])
        session.flush()
        ids = altered.id, pictured.id
    message = refused(app_context, journey(app_context, "sms", ids[0]))["send.ad_label"]
    assert "'Old offer'" in message and "'[광고]'" in message and "(광고)" in message
    message = refused(app_context, journey(app_context, "sms", ids[1]))["send.ad_label"]
    assert "image only" in message
    transactional = journey(app_context, "sms", ids[0], purpose="transactional")
    journeys.publish_journey(app_context, SYSTEM, transactional)  # not an ad: no label asked


def test_the_environments_kakao_key_is_never_named_in_full(app_context: Wayline, rules):
    rules(live_channels=frozenset({"kakao"}), senders={"kakao": "envkey12345678"},
          opt_out_line="무료수신거부 080-123-4567")
    shipped = template(app_context, "kakao", "#{name}님, 새 소식이 있어요.",
                       template_code="NEWS", variables={"name": "민지"})
    template_reviews.set_review(app_context, SYSTEM, shipped, ReviewSet(status="approved"))
    problems = refused(app_context, journey(app_context, "kakao", shipped))
    assert set(problems) == {"send.no_sender_name"}
    assert "…5678" in problems["send.no_sender_name"]
    assert "envkey" not in problems["send.no_sender_name"]


def test_the_api_lists_refuses_and_changes_senders_and_reviews(admin_client, client_as,
                                                               app_context: Wayline):
    bad = admin_client.post("/api/senders", json={"kind": "phone", "value": "12", "name": ""})
    assert bad.status_code == 422
    assert {issue["field"] for issue in bad.json()["issues"]} == {"value", "name"}
    added = admin_client.post("/api/senders", json={
        "kind": "phone", "value": "010-1234-5678", "name": "웨이라인", "status": "pending"})
    assert added.status_code == 201 and added.json()["value"] == "01012345678"
    editor = client_as(Role.EDITOR)
    assert editor.get("/api/senders").json()[0]["shown"] == "010-1234-5678"
    assert editor.put(f"/api/senders/{added.json()['id']}", json={
        "kind": "phone", "value": "01012345678", "name": "x"}).status_code == 403
    shipped = template(app_context, "kakao", "#{name}님, 상품이 출발했어요.",
                       template_code="SHIPPED", variables={"name": "민지"})
    assert editor.get(f"/api/templates/{shipped}/review").json()["status"] is None
    assert editor.post(f"/api/templates/{shipped}/review").status_code == 409  # the outbox
    set_by_hand = admin_client.put(f"/api/templates/{shipped}/review",
                                   json={"status": "rejected", "reason": "광고성 문구"})
    assert set_by_hand.json()["reason"] == "광고성 문구"
    assert admin_client.delete(f"/api/senders/{added.json()['id']}").status_code == 204


def test_a_review_while_the_provider_is_down_answers_503_and_changes_nothing(
        client_as, app_context: Wayline, http_server):  # noqa: F811
    provider = http_server(answers=[(503, {"Content-Type": "text/plain"}, "maintenance")])
    app_context.runtime.adapters["kakao"] = KakaoReviews(provider)
    senders.save_sender(app_context, SYSTEM, sender(kind="kakao", value="a1b2c3d4e5f6",
                                                    status="registered", is_default=True))
    shipped = template(app_context, "kakao", "#{name}님, 상품이 출발했어요.",
                       template_code="SHIPPED", variables={"name": "민지"})
    editor = client_as(Role.EDITOR)
    down = editor.post(f"/api/templates/{shipped}/review")
    assert down.status_code == 503 and int(down.headers["Retry-After"]) > 0
    assert down.json()["issues"][0]["code"] == "outage.provider"
    assert "not answering" in down.json()["detail"]
    assert len(provider.requests) == 1
    assert editor.get(f"/api/templates/{shipped}/review").json()["status"] is None
