"""The journey dashboard against a brute-force count over the same random runs, messages and
events, rolled up into insight_days; its range checks, CSV files and who may read it."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from runtime.insight import roll_up
from runtime.insight.measures import TO_CONVERT, to_convert_bucket
from runtime.messaging.tracking import CLICKED as CLICK_EVENT
from runtime.messaging.tracking import OPENED as OPEN_EVENT
from runtime.messaging.unsubscribe import UNSUBSCRIBED_EVENT
from runtime.store.models import (
    Event,
    Journey,
    Message,
    MessageStatus,
)
from runtime.store.team_models import Role
from server.services.dashboard import MAX_DAYS
from tests.runtime.harness import add_customers, add_journey, golden
from tests.runtime.insight.worlds import converting_run, published_twice

GOAL = "order_completed"
SEND_STEPS = {"hello": "Welcome", "tips": "Tips", "offer": "-20% offer"}
"""The welcome series' send steps in path order, and their labels (the last one would run as
a formula in a spreadsheet)."""
LEFT = (MessageStatus.SENT, MessageStatus.DELIVERED)
CHANNEL_NAMES = {"email": "Email", "sms": "SMS", "kakao": "KakaoTalk"}
BUCKET_LABELS = ["≤ 1 hour", "1–6 hours", "6–24 hours", "1–3 days", "3–7 days", "7–30 days",
                 "Over 30 days"]


def make_document() -> dict[str, Any]:
    document = golden("welcome_series", first=1, second=2)
    for node in document["nodes"]:
        if node["id"] in SEND_STEPS:
            node["data"]["label"] = SEND_STEPS[node["id"]]
    document["settings"]["goal"] = {"event": GOAL, "within": {"amount": 7, "unit": "days"},
                                    "exit": False, "value": "total"}
    return document


def make_world(session: Session, now: datetime, seed: int) -> dict[str, Any]:
    """Random runs over the 70 days before `now` on two published versions, each with
    messages from the send steps and, for some, a goal event with a revenue (a number, text
    that reads as one, or none)."""
    rng = random.Random(seed)
    customers = add_customers(session, 150, now - timedelta(days=90))
    journey_id, versions = published_twice(session, make_document, now - timedelta(days=80),
                                           "Welcome series")
    session.get(Journey, journey_id).live_version_id = versions[1]
    runs, messages, events = [], [], []
    for index, customer_id in enumerate(customers):
        entered = now - timedelta(minutes=rng.randrange(70 * 24 * 60))
        run = converting_run(session, rng, journey_id, versions[index % 2], customer_id, index,
                             entered, now, 0.4, [0.5, 3, 20, 50, 100, 400, 900])
        converted = run.converted_at
        runs.append(run)
        for offset, node_id in enumerate(SEND_STEPS):
            made = entered + timedelta(hours=offset * 30 + 1)
            if made > now or rng.random() < 0.2:
                continue
            status = rng.choice(list(MessageStatus))
            sent = made + timedelta(minutes=5) if status in LEFT else None
            messages.append(Message(run_id=run.id, node_id=node_id, journey_id=journey_id,
                                    customer_id=customer_id, status=status, sent_at=sent,
                                    channel=rng.choice(list(CHANNEL_NAMES)),
                                    created_at=made, updated_at=made))
        if converted is not None:
            total = rng.choice([12900, "8,500", 3300.5, None])
            events.append(Event(customer_id=customer_id, name=GOAL,
                                properties={} if total is None else {"total": total},
                                occurred_at=converted))
    session.add_all(messages + events)
    session.flush()
    tracking = _tracking(messages, now, random.Random(seed + 1))
    session.add_all(tracking)
    session.flush()
    return {"journey_id": journey_id, "versions": versions, "runs": runs,
            "messages": messages, "events": events, "tracking": tracking}


def _tracking(messages: list[Message], now: datetime, rng: random.Random) -> list[Event]:
    """Opens (one a message, as tracking records them), clicks (some messages twice: only the
    first counts) and unsubscribes, hours to days after messages that left."""
    made = []
    for message in messages:
        if message.sent_at is None or rng.random() < 0.5:
            continue
        about = {"message_id": message.id, "journey_id": message.journey_id,
                 "node_id": message.node_id}
        opened = message.sent_at + timedelta(hours=rng.choice([1, 10, 30, 60]))
        moments = [(OPEN_EVENT, opened, about)]
        if rng.random() < 0.5:
            moments += [(CLICK_EVENT, opened + timedelta(hours=hours), about)
                        for hours in rng.sample([0, 5, 26], rng.choice([1, 2]))]
        if rng.random() < 0.15:
            moments.append((UNSUBSCRIBED_EVENT, opened + timedelta(hours=1),
                            {"channel": message.channel}))
        made += [Event(customer_id=message.customer_id, name=name, properties=properties,
                       occurred_at=at) for name, at, properties in moments if at <= now]
    return made


def _revenue(value: Any) -> float:
    if isinstance(value, str):
        return float(value.replace(",", ""))
    return float(value or 0)


def _brute_force(world: dict[str, Any], first: date, last: date, zone: ZoneInfo,
                 version_id: int | None = None) -> dict[str, Any]:
    """Every figure of the dashboard, by walking the raw rows one by one."""
    def day(instant: datetime) -> date:
        return instant.astimezone(zone).date()

    runs = [run for run in world["runs"]
            if version_id is None or run.journey_version_id == version_id]
    run_ids = {run.id for run in runs}
    revenue_of = {(event.customer_id, event.occurred_at): _revenue(event.properties.get("total"))
                  for event in world["events"]}

    def totals(start: date, end: date) -> dict[str, Any]:
        entered = [run for run in runs if start <= day(run.entered_at) <= end]
        converted = [run for run in runs
                     if run.converted_at and start <= day(run.converted_at) <= end]
        sent = [message for message in world["messages"] if message.run_id in run_ids
                and message.status in LEFT and start <= day(message.created_at) <= end]
        return {"entered": len(entered), "converted": len(converted),
                "rate": len(converted) / len(entered) if entered else None,
                "revenue": sum(revenue_of[(run.customer_id, run.converted_at)]
                               for run in converted), "sent": len(sent)}

    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    entries, conversions, revenue = Counter(), Counter(), defaultdict(float)
    buckets: Counter[str] = Counter()
    for run in runs:
        entries[day(run.entered_at)] += 1
        if run.converted_at and first <= day(run.converted_at) <= last:
            conversions[day(run.converted_at)] += 1
            revenue[day(run.converted_at)] += revenue_of[(run.customer_id, run.converted_at)]
            buckets[to_convert_bucket((run.converted_at - run.entered_at).total_seconds())] += 1
    engagement = _engagement_by_day(world, run_ids, day)
    sent_by_channel: Counter[tuple[date, str]] = Counter()
    for message in world["messages"]:
        if message.run_id in run_ids and message.status in LEFT and \
                first <= day(message.created_at) <= last:
            sent_by_channel[day(message.created_at), message.channel] += 1
    channels = sorted({channel for _day, channel in sent_by_channel})
    by_channel: Counter[tuple[str, str]] = Counter()
    by_step: Counter[str] = Counter()
    for message in world["messages"]:
        if message.run_id in run_ids and first <= day(message.created_at) <= last:
            by_channel[(message.channel, message.status.value)] += 1
            by_step[message.node_id] += 1
    statuses = [status.value for status in (MessageStatus.SENT, MessageStatus.DELIVERED,
                                            MessageStatus.QUEUED, MessageStatus.DEFERRED,
                                            MessageStatus.HELD, MessageStatus.FAILED,
                                            MessageStatus.SUPPRESSED)
                if any(seen == status.value for _, seen in by_channel)]
    span = len(days)
    now = totals(first, last)
    return {
        "totals": now,
        "previous": totals(first - timedelta(days=span), first - timedelta(days=1)),
        "entries": [[d.isoformat(), entries[d]] for d in days],
        "conversions": [[d.isoformat(), conversions[d]] for d in days],
        "revenue": [[d.isoformat(), revenue[d]] for d in days],
        "engagement": [[d.isoformat(), *(engagement[measure][d] for measure in (
            "sent", "opened", "clicked", "unsubscribed"))] for d in days],
        "channels": (["day", *channels], [[d.isoformat(), *(sent_by_channel[d, channel]
                                                            for channel in channels)]
                                          for d in days]),
        "messages": (["channel", *statuses],
                     [[CHANNEL_NAMES[channel],
                       *(by_channel[(channel, status)] for status in statuses)]
                      for channel in sorted({channel for channel, _ in by_channel})]),
        "funnel": [["Entered", now["entered"]],
                   *([label, by_step[node_id]] for node_id, label in SEND_STEPS.items()),
                   ["Converted", now["converted"]]],
        "to_convert": [[label, buckets[key]] for (key, _), label
                       in zip(TO_CONVERT, BUCKET_LABELS, strict=True)] if buckets else [],
    }


def _engagement_by_day(world: dict[str, Any], run_ids: set[int],
                       day: Any) -> dict[str, Counter[date]]:
    """Per measure and local day: messages that left (by the day they were made), first opens,
    each message's first click, and unsubscribes credited to the customer's last message on
    that channel before them."""
    counted: dict[str, Counter[date]] = defaultdict(Counter)
    messages = {message.id: message for message in world["messages"]}
    for message in messages.values():
        if message.run_id in run_ids and message.status in LEFT:
            counted["sent"][day(message.created_at)] += 1
    clicked: set[int] = set()
    for event in sorted(world["tracking"], key=lambda event: (event.occurred_at, event.id)):
        if event.name == UNSUBSCRIBED_EVENT:
            before = [message for message in messages.values()
                      if message.customer_id == event.customer_id and message.sent_at
                      and message.channel == event.properties["channel"]
                      and message.sent_at <= event.occurred_at]
            last = max(before, key=lambda message: (message.sent_at, message.id))
            if last.run_id in run_ids:
                counted["unsubscribed"][day(event.occurred_at)] += 1
            continue
        message = messages[event.properties["message_id"]]
        if message.run_id not in run_ids:
            continue
        if event.name == OPEN_EVENT:
            counted["opened"][day(event.occurred_at)] += 1
        elif message.id not in clicked:
            clicked.add(message.id)
            counted["clicked"][day(event.occurred_at)] += 1
    return counted


@pytest.fixture
def world(app_context) -> dict[str, Any]:
    """The random world, rolled up into insight_days the way the sweeper's job does."""
    with app_context.writing() as session:
        made = make_world(session, app_context.now(), seed=20)
        session.commit()
    zone = ZoneInfo(app_context.settings.timezone)
    assert roll_up(app_context.writing, app_context.now(), zone, keys=["journey_days"],
                   force=True) == {"journey_days": True}
    return made


