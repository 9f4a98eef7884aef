"""What the canvas draws of a published journey's stats: per step, per wire, and in all."""

from __future__ import annotations

from typing import Any


def live_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """What the canvas draws: per node entered/now here/sent/failed, per edge how many passed."""
    nodes, edges, lifts = {}, {}, {}
    for node in stats["nodes"]:
        messages = node.get("messages") or {}
        nodes[node["node_id"]] = {"entered": node["entered"],
                                  "here": node["active"] + node["waiting"],
                                  "sent": messages.get("sent"), "failed": messages.get("failed"),
                                  "median": node.get("median_seconds"),
                                  "earned": node.get("engagement")}
        edges.update({port["edge_id"]: port["count"] for port in node["ports"]
                      if port["edge_id"]})
        lifts.update({port["edge_id"]: {"rate": port["rate"], "lift": port["lift"],
                                        "control": port["control"]}
                      for port in node["ports"] if port["edge_id"] and port["rate"] is not None})
    totals = stats["totals"]
    return {"version": stats["version"], "entered": totals["entered"],
            "here": totals["active"] + totals["waiting"], "nodes": nodes, "edges": edges,
            "lifts": lifts, "revenue": stats.get("revenue", 0.0),
            "counted_at": stats.get("counted_at")}

