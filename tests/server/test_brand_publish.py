"""Brand Message eligibility when publishing, over the real app and databases: a journey whose
Brand Message targets M or N is refused, naming the step, until the workspace's Kakao profile
has 50,000 channel friends and an 080 opt-out number; targeting I (friends only) needs neither."""

from __future__ import annotations

from sqlalchemy import update

from runtime.store.models import Template
from runtime.store.sender_models import Sender
from tests.builder.journeys import document, edge, node


def brand_journey(client, targeting: str) -> int:
    """Event entry → a Brand Message (as the API makes them) → exit; the journey's id."""
    template = client.post("/api/templates", json={
        "channel": "brand", "name": f"Weekend {targeting}", "source": "주말 특가가 열렸어요.",
        "options": {"targeting": targeting, "format": "text"}})
    assert template.status_code == 201, template.text
    made = client.post("/api/journeys", json={"name": f"Weekend sale {targeting}",
                                              "document": document(
        [node("in", "entry.event", "Visited", {"event": "visit"}),
         node("brand", "action.send", "Weekend Brand Message",
              {"channel": "brand", "template": template.json()["id"]}),
         node("out", "flow.exit", "Done")],
        [edge("in", "brand", "next"), edge("brand", "out", "next")])})
    assert made.status_code == 201, made.text
    return made.json()["journey"]["id"]


def refused(client, journey_id: int) -> list[dict]:
    answer = client.post(f"/api/journeys/{journey_id}/publish")
    assert answer.status_code in (409, 422), answer.text
    return [issue for issue in answer.json()["issues"]
            if issue["code"] == "send.brand_not_eligible"]


def profile(app_context, friends: int | None, opt_out: str, **fields) -> None:
    now = app_context.now()
    with app_context.writing() as session:
        session.add(Sender(kind="kakao", value=fields.pop("value", "pf-1"), name="샵 채널",
                           status=fields.pop("status", "registered"), opt_out_number=opt_out,
                           friends=friends, is_default=fields.pop("is_default", True), note="",
                           created_at=now, updated_at=now))


def test_targeting_m_or_n_needs_an_eligible_kakao_profile(client, app_context):
    journey = brand_journey(client, "M")
    [none] = refused(client, journey)
    assert none["node_id"] == "brand" and none["field"] == "config.template"
    assert none["message"].startswith("Weekend Brand Message: the Brand Message 'Weekend M' "
                                      "targets M")
    assert "none is registered" in none["message"]

    profile(app_context, 12_000, "", value="pf-pending", status="pending",  # not registered
            is_default=False)
    profile(app_context, 12_000, "")
    problems = [issue["message"] for issue in refused(client, journey)]
    assert len(problems) == 2
    assert "'샵 채널' has 12,000" in problems[0] and "080 opt-out number" in problems[1]

    with app_context.writing() as session:
        session.execute(update(Sender).where(Sender.value == "pf-1").values(
            friends=50_000, opt_out_number="080-555-0100"))
    answer = client.post(f"/api/journeys/{journey}/publish")
    assert answer.status_code in (200, 201), answer.text


def test_friends_only_needs_no_eligibility_and_n_is_checked_like_m(client, app_context):
    friends_only = brand_journey(client, "I")
    assert client.post(f"/api/journeys/{friends_only}/publish").status_code in (200, 201)
    non_friends = brand_journey(client, "N")
    profile(app_context, 80_000, "")
    [missing] = refused(client, non_friends)
    assert "targets N" in missing["message"] and "has none" in missing["message"]
    with app_context.writing() as session:  # the template changes: the check reads it afresh
        session.execute(update(Template).where(Template.name == "Weekend N").values(
            options={"targeting": "I", "format": "text"}))
    assert client.post(f"/api/journeys/{non_friends}/publish").status_code in (200, 201)
