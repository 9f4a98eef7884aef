"""Journey documents shared by the runtime benchmark and its naive baseline."""

from __future__ import annotations


def node(node_id: str, kind: str, config: dict) -> dict:
    return {"id": node_id, "type": kind, "position": {"x": 0, "y": 0},
            "data": {"label": node_id, "config": config}}


def four_steps(template: int) -> dict:
    """entry → condition → update → send (outbox): 4 steps per customer."""
    return {"nodes": [
        node("entry", "entry.segment", {"rule": {"type": "and", "rules": []}}),
        node("cond", "flow.condition", {"rule": {"type": "attr", "field": "plan", "op": "eq",
                                                 "value": "pro"}}),
        node("update", "action.update", {"operations": [{"op": "increment", "name": "visits",
                                                         "value": 1}]}),
        node("send", "action.send", {"channel": "email", "template": template})],
        "edges": [{"id": "a", "source": "entry", "target": "cond"},
                  {"id": "b", "source": "cond", "sourceHandle": "yes", "target": "update"},
                  {"id": "c", "source": "cond", "sourceHandle": "no", "target": "update"},
                  {"id": "d", "source": "update", "sourceHandle": "next", "target": "send"}],
        "settings": {"timezone": "Asia/Seoul"}}


def waiting(template: int) -> dict:
    """entry → wait 1 hour → send: for lateness and Redis memory."""
    return {"nodes": [
        node("entry", "entry.segment", {"rule": {"type": "and", "rules": []}}),
        node("wait", "flow.delay", {"mode": "duration", "duration": {"amount": 1,
                                                                     "unit": "hours"}}),
        node("send", "action.send", {"channel": "email", "template": template})],
        "edges": [{"id": "a", "source": "entry", "target": "wait"},
                  {"id": "b", "source": "wait", "sourceHandle": "next", "target": "send"}],
        "settings": {"timezone": "Asia/Seoul"}}
