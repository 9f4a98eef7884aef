"""/api/insight/fatigue: the figures of a known week, paging the list, 422 on bad queries, and
who may read them — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from runtime.insight import roll_up
from runtime.messaging.workspace import SendPolicy, save_send_policy
from runtime.store.models import MessageStatus
from runtime.store.team_models import Role
from tests.runtime.harness import START
from tests.runtime.insight.fatigue_world import SEOUL, World, seoul

WEEK = "2026-02-23"  # the last complete week before START (Monday 2 March, Seoul)


@pytest.fixture
def fatigued(app_context):
    """Three customers' week of 23 February, an SMS cap of 2 a week, the summary rolled.

    f-0: four marketing SMS, unsubscribed the Sunday after; f-1: one SMS; f-2: three marketing
    emails (email is not capped) and a transactional SMS; f-3: three marketing SMS, one failed.
    """
    with app_context.writing() as session:
        world = World(session, 4)
        day = seoul(2026, 2, 24, 10)
        for n in range(4):
            world.message(world.runs[0], day, MessageStatus.SENT, day + timedelta(hours=n))
        world.event(world.runs[0], "unsubscribed", seoul(2026, 3, 1, 22), START)
        world.message(world.runs[1], day, MessageStatus.DELIVERED, day)
        for _ in range(3):
            world.message(world.runs[2], day, MessageStatus.SENT, day, channel="email")
        world.message(world.runs[2], day, MessageStatus.SENT, day, purpose="transactional")
        for status in (MessageStatus.SENT, MessageStatus.SENT, MessageStatus.FAILED):
            world.message(world.runs[3], day, status, day)
        save_send_policy(session, msgspec.convert(
            {"frequency_caps": [{"channel": "sms", "limit": 2, "days": 7}]}, SendPolicy), START)
    roll_up(app_context.runtime.sessions, START, SEOUL, keys=["fatigue"], force=True)
    return app_context


def test_the_report_of_a_known_week(fatigued, client):
    answer = client.get("/api/insight/fatigue", params={"weeks": 3})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["week"] == WEEK and report["zone"] == "Asia/Seoul"
    assert report["caps"] == [{"channel": "sms", "limit": 2, "days": 7, "per_week": 2}]
    assert report["messaged"] == 4
    counts = {b["messages"]: (b["customers"], b["marketing_customers"])
              for b in report["distribution"]}
    assert counts["1"] == (1, 1) and counts["2"] == (1, 1) and counts["3"] == (0, 1)
    assert counts["4"] == (2, 1) and counts["10+"] == (0, 0)
    over = report["over"]
    assert over["count"] == 1 and over["next_after"] is None
    assert [(c["external_id"], c["messages"], c["marketing"], c["channels"])
            for c in over["customers"]] == [("fatigue-0", 4, 4, {"sms": 4})]
    assert [(t["week"], t["messaged"], t["over"]) for t in report["trend"]] == [
        ("2026-02-09", 0, 0), ("2026-02-16", 0, 0), (WEEK, 4, 1)]
    assert report["trend"][-1]["share"] == 0.25
    leaving = {b["messages"]: (b["customers"], b["unsubscribed"], b["rate"])
               for b in report["unsubscribes"]}
    assert leaving["4"] == (2, 1, 0.5) and leaving["1"] == (1, 0, 0.0)
    assert leaving["5"] == (0, 0, None)
    assert report["rolled_at"] is not None


def test_any_day_names_its_week_and_the_list_pages(fatigued, client):
    with fatigued.writing() as session:
        save_send_policy(session, msgspec.convert(
            {"frequency_caps": [{"channel": "sms", "limit": 1, "days": 7}]}, SendPolicy), START)
    report = client.get("/api/insight/fatigue", params={"week": "2026-03-01"}).json()
    assert report["week"] == WEEK and report["over"]["count"] == 2
    first = client.get("/api/insight/fatigue/over", params={"week": WEEK, "limit": 1}).json()
    assert first["count"] == 2 and len(first["customers"]) == 1
    second = client.get("/api/insight/fatigue/over", params={
        "week": WEEK, "limit": 1, "after": first["next_after"]}).json()
    assert [c["external_id"] for c in first["customers"] + second["customers"]] == [
        "fatigue-0", "fatigue-3"]
    empty = client.get("/api/insight/fatigue", params={"week": "2026-03-09"}).json()
    assert empty["messaged"] == 0 and empty["over"]["count"] == 0


@pytest.mark.parametrize("params", [
    {"week": "2026-13-01"}, {"week": "last week"}, {"weeks": 0}, {"weeks": 53},
    {"weeks": "many"}, {"week": "1999-12-31"}])
def test_a_bad_query_is_refused_with_each_problem(fatigued, client, params):
    answer = client.get("/api/insight/fatigue", params=params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["issues"]


def test_a_bad_page_is_refused(fatigued, client):
    assert client.get("/api/insight/fatigue/over", params={"after": -1}).status_code == 422
    assert client.get("/api/insight/fatigue/over", params={"limit": 501}).status_code == 422


def test_everyone_signed_in_reads_it_and_nobody_else(fatigued, client_as, anonymous_client):
    assert client_as(Role.VIEWER).get("/api/insight/fatigue").status_code == 200
    assert client_as(Role.EDITOR).get("/api/insight/fatigue/over").status_code == 200
    assert anonymous_client.get("/api/insight/fatigue").status_code == 401
    assert anonymous_client.get("/insight/fatigue", follow_redirects=False).status_code in (
        302, 303, 401)
