"""The customer timeline after a real run (SQLite and PostgreSQL): every kind of item, newest
first, the ledger's reason and next attempt for a message held back, and paging that neither
loses nor repeats an item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runtime.flow.ingest import ingest_event
from runtime.store.models import Customer
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template, dispatch, move

NIGHT_IN_SEOUL = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 21:30


def cart_journey(template: int) -> dict:
    return document(
        [node("entry", "entry.event", "Added to cart", {"event": "cart_add"}),
         node("wait", "flow.wait_event", "Bought within 1 hour?",
              {"event": "purchase", "timeout": {"amount": 1, "unit": "hours"}}),
         node("text", "action.send", "Reminder text", {"channel": "sms", "template": template}),
         node("done", "flow.exit", "Reminded", {"reason": "reminded"})],
        [edge("entry", "wait"), edge("wait", "text", "timeout"), edge("text", "done", "next")])


def run_cart(app_context) -> None:
    rt = app_context.runtime
    with app_context.writing() as session:
        ids = add_customers(session, 2, app_context.now(), timezone="Asia/Seoul",
                            consent={"sms": {"marketing": True, "night": True}})
        session.execute(Customer.__table__.update().where(Customer.id == ids[0])
                        .values(consent={"sms": True}))
        session.execute(Customer.__table__.update().where(Customer.id == ids[1])
                        .values(phone=None))  # c1: night consent, but no phone number
        template = add_template(session, "sms", "Cart", None, "Your cart is waiting")
        journey = add_journey(session, cart_journey(template), "Cart abandonment")
    from runtime.run.lifecycle import publish
    with app_context.writing() as session:
        publish(session, journey, app_context.now())
    rt.clock.advance(NIGHT_IN_SEOUL - timedelta(hours=1) - rt.clock.now())
    with rt.sessions() as session:
        now = rt.clock.now()
        ingest_event(session, "c0", "page_view", {"path": "/shoes"}, now - timedelta(minutes=5),
                     now)
        started = [run for external_id in ("c0", "c1") for run in ingest_event(
            session, external_id, "cart_add", {"sku": "SHOE-1"}, now, now).runs_to_dispatch]
        session.commit()
    dispatch(rt, started)
    move(rt, timedelta(hours=1))  # 21:30 in Seoul: the reminder waits for the morning


def test_timeline_shows_everything_newest_first_with_why_not_sent(client, app_context):
    run_cart(app_context)
    answer = client.get("/api/customers/c0/timeline")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["customer"]["external_id"] == "c0" and body["next_before"] is None
    items = body["items"]
    kinds = [(item["kind"], item.get("node_id") or item.get("name")) for item in items]
    assert kinds == [("ended", None), ("message", "text"), ("step", "done"), ("step", "text"),
                     ("step", "wait"), ("step", "entry"), ("entered", None),
                     ("event", "cart_add"), ("event", "page_view")]
    times = [item["at"] for item in items]
    assert times == sorted(times, reverse=True)
    message = items[1]
    assert message["status"] == "deferred" and message["reason_kind"] == "night-time"
    assert message["reason"] == "night-time: no marketing 21:00–08:00 (Asia/Seoul)"
    assert message["next_attempt_at"] == "2026-03-02T23:00:00Z"
    assert (message["node_label"], message["journey_name"], message["channel"]) == (
        "Reminder text", "Cart abandonment", "sms")
    wait = items[4]
    assert (wait["outcome"], wait["port"], wait["node_label"]) == (
        "passed", "timeout", "Bought within 1 hour?")
    assert wait["left_at"] == "2026-03-02T12:30:00Z"
    assert items[0]["status"] == "exited" and items[0]["reason"] == "reminded"
    assert items[8]["properties"] == {"path": "/shoes"}


def test_timeline_pages_never_lose_or_repeat_an_item(client, app_context):
    run_cart(app_context)
    whole = client.get("/api/customers/c0/timeline").json()["items"]
    seen, before, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"before": before} if before else {})
        page = client.get("/api/customers/c0/timeline", params=params).json()
        seen += page["items"]
        pages += 1
        before = page["next_before"]
        if before is None:
            break
    assert seen == whole and pages >= 3
    # The four items of 21:30 (ended, message, two steps) came on one page, not split.
    assert len({item["at"] for item in seen if item["at"] == "2026-03-02T12:30:00Z"}) == 1


def test_a_message_that_cannot_be_sent_says_what_is_missing(client, app_context):
    run_cart(app_context)
    items = client.get("/api/customers/c1/timeline").json()["items"]
    (message,) = [item for item in items if item["kind"] == "message"]
    assert message["status"] == "failed" and message["reason_kind"] == "missing data"
    assert "has no phone number" in message["reason"]
    assert message["next_attempt_at"] is None


def test_timeline_errors(client):
    assert client.get("/api/customers/nobody/timeline").status_code == 404
    bad = client.get("/api/customers/c0/timeline", params={"limit": 0, "before": "soon"})
    assert bad.status_code == 422


def test_timeline_reasons_are_said_in_korean(client, app_context):
    # The API keeps English; a page says each step's detail and each reason in its language.
    from builder.i18n import words
    from builder.ui.reason_words import said_timeline

    run_cart(app_context)
    items = client.get("/api/customers/c0/timeline").json()["items"]
    said = said_timeline(words("ko"), items)
    by_kind = {(item["kind"], item.get("node_id")): item for item in said}
    assert by_kind[("message", "text")]["reason"] == (
        "야간 발송 제한: 21:00–08:00 마케팅 발송 안 함(Asia/Seoul)")
    assert by_kind[("step", "wait")]["detail"] == "'purchase' 이벤트가 기한 안에 일어나지 않음"
    assert by_kind[("step", "entry")]["detail"] == "'cart_add' 이벤트를 함"
    assert by_kind[("ended", None)]["reason"] == "reminded"  # as the marketer wrote it
    assert said_timeline(words("en"), items) == items
