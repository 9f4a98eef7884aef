"""The lifecycle stage board through the API: the board with the figures the roller made,
the stages read and replaced (422 listing each problem, an audit row, history restarting for
changed stages only), and who may do what."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runtime.insight.stages import DEFAULT_STAGES
from runtime.store.models import Customer
from runtime.store.stage_models import StageDay, StageMove
from runtime.store.team_models import AuditEvent, Role
from tests.runtime.harness import START, add_customers

STAGES = {"stages": [
    {"key": "known", "name": "Known", "rule": {"type": "and", "rules": []}},
    {"key": "buyer", "name": "Buyer", "rule": {"type": "attr", "field": "orders", "op": "gte",
                                              "value": 1}},
    {"key": "loyal", "name": "Loyal", "rule": {"type": "attr", "field": "orders", "op": "gte",
                                              "value": 3}},
]}


def _orders(app_context, counts):
    with app_context.writing() as session:
        ids = add_customers(session, len(counts), START)
        for customer_id, orders in zip(ids, counts, strict=True):
            session.get(Customer, customer_id).attributes = {"orders": orders}
    return ids


def _set_orders(app_context, customer_id, orders):
    with app_context.writing() as session:
        session.get(Customer, customer_id).attributes = {"orders": orders}


def test_the_board_counts_customers_per_stage_and_what_moved_them(admin_client, app_context):
    assert admin_client.put("/api/insight/stages/definitions", json=STAGES).status_code == 200
    ids = _orders(app_context, [0, 0, 1, 1, 3])
    first = admin_client.post("/api/insight/stages/refresh")
    assert first.status_code == 200, first.text
    board = first.json()
    assert [(card["key"], card["customers"]) for card in board["stages"]] == [
        ("known", 2), ("buyer", 2), ("loyal", 1)]
    assert board["total"] == 5 and board["not_in_stage"] == 0
    assert abs(board["stages"][0]["share"] - 0.4) < 1e-9
    assert [step["from_stage"] for step in board["steps"]] == ["known", "buyer"]
    assert board["history"][-1]["customers"] == [2, 2, 1]

    app_context.clock.advance(timedelta(hours=2))
    _set_orders(app_context, ids[0], 1)  # known → buyer
    _set_orders(app_context, ids[2], 4)  # buyer → loyal
    board = admin_client.post("/api/insight/stages/refresh").json()
    assert [card["customers"] for card in board["stages"]] == [1, 2, 2]
    app_context.clock.advance(timedelta(hours=3))
    _set_orders(app_context, ids[0], 5)  # buyer → loyal, three hours after getting there
    board = admin_client.get("/api/insight/stages").json()
    assert [card["customers"] for card in board["stages"]] == [1, 2, 2]  # not rolled yet
    board = admin_client.post("/api/insight/stages/refresh").json()
    buyer = board["stages"][1]
    assert (buyer["entered"], buyer["left"], buyer["median_stay_seconds"]) == (1, 1, 10_800)
    step = board["steps"][0]  # known → buyer: one entered known? nobody (all placed at start)
    assert (step["entered"], step["reached"], step["conversion"]) == (0, 0, None)
    step = board["steps"][1]
    assert (step["entered"], step["reached"], step["median_seconds"]) == (1, 1, 10_800)


def test_bad_stages_are_refused_listing_each_problem(admin_client):
    bad = {"stages": [
        {"key": "Bad Key", "name": "", "rule": {"type": "and", "rules": []}},
        {"key": "twice", "name": "Twice", "rule": {"type": "attr", "field": "signed_up",
                                                   "op": "within_last", "value": "soon"}},
        {"key": "twice", "name": "twice", "rule": {"type": "and", "rules": []}},
    ]}
    answer = admin_client.put("/api/insight/stages/definitions", json=bad)
    assert answer.status_code == 422, answer.text
    fields = {issue["field"] for issue in answer.json()["issues"]}
    assert fields == {"stages[0].key", "stages[0].name", "stages[1].rule", "stages[2].key",
                      "stages[2].name"}
    one = admin_client.put("/api/insight/stages/definitions", json={"stages": bad["stages"][:1]})
    assert "stages" in {issue["field"] for issue in one.json()["issues"]}
    shown = admin_client.get("/api/insight/stages/definitions").json()
    assert [stage["key"] for stage in shown["stages"]] == [
        stage.key for stage in DEFAULT_STAGES.stages]  # nothing saved


def test_a_change_is_audited_and_restarts_only_the_changed_stages(admin_client, app_context):
    admin_client.put("/api/insight/stages/definitions", json=STAGES)
    ids = _orders(app_context, [0, 1, 1])
    admin_client.post("/api/insight/stages/refresh")
    app_context.clock.advance(timedelta(hours=1))
    _set_orders(app_context, ids[0], 1)
    _set_orders(app_context, ids[1], 3)
    admin_client.post("/api/insight/stages/refresh")
    changed = {"stages": [STAGES["stages"][0], {**STAGES["stages"][1], "name": "Customer"},
                          {**STAGES["stages"][2], "rule": {"type": "attr", "field": "orders",
                                                           "op": "gte", "value": 2}}]}
    answer = admin_client.put("/api/insight/stages/definitions", json=changed)
    assert answer.status_code == 200, answer.text
    with app_context.reading() as session:
        moves = session.execute(select(StageMove.from_stage, StageMove.to_stage)).all()
        assert sorted(moves) == [("known", "buyer")]  # the move into loyal is forgotten
        assert set(session.scalars(select(StageDay.stage))) == {"buyer"}  # known: empty now
        row = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "stages.changed")).all()[-1]
        assert row.after["restarted"] == ["loyal"]
        assert row.before["stages"][1]["name"] == "Buyer"
    app_context.clock.advance(timedelta(hours=1))
    board = admin_client.post("/api/insight/stages/refresh").json()
    assert [card["name"] for card in board["stages"]] == ["Known", "Customer", "Loyal"]
    with app_context.reading() as session:  # re-placed under the new rule without moves
        assert len(session.scalars(select(StageMove)).all()) == 1


def test_who_may_read_change_and_refresh(client_as, anonymous_client):
    viewer, editor = client_as(Role.VIEWER), client_as(Role.EDITOR)
    assert viewer.get("/api/insight/stages").status_code == 200
    assert viewer.get("/api/insight/stages/definitions").status_code == 200
    assert viewer.post("/api/insight/stages/refresh").status_code == 403
    assert editor.post("/api/insight/stages/refresh").status_code == 200
    assert editor.put("/api/insight/stages/definitions", json=STAGES).status_code == 403
    assert anonymous_client.get("/api/insight/stages").status_code == 401
