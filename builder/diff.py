"""What changed between two journey documents, in a sentence a publisher reads at a glance:
"2 steps changed, 1 added; 1 wire changed" (for approvals and the audit trail)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

IGNORED_NODE_KEYS = frozenset({"position", "version", "selected", "dragging", "measured",
                               "width", "height"})
"""Node fields that move with the canvas or publishing, not with what the journey does."""


def _nodes(document: Any) -> dict[str, Mapping[str, Any]]:
    nodes = document.get("nodes") if isinstance(document, Mapping) else None
    return {str(node.get("id")): node for node in nodes or [] if isinstance(node, Mapping)}


def _wires(document: Any) -> set[tuple[str, str, str]]:
    edges = document.get("edges") if isinstance(document, Mapping) else None
    return {(str(edge.get("source")), str(edge.get("sourceHandle")), str(edge.get("target")))
            for edge in edges or [] if isinstance(edge, Mapping)}


def _settings(document: Any) -> Any:
    return document.get("settings") if isinstance(document, Mapping) else None


def _essence(node: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if key not in IGNORED_NODE_KEYS}


def change_counts(old: Any, new: Any) -> dict[str, int]:
    """Steps added, removed and changed, wires changed, settings changed (0 or 1)."""
    before, after = _nodes(old), _nodes(new)
    return {
        "added": len(after.keys() - before.keys()),
        "removed": len(before.keys() - after.keys()),
        "changed": sum(_essence(before[key]) != _essence(after[key])
                       for key in before.keys() & after.keys()),
        "wires": len(_wires(old) ^ _wires(new)),
        "settings": int(_settings(old) != _settings(new)),
    }


def summarize_changes(old: Any, new: Any) -> str:
    """The changes from `old` to `new` in words; `old` None means a first version."""
    if old is None:
        return f"first version ({len(_nodes(new))} steps)"
    counts = change_counts(old, new)
    names = [name for name in ("changed", "added", "removed") if counts[name]]
    steps = [f"{counts[name]} {name}" for name in names]
    if steps:  # "2 steps changed, 1 added": the first says what is counted
        first = counts[names[0]]
        steps[0] = f"{first} step{'s' * (first != 1)} {names[0]}"
    parts = [", ".join(steps)] if steps else []
    if counts["wires"]:
        parts.append(f"{counts['wires']} wire{'s' * (counts['wires'] != 1)} changed")
    if counts["settings"]:
        parts.append("settings changed")
    return "; ".join(parts) or "no changes"
