"""The workspace send policy through the API: defaults, a change the runtime reads, and every
rule that cannot work refused with its field."""

from __future__ import annotations

from runtime.messaging.policy import Cap
from runtime.messaging.workspace import load_rules
from runtime.store.models import Customer


def test_send_policy_defaults_then_a_change_reaches_the_runtime(client, app_context):
    shown = client.get("/api/workspace/send-policy").json()
    assert shown == {"frequency_caps": [], "night_start": "21:00", "night_end": "08:00",
                     "night_channels": ["email", "sms", "kakao", "push", "webhook", "brand"],
                     "provider_rates": []}
    change = {"frequency_caps": [{"channel": "sms", "limit": 2, "days": 7}],
              "night_start": "20:00", "night_end": "09:00", "night_channels": ["sms", "kakao"],
              "provider_rates": [{"channel": "sms", "per_second": 50}]}
    answer = client.put("/api/workspace/send-policy", json=change)
    assert answer.status_code == 200, answer.text
    assert client.get("/api/workspace/send-policy").json() == change
    with app_context.reading() as session:
        rules = load_rules(session)
    assert rules.caps == {"sms": Cap(limit=2, days=7)}
    assert rules.night_channels == {"sms", "kakao"}
    assert (rules.night.start.hour, rules.night.end.hour) == (20, 9)


def test_send_policy_refuses_what_cannot_work(client):
    twice = client.put("/api/workspace/send-policy", json={
        "frequency_caps": [{"channel": "sms", "limit": 2, "days": 7},
                           {"channel": "sms", "limit": 1, "days": 1}],
        "night_start": "21:00", "night_end": "21:00"})
    assert twice.status_code == 422
    fields = [issue["field"] for issue in twice.json()["issues"]]
    assert fields == ["frequency_caps[1].channel", "night_end"]
    for body in ({"frequency_caps": [{"channel": "sms", "limit": 0, "days": 7}]},
                 {"night_start": "25:00"}, {"night_channels": ["fax"]}, {"surprise": 1}):
        assert client.put("/api/workspace/send-policy", json=body).status_code == 422, body
    assert client.get("/api/workspace/send-policy").json()["frequency_caps"] == []


def test_indexed_attributes_through_the_api(admin_client, app_context):
    with app_context.writing() as session:
        session.add_all(Customer(external_id=f"c{index}", attributes={"score": score})
                        for index, score in enumerate([10, 60, 75, "80"]))
    rule = {"type": "attr", "field": "score", "op": "gte", "value": 50}
    before = admin_client.post("/api/audience/preview", json={"rule": rule}).json()["count"]
    added = admin_client.put("/api/workspace/indexed-attributes/score", json={"kind": "number"})
    assert added.status_code == 200, added.text
    assert added.json()["customers"] == 3  # "80" is text: it stays in the JSON alone
    assert admin_client.get("/api/workspace/indexed-attributes").json() == [added.json()]
    preview = admin_client.post("/api/audience/preview", json={"rule": rule})
    assert preview.json()["count"] == before == 2
    again = admin_client.put("/api/workspace/indexed-attributes/score", json={"kind": "text"})
    assert again.status_code == 409 and "already indexed, as number" in again.json()["detail"]
    bad = admin_client.put("/api/workspace/indexed-attributes/email", json={"kind": "date"})
    assert bad.status_code == 422
    assert {issue["field"] for issue in bad.json()["issues"]} == {"kind"}
    bad_name = admin_client.put("/api/workspace/indexed-attributes/9x", json={"kind": "text"})
    assert bad_name.status_code == 422
    assert admin_client.delete("/api/workspace/indexed-attributes/score").status_code == 204
    assert admin_client.delete("/api/workspace/indexed-attributes/score").status_code == 404
    assert admin_client.get("/api/workspace/indexed-attributes").json() == []
    assert admin_client.post("/api/audience/preview", json={"rule": rule}).json()["count"] == 2
