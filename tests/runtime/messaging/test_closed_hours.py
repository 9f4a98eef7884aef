"""A channel's closed hours (`ChannelSpec.closed`: Brand Message, 20:50–08:00 Seoul time) in the
send policy, with the clock moved: they hold every message on the channel — marketing with
night-time consent, in any customer's time zone — until they end, deferred or skipped as the
step says; other channels are not held by them. Labels and the SMS fallback of the content a
Brand Message send stores are here too."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from nodes.kit.profile import Profile
from runtime.messaging.compliance import MessageRules
from runtime.messaging.content import send_content
from runtime.messaging.policy import Outgoing, Rules, Verdict, judge, window_from
from runtime.messaging.rendering import TemplateCache
from tests.runtime.messaging.test_content import Draft

SEOUL, NEW_YORK = ZoneInfo("Asia/Seoul"), ZoneInfo("America/New_York")
NIGHT_OK = {"brand": {"marketing": True, "night": True}, "sms": {"marketing": True,
                                                                 "night": True}}
RULES = Rules(night=window_from("night-time", "21:00", "08:00"),
              night_channels=frozenset({"brand", "sms"}))


def seoul(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SEOUL).astimezone(UTC)


def decide(now: datetime, channel: str = "brand", zone: ZoneInfo = SEOUL,
           when_blocked: str = "defer") -> tuple[Verdict, datetime | None, str | None]:
    decision = judge(Outgoing(channel, "marketing", NIGHT_OK, zone, when_blocked=when_blocked),
                     RULES, [], now)
    return decision.verdict, decision.retry_at, decision.reason


@pytest.mark.parametrize(("now", "held"), [
    (seoul(20, 49), False), (seoul(20, 50), True), (seoul(23, 30), True),
    (seoul(7, 59, day=3), True), (seoul(8, 0, day=3), False)])
def test_brand_messages_wait_from_2050_to_0800_seoul_time_whatever_the_night_consent(
        now: datetime, held: bool) -> None:
    verdict, retry_at, reason = decide(now)
    if not held:
        assert (verdict, retry_at) == (Verdict.SEND, None)
        return
    assert verdict is Verdict.DEFER and retry_at == seoul(8, 0, day=3)
    assert reason == "provider closed hours: no sending 20:50–08:00 (Asia/Seoul)"


def test_the_cut_off_keeps_seoul_time_for_a_customer_elsewhere_and_skip_skips() -> None:
    # 09:00 in New York is 23:00 in Seoul: the provider is closed whatever the customer's clock
    verdict, retry_at, _ = decide(seoul(23, 0), zone=NEW_YORK)
    assert verdict is Verdict.DEFER and retry_at == seoul(8, 0, day=3)
    verdict, retry_at, reason = decide(seoul(21, 30), when_blocked="skip")
    assert verdict is Verdict.SKIP and retry_at is None and "skipped" in reason


def test_other_channels_and_transactional_sends_elsewhere_are_not_held() -> None:
    assert decide(seoul(20, 55), channel="sms")[0] is Verdict.SEND  # night consent given
    transactional = judge(Outgoing("brand", "transactional", {}, SEOUL), RULES, [],
                          seoul(22, 0))
    assert transactional.verdict is Verdict.DEFER  # closed to every purpose
    assert judge(Outgoing("sms", "transactional", {}, SEOUL), RULES, [],
                 seoul(22, 0)).verdict is Verdict.SEND


def test_a_brand_message_is_labelled_and_its_sms_fallback_is_the_labelled_text() -> None:
    minji = Profile(id=7, external_id="c-7", created_at=datetime(2026, 1, 1, tzinfo=UTC),
                    phone="+821012345678", attributes={"name": "민지"})
    rules = MessageRules(opt_out_line="무료수신거부 080-123-4567")
    draft = Draft("brand", None, "", {"format": "carousel", "carousel": [
        {"header": "{{ customer.name }}님 카드", "text": "한정 특가", "asset": 1,
         "buttons": {"구매": "https://shop.example"}},
        {"header": "두 번째", "text": "오늘만", "asset": 2,
         "buttons": {"구매": "https://shop.example"}}]})
    content = send_content(draft, minji, {}, purpose="marketing", rules=rules,
                           options={"fallback": {"text": ""}}, cache=TemplateCache())
    assert content["text"] == ("(광고) 민지님 카드\n한정 특가\n두 번째\n오늘만\n"
                               "무료수신거부 080-123-4567")
    assert content["carousel"][0]["header"] == "민지님 카드"
    assert content["fallback"]["text"] == content["text"]
    assert content["fallback"]["type"] == "SMS" and content["fallback"]["to"] == "+821012345678"
