"""Live stats after a real run: every number agrees with the runs, steps and messages rows."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from runtime.flow.ingest import ingest_event
from runtime.store.models import Customer, Event, Message, Run, RunStatus, Step
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template, dispatch, drain, move


def shop_journey(template: int) -> dict:
    """Everyone: email → wait up to 2 days for a purchase → (timeout) exit; goal: purchase."""
    return document(
        [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("mail", "action.send", "Offer", {"channel": "email", "template": template}),
         node("buy", "flow.wait_event", "Bought?", {"event": "purchase",
                                                    "timeout": {"amount": 2, "unit": "days"}}),
         node("gone", "flow.exit", "No purchase", {"reason": "no purchase"})],
        [edge("in", "mail"), edge("mail", "buy", "next"), edge("buy", "gone", "timeout")],
        goal={"event": "purchase", "within": {"amount": 3, "unit": "days"}, "exit": False})


def test_stats_match_the_rows_after_a_real_run(client, app_context):
    rt = app_context.runtime
    with app_context.writing() as session:
        ids = add_customers(session, 12, app_context.now())
        session.execute(Customer.__table__.update().where(Customer.id.in_(ids[:3]))
                        .values(consent={}))  # suppressed at the email step
        template = add_template(session, subject="Hi", source="Offer")
        journey = add_journey(session, shop_journey(template), "Shop")
    assert client.post(f"/api/journeys/{journey}/publish").status_code == 200
    drain(rt)
    rt.clock.advance(timedelta(hours=5))
    buy(rt)  # four buy in time; one of them had no email consent
    move(rt, timedelta(days=1))  # the rest still wait

    stats = client.get(f"/api/journeys/{journey}/stats")
    assert stats.status_code == 200, stats.text
    body = stats.json()
    expected = expected_stats(app_context, journey)
    assert body["totals"] == expected["totals"]
    for item in body["nodes"]:
        assert (item["entered"], item["active"], item["waiting"], item["completed"],
                item["exited"]) == expected["nodes"][item["node_id"]], item["node_id"]
        for port in item["ports"]:
            assert port["count"] == expected["ports"].get((item["node_id"], port["port"]), 0)
    nodes = {item["node_id"]: item for item in body["nodes"]}
    assert nodes["mail"]["messages"] == expected["messages"]
    assert {item["node_id"]: item["median_seconds"] for item in body["nodes"]
            if item["median_seconds"] is not None} == pytest.approx(expected["medians"])
    assert nodes["buy"]["median_seconds"] == 5 * 3600  # four bought after five hours
    assert nodes["buy"]["waiting"] == 8 and body["totals"]["converted"] == 4
    buy_ports = {port["port"]: port for port in nodes["buy"]["ports"]}
    assert buy_ports["matched"]["count"] == 4 and buy_ports["matched"]["target"] is None
    assert buy_ports["timeout"]["target"] == "gone" and buy_ports["timeout"]["count"] == 0

    move(rt, timedelta(days=1))  # the waits time out
    later = client.get(f"/api/journeys/{journey}/stats?version=1").json()
    assert later["totals"] == expected_stats(app_context, journey)["totals"]
    assert later["totals"]["exited"] == 8
    # 4 left after 5 hours, 8 when the sweep found their 2 days over (at 2 days 5 hours)
    later_medians = {item["node_id"]: item["median_seconds"] for item in later["nodes"]}
    assert later_medians["buy"] == (2 * 24 + 5) * 3600
    assert later_medians == pytest.approx(expected_stats(app_context, journey)["medians"])
    assert client.get(f"/api/journeys/{journey}/stats?version=2").status_code == 404
    assert client.get("/api/journeys/999999/stats").status_code == 404


def buy(rt) -> None:
    """c0, c4, c5 and c6 buy now, and their runs move."""
    with rt.sessions() as session:
        moved = []
        for external_id in ("c0", "c4", "c5", "c6"):
            moved += ingest_event(session, external_id, "purchase", {}, rt.clock.now(),
                                  rt.clock.now()).runs_to_dispatch
        session.commit()
    dispatch(rt, moved)


def expected_stats(app_context, journey: int) -> dict:
    """The same numbers, counted in Python from every row of the journey."""
    with app_context.reading() as session:
        runs = session.scalars(select(Run).where(Run.journey_id == journey)).all()
        steps = session.scalars(select(Step).where(Step.run_id.in_([r.id for r in runs]))).all()
        messages = session.scalars(select(Message).where(Message.journey_id == journey)).all()
        purchases = session.execute(select(Event.customer_id, Event.occurred_at)
                                    .where(Event.name == "purchase")).all()
    bought = {customer for customer, _at in purchases}
    status = Counter(run.status for run in runs)
    totals = {"entered": len(runs), "active": status[RunStatus.ACTIVE],
              "waiting": status[RunStatus.WAITING], "completed": status[RunStatus.DONE],
              "exited": status[RunStatus.EXITED],
              "converted": sum(run.customer_id in bought for run in runs)}
    entered = Counter(step.node_id for step in steps)
    here = Counter((run.node_id, run.status) for run in runs)
    nodes = {node_id: (entered[node_id], here[node_id, RunStatus.ACTIVE],
                       here[node_id, RunStatus.WAITING], here[node_id, RunStatus.DONE],
                       here[node_id, RunStatus.EXITED])
             for node_id in ("in", "mail", "buy", "gone")}
    ports = Counter((step.node_id, step.port) for step in steps if step.port)
    sent = Counter(message.status.value for message in messages)
    return {"totals": totals, "nodes": nodes, "ports": ports,
            "messages": {name: sent[name] for name in ("queued", "deferred", "sent", "delivered",
                                                       "failed", "suppressed")},
            "medians": medians(steps)}


def medians(steps) -> dict[str, float]:
    """Per node, the median of (left - entered) in seconds over the steps that ended."""
    spent: dict[str, list[float]] = {}
    for step in steps:
        if step.left_at is not None:
            spent.setdefault(step.node_id, []).append(
                (step.left_at - step.entered_at).total_seconds())
    return {node_id: statistics.median(values) for node_id, values in spent.items()}
