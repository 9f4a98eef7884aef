"""Why a customer went one way, in Korean: reasons made by the real rules, send policy, node
kinds and previews are said with their values kept and no English word left over."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import msgspec

from builder.i18n import words
from builder.ui.previews import run_preview
from builder.ui.reason_words import COPY_OF, said_preview, said_timeline, say_reason
from nodes import flow_delay, flow_split, flow_wait_event
from nodes.kit.profile import Profile
from nodes.kit.rules import Rule, evaluate, explain
from nodes.kit.spec import StepContext
from nodes.kit.values import Duration, Unit
from runtime.messaging import brakes
from runtime.messaging.policy import Cap, Outgoing, Rules, judge, window_from
from runtime.store.audit import SYSTEM
from server.schemas.customers import CustomerBulkIn
from server.schemas.previews import DryRunIn
from server.services import customers, dry_runs, starters
from tests.builder.ui.conftest import LiveApp, signed_in_services
from tests.builder.ui.test_preview import add_customers, vip_journey

KO = words("ko")

QUOTED = re.compile(r"'[^']*'")
KEPT = {"email", "sms", "Asia", "Seoul", "plan", "score", "city", "VIP", "Nudged", "Gold",
        "Active"}
"""Values a reason keeps as they are: channels' keys, a time zone's name, attributes' names,
the reasons a marketer typed on an exit step."""


def english_left(text: str) -> list[str]:
    """English words in a said reason, besides quoted values and KEPT ones."""
    return [word for word in re.findall(r"[A-Za-z]{2,}", QUOTED.sub("", text))
            if word not in KEPT]


def korean(text: str) -> str:
    said = say_reason(KO, text)
    assert english_left(said) == [], f"{text!r} → {said!r}"
    assert re.search(r"[가-힣]", said), said
    return said


NOW = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 22:30 in Seoul


def profile(**attributes) -> Profile:
    return Profile(id=1, external_id="c1", created_at=NOW, attributes=attributes,
                   tags=frozenset({"vip"}), consent={"sms": True})


def test_rule_explanations_keep_their_values() -> None:
    rule = msgspec.convert({"type": "and", "rules": [
        {"type": "attr", "field": "plan", "op": "eq", "value": "pro"},
        {"type": "attr", "field": "score", "op": "gte", "value": 20},
        {"type": "not", "rule": {"type": "tag", "tag": "vip"}},
        {"type": "or", "rules": [{"type": "attr", "field": "city", "op": "exists"},
                                 {"type": "event", "event": "order", "op": "gte", "count": 1,
                                  "within": {"amount": 7, "unit": "days"}}]}]},
        type=Rule)
    said = korean(explain(evaluate(rule, profile(plan="free", score=30), NOW)))
    assert said.startswith("모두 일치하지는 않음: ")
    assert "plan 값: 'free'; 조건: plan 같음 'pro'" in said
    assert "'vip' 태그 있음" in said and "최근 7일 동안 'order' 이벤트 0회; 필요: 1회 이상" in said
    assert "city 값: 없음" in said


def test_the_send_policy_says_why_in_korean() -> None:
    zone = ZoneInfo("Asia/Seoul")
    night = Rules(night=window_from("night-time", "21:00", "08:00"),
                  night_channels=frozenset({"sms"}), caps={"sms": Cap(2, 1)})
    message = Outgoing("sms", "marketing", {"sms": True}, zone)
    deferred = judge(message, night, [], NOW)
    assert korean(deferred.reason) == "야간 발송 제한: 21:00–08:00 마케팅 발송 안 함(Asia/Seoul)"
    skipped = judge(Outgoing("sms", "marketing", {"sms": True}, zone, when_blocked="skip"),
                    Rules(caps={"sms": Cap(2, 7)}), [NOW, NOW], NOW)
    assert korean(skipped.reason) == ("빈도 제한: 7일당 sms 마케팅 메시지 2건에 도달; "
                                      "발송 단계 설정에 따라 건너뜀")
    daily = judge(message, Rules(caps={"sms": Cap(1, 1)}), [NOW], NOW)
    assert korean(daily.reason) == "빈도 제한: 1일당 sms 마케팅 메시지 1건에 도달"
    refused = judge(Outgoing("email", "marketing", {}, zone), night, [], NOW)
    assert korean(refused.reason) == "email 마케팅 수신 동의 없음"
    quiet = window_from("quiet hours", "00:00", "00:00", [5, 6])
    weekend = judge(Outgoing("sms", "marketing", {"sms": True}, zone, quiet=(quiet,)),
                    Rules(), [], datetime(2026, 3, 7, 3, 0, tzinfo=UTC))
    assert korean(weekend.reason).startswith("발송 금지 시간: 토, 일 종일")


def test_durations_and_steps_from_the_engine() -> None:
    wait = f"waiting {Duration(amount=3, unit=Unit.DAYS).describe()}"
    assert korean(f"{wait}; the wait is over") == "3일 대기; 대기가 끝남"
    left = f"{wait}; left: exit criteria: did 'order'"
    assert korean(left) == "3일 대기; 이탈: 이탈 조건: 'order' 이벤트를 함"
    assert korean("stopped after 1,000 steps (a journey may not loop)").startswith("1,000단계")


def ask(app: LiveApp, journey_id: int, **command):
    return run_preview(signed_in_services(app, "editor"), journey_id,
                       msgspec.json.encode({"id": "r1", "revision": 1, **command}).decode(), KO)


def test_previews_answer_in_korean(live_app: LiveApp) -> None:
    add_customers(live_app)
    journey_id = vip_journey(live_app)
    # c3 is on the free plan: the clause that failed, said in Korean with its value.
    _, explained = ask(live_app, journey_id, op="explain", external_id="c3")
    reasons = [clause["reason"] for clause in explained["data"]["clauses"]]
    assert "plan 값: 'free'; 조건: plan 같음 'pro'" in reasons
    for text in [explained["data"]["summary"], *reasons]:
        assert english_left(text) == [], text
    # c2 scores 20: waits two days, then the reminder goes by email.
    _, path = ask(live_app, journey_id, op="path", external_id="c2")
    whys = [step["why"] for step in path["data"]["steps"]]
    assert any(why.startswith("2일 대기") for why in whys), whys
    assert path["data"]["entry_why"].startswith("진입 대상과 일치: 모두 일치: ")
    for text in [path["data"]["entry_why"], *whys]:
        assert english_left(text) == [], text
    # c4 gave no email consent: the message is held back, and says why.
    _, refused = ask(live_app, journey_id, op="path", external_id="c4")
    reasons = [step["message"]["reason"] for step in refused["data"]["steps"]
               if step.get("message")]
    assert reasons and all(reason == "email 마케팅 수신 동의 없음" for reason in reasons), reasons
    _, dry = ask(live_app, journey_id, op="dry_run", horizon_days=7)
    for note in dry["data"]["notes"]:
        assert english_left(note) == [], note


def test_a_timeline_says_the_ledger_and_the_steps() -> None:
    zone = ZoneInfo("Asia/Seoul")
    capped = judge(Outgoing("sms", "marketing", {"sms": True}, zone),
                   Rules(caps={"sms": Cap(1, 1)}), [NOW], NOW).reason
    items = [{"kind": "message", "reason": brakes.JOURNEY_PAUSED},
             {"kind": "message", "reason": capped},
             {"kind": "message", "reason": None},
             {"kind": "step", "detail": "waiting 1 day; the wait is over"},
             {"kind": "ended", "reason": "exit criteria: did 'order'"},
             {"kind": "event", "name": "order"}]
    said = said_timeline(KO, items)
    assert [item.get("reason") or item.get("detail") for item in said] == [
        "보류: 여정이 일시 중지됨", "빈도 제한: 1일당 sms 마케팅 메시지 1건에 도달", None,
        "1일 대기; 대기가 끝남", "이탈 조건: 'order' 이벤트를 함", None]
    assert said_timeline(words("en"), items) == items


def test_starters_and_copies_are_named_in_korean(live_app: LiveApp) -> None:
    for starter in starters.list_starters():
        for text in (KO(starter.name), KO(starter.description)):
            assert english_left(text.replace("VIP", "").replace("SMS", "")) == [], text
    journey_id = starters.create_from_starter(live_app.wayline, SYSTEM, "welcome").journey.id
    services = signed_in_services(live_app, "editor")
    copy = services.clone_journey(journey_id, copy_of=KO(COPY_OF))
    assert copy["journey"]["name"] == "Welcome series 사본"  # the stored name stays as typed
    assert services.clone_journey(journey_id)["journey"]["name"] == "Copy of Welcome series"


def test_the_node_kinds_reasons_are_said() -> None:
    ctx = StepContext(profile=profile(plan="free", score=3, renews="soon"), now=NOW,
                      timezone=ZoneInfo("Asia/Seoul"))

    def why(module, config: dict) -> str:
        return module.run(msgspec.convert(config, module.Config), ctx).why

    split = why(flow_split, {"branches": [
        {"key": "gold", "label": "Gold", "rule": {"type": "attr", "field": "plan", "op": "eq",
                                                  "value": "gold"}},
        {"key": "active", "label": "Active", "rule": {"type": "and", "rules": [
            {"type": "event", "event": "order", "op": "gte", "count": 1},
            {"type": "attr", "field": "score", "op": "gte", "value": 10}]}}]})
    assert korean(split) == ("일치하는 분기 없음: Gold 아님(plan 값: 'free'; 조건: plan 같음 "
                             "'gold'); Active 아님(모두 일치하지는 않음: 'order' 이벤트 0회; 필요: "
                             "1회 이상 | score 값: 3; 조건: score 이상 / 당일 또는 이후 10)")
    until = why(flow_delay, {"mode": "time_of_day", "at": "09:00", "weekdays": ["tue"]})
    assert korean(until) == "화 2026-03-03 09:00 Asia/Seoul까지 대기"
    assert korean(why(flow_delay, {"mode": "date_attribute", "attribute": "renews",
                                   "at": "09:00"})) == (
        "'renews' 값이 날짜가 아니어서('soon') 고객이 대기하지 않고 다음 단계로 갑니다")
    assert korean(why(flow_wait_event, {"event": "order", "timeout": {
        "amount": 1, "unit": "hours"}})) == "'order' 이벤트를 최대 1시간 대기"


def test_a_sampled_dry_run_notes_in_korean(live_app: LiveApp) -> None:
    items = [{"external_id": f"k{i:03d}"} for i in range(150)]
    customers.upsert_bulk(live_app.wayline, msgspec.convert({"items": items}, CustomerBulkIn))
    journey_id = starters.create_from_starter(live_app.wayline, SYSTEM, "welcome").journey.id
    result = dry_runs.dry_run(live_app.wayline, journey_id, DryRunIn(sample_limit=100, seed=1))
    notes = said_preview(KO, "dry_run", msgspec.to_builtins(result))["notes"]
    assert "진입 대상 고객은 150명입니다. 그중 100명을 무작위로 골라" in notes[0]
    assert any("'signup' 이벤트를 한 것으로" in note for note in notes), notes
    for note in notes:
        assert english_left(note) == [], note
