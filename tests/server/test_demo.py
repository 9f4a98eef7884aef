"""Demo data and starter journeys, on real databases."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from builder.validation import validate_journey
from runtime.run.lifecycle import missing_refs
from runtime.store.models import Customer, CustomerTag, Event, Journey, Run, Template
from server.demo import VIP_SPEND, load_demo
from server.starters import STARTERS
from tests.runtime.harness import START


def test_demo_people_agree_with_their_histories_and_load_once(app_context):
    sessions = app_context.runtime.sessions
    report = load_demo(sessions, START, customers=1_500)
    assert (report.customers, report.journeys) == (1_500, 4)
    with sessions() as session:
        customers = session.scalars(select(Customer)).all()
        orders = Counter(session.scalars(select(Event.customer_id)
                                         .where(Event.name == "order_completed")))
        vips = set(session.scalars(select(CustomerTag.customer_id)
                                   .where(CustomerTag.tag == "vip")))
        assert session.scalar(select(func.count()).select_from(Event)) == report.events
    assert len(customers) == 1_500
    assert {c.locale for c in customers} == {"ko-KR", "en-US"}
    assert any(c.attributes["first_name"] and "\uac00" <= c.attributes["first_name"][0] <= "\ud7a3"
               for c in customers)  # Korean names in Hangul
    for customer in customers:
        assert customer.attributes["orders"] == orders.get(customer.id, 0)
        assert (customer.id in vips) == (customer.attributes["total_spent"] >= VIP_SPEND)
        assert ("last_purchase_at" in customer.attributes) == (customer.attributes["orders"] > 0)
    again = load_demo(sessions, START, customers=1_500)
    assert (again.customers, again.events, again.journeys) == (0, 0, 0)


def test_starters_are_clean_drafts_with_their_templates(app_context):
    load_demo(app_context.runtime.sessions, START, customers=10)
    with app_context.runtime.sessions() as session:
        journeys = {j.name: j for j in session.scalars(select(Journey))}
        assert set(journeys) == {starter.name for starter in STARTERS.values()}
        for journey in journeys.values():
            issues = validate_journey(journey.draft, app_context.registry, missing_refs(session))
            assert issues == [], (journey.name, issues)
        assert session.scalar(select(func.count()).select_from(Template)) == sum(
            len(starter.templates) for starter in STARTERS.values())


def test_a_starter_becomes_a_draft_through_the_api_and_publishes(client, app_context):
    listed = client.get("/api/starters").json()
    assert [item["key"] for item in listed] == list(STARTERS)
    made = client.post("/api/starters/win_back/journeys", json={"name": "Win them back"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["journey"]["name"] == "Win them back"
    # Its SMS is marketing and this workspace has no opt-out line yet: a warning, nothing else.
    assert [issue["code"] for issue in body["issues"]] == ["send.no_opt_out_line"]
    again = client.post("/api/starters/win_back/journeys").json()  # templates are reused
    with app_context.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Template)) == 3
    assert again["journey"]["name"] == "Win-back of lapsed buyers"
    load_demo(app_context.runtime.sessions, START, customers=300)
    published = client.post(f"/api/journeys/{body['journey']['id']}/publish")
    assert published.status_code == 200, published.text
    with app_context.runtime.sessions() as session:
        lapsed = session.scalar(select(func.count()).select_from(Run))
    assert published.json()["entered"] == lapsed > 0
    assert client.post("/api/starters/nope/journeys").status_code == 404
