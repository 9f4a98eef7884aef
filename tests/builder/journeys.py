"""Small builders for journey documents in tests, using each kind's own example config."""

from __future__ import annotations

from typing import Any

from nodes import default_registry


def node(node_id: str, kind: str, label: str = "", config: dict[str, Any] | None = None,
         x: float = 0) -> dict[str, Any]:
    """A document node; the config defaults to the kind's example."""
    spec = default_registry()[kind]
    config = spec.dump(spec.example) if config is None else config
    return {"id": node_id, "type": kind, "position": {"x": x, "y": 0},
            "data": {"label": label, "config": config}}


def edge(source: str, target: str, handle: str | None = None) -> dict[str, Any]:
    """A connection from `source`'s port `handle` to `target`."""
    found = {"id": f"{source}-{handle or 'out'}-{target}", "source": source, "target": target}
    if handle:
        found["sourceHandle"] = handle
    return found


def document(nodes: list[dict], edges: list[dict], **settings: Any) -> dict[str, Any]:
    """A whole document."""
    return {"nodes": nodes, "edges": edges, "settings": {"timezone": "Asia/Seoul", **settings}}


def cart_abandonment() -> dict[str, Any]:
    """Event entry → wait for purchase 1 h → (timeout) reminder email → exit."""
    return document(
        [node("entry", "entry.event", "Added to cart", {"event": "cart_add"}),
         node("wait", "flow.wait_event", "Bought within 1 hour?",
              {"event": "purchase", "timeout": {"amount": 1, "unit": "hours"}}),
         node("mail", "action.send", "Reminder email",
              {"channel": "email", "template": 1}),
         node("bought", "flow.exit", "Bought"),
         node("done", "flow.exit", "Reminded")],
        [edge("entry", "wait"), edge("wait", "bought", "matched"), edge("wait", "mail", "timeout"),
         edge("mail", "done", "next")])