def _charts(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {chart["name"]: chart for chart in body["charts"]}


def _assert_matches(body: dict[str, Any], expected: dict[str, Any]) -> None:
    for period in ("totals", "previous"):
        want = expected[period]
        got = body[period]
        assert {key: got[key] for key in ("entered", "converted", "sent")} == \
            {key: want[key] for key in ("entered", "converted", "sent")}, period
        assert got["revenue"] == pytest.approx(want["revenue"])
        assert got["rate"] == pytest.approx(want["rate"])
    charts = _charts(body)
    assert charts["entries"]["rows"] == expected["entries"]
    assert charts["conversions"]["rows"] == expected["conversions"]
    assert [row[0] for row in charts["revenue"]["rows"]] == \
        [row[0] for row in expected["revenue"]]
    assert [row[1] for row in charts["revenue"]["rows"]] == \
        pytest.approx([row[1] for row in expected["revenue"]])
    dimensions, rows = expected["messages"]
    assert (charts["messages"]["dimensions"], charts["messages"]["rows"]) == (dimensions, rows)
    assert charts["engagement"]["rows"] == expected["engagement"]
    dimensions, rows = expected["channels"]
    assert (charts["channels"]["dimensions"], charts["channels"]["rows"]) == (dimensions, rows)
    assert charts["funnel"]["rows"] == expected["funnel"]
    assert charts["to_convert"]["rows"] == expected["to_convert"]


def test_the_dashboard_matches_a_brute_force_count(client, app_context, world):
    zone = ZoneInfo(app_context.settings.timezone)
    today = app_context.now().astimezone(zone).date()
    journey_id = world["journey_id"]

    answer = client.get(f"/api/journeys/{journey_id}/dashboard")  # the last 30 days
    assert answer.status_code == 200, answer.text
    body = answer.json()
    first = today - timedelta(days=29)
    assert (body["first"], body["last"]) == (first.isoformat(), today.isoformat())
    assert (body["previous_first"], body["previous_last"]) == (
        (first - timedelta(days=30)).isoformat(), (first - timedelta(days=1)).isoformat())
    assert (body["published"], body["versions"], body["version"]) == (True, [2, 1], None)
    assert body["updated_at"] is not None and body["name"] == "Welcome series"
    expected = _brute_force(world, first, today, zone)
    assert expected["totals"]["entered"] and expected["totals"]["converted"]  # a real test
    assert expected["previous"]["entered"] and expected["to_convert"]
    assert all(sum(row[column] for row in expected["engagement"]) for column in range(1, 5))
    _assert_matches(body, expected)

    first, last = today - timedelta(days=40), today - timedelta(days=27)
    for number, version_id in ((None, None), (1, world["versions"][0]),
                               (2, world["versions"][1])):
        query = f"from={first}&to={last}" + (f"&version={number}" if number else "")
        answer = client.get(f"/api/journeys/{journey_id}/dashboard?{query}")
        assert answer.status_code == 200, answer.text
        _assert_matches(answer.json(), _brute_force(world, first, last, zone, version_id))


def test_each_chart_is_a_csv_file_of_the_same_rows(client, world):
    journey_id = world["journey_id"]
    body = client.get(f"/api/journeys/{journey_id}/dashboard?from=2026-01-20&to=2026-03-01")
    for chart in body.json()["charts"]:
        answer = client.get(f"/api/journeys/{journey_id}/dashboard/{chart['name']}.csv"
                            "?from=2026-01-20&to=2026-03-01")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/csv")
        assert f'filename="{chart["name"]}.csv"' in answer.headers["content-disposition"]
        assert answer.content.startswith("\ufeff".encode())  # so Excel reads UTF-8
        header, *rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert header == chart["dimensions"]
        written = [[_js_string(value) for value in row] for row in chart["rows"]]
        assert rows == [[("'" + cell) if cell.startswith("-") and not _is_number(cell)
                         else cell for cell in row] for row in written]
    funnel = client.get(f"/api/journeys/{journey_id}/dashboard/funnel.csv").text
    assert "'-20% offer," in funnel  # a spreadsheet would run it as a formula
    assert client.get(f"/api/journeys/{journey_id}/dashboard/nope.csv").status_code == 404
    assert client.get(f"/api/journeys/{journey_id}/dashboard/funnel.txt").status_code == 404


def _js_string(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_labels_follow_the_callers_language(client, world):
    answer = client.get(f"/api/journeys/{world['journey_id']}/dashboard",
                        headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    charts = _charts(answer.json())
    assert charts["funnel"]["rows"][0][0] == "진입"
    assert charts["to_convert"]["labels"]["time_to_convert"] != "Time to convert"
    assert charts["to_convert"]["rows"][0][0] == "1시간 이내"
    assert charts["entries"]["labels"]["day"] == "날짜"


def test_a_journey_never_published_has_empty_figures(client, app_context):
    with app_context.writing() as session:
        journey_id = add_journey(session, make_document(), "Draft only")
        session.commit()
    body = client.get(f"/api/journeys/{journey_id}/dashboard").json()
    assert (body["published"], body["versions"]) == (False, [])
    charts = _charts(body)
    assert len(charts["entries"]["rows"]) == 30
    assert {row[1] for row in charts["entries"]["rows"]} == {0}
    assert charts["funnel"]["rows"] == [] and charts["messages"]["rows"] == []
    assert body["totals"] == {"entered": 0, "converted": 0, "rate": None, "revenue": 0.0,
                              "sent": 0}


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-03-02&to=2026-03-01", "from"),
    (f"from=2025-01-01&to={date(2025, 1, 1) + timedelta(days=MAX_DAYS)}", "to"),
])
def test_a_range_that_is_not_valid_is_refused_naming_the_field(client, app_context, query,
                                                                field):
    with app_context.writing() as session:
        journey_id = add_journey(session, make_document())
        session.commit()
    answer = client.get(f"/api/journeys/{journey_id}/dashboard?{query}")
    assert answer.status_code == 422, answer.text
    assert [issue["field"] for issue in answer.json()["issues"]] == [field]
    longest = f"from=2025-01-01&to={date(2025, 1, 1) + timedelta(days=MAX_DAYS - 1)}"
    assert client.get(f"/api/journeys/{journey_id}/dashboard?{longest}").status_code == 200
    bad = client.get(f"/api/journeys/{journey_id}/dashboard?from=2026-13-01")
    assert bad.status_code == 422
    assert [issue["field"] for issue in bad.json()["issues"]] == ["from"]
    csv_answer = client.get(f"/api/journeys/{journey_id}/dashboard/entries.csv?{query}")
    assert csv_answer.status_code == 422


def test_unknown_journeys_and_versions_are_not_found(client, world):
    assert client.get("/api/journeys/999999/dashboard").status_code == 404
    assert client.get("/api/journeys/999999/dashboard/entries.csv").status_code == 404
    assert client.get(f"/api/journeys/{world['journey_id']}/dashboard?version=9"
                      ).status_code == 404


def test_a_viewer_may_read_it_and_a_stranger_may_not(client_as, anonymous_client, world):
    viewer = client_as(Role.VIEWER)
    journey_id = world["journey_id"]
    assert viewer.get(f"/api/journeys/{journey_id}/dashboard").status_code == 200
    assert viewer.get(f"/api/journeys/{journey_id}/dashboard/funnel.csv").status_code == 200
    assert anonymous_client.get(f"/api/journeys/{journey_id}/dashboard").status_code == 401
    assert anonymous_client.get(
        f"/api/journeys/{journey_id}/dashboard/funnel.csv").status_code == 401
