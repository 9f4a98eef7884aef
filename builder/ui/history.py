"""The editor's version history: a published version, or what changed from one side to
another (a version, the live one, the draft), drawn read-only on the canvas instead of the
draft; and a version restored as the draft.

What is drawn is the editor's view state (`HistoryView`), not the draft: the draft stays as
it is, in the canvas and on the server, until a restore replaces it (the journeys service
audits that, and publishing it is the usual publish).
"""

from __future__ import annotations

from typing import Any

from builder.i18n import Words, words
from builder.ui import catalogue
from builder.ui.bridge import CloseHistory, Compare, Restore, ShowVersion
from builder.ui.live_counts import live_counts
from builder.ui.services import Json, UiServices

HISTORY_OPS = (ShowVersion, Compare, CloseHistory, Restore)
"""The canvas's commands about versions."""

HistoryCommand = ShowVersion | Compare | CloseHistory | Restore


def run_history(services: UiServices, journey_id: int, command: HistoryCommand,
                _: Words | None = None) -> tuple[Json | None, str | None]:
    """Do a history command: (what to draw instead of the draft, or None for the draft;
    what to tell the marketer when the draft changed, or None), in `_`'s language (English
    when not given). UiError when refused."""
    _ = _ or words("en")
    match command:
        case ShowVersion(number=number):
            view = version_view(services, services.get_version(journey_id, number), _)
            return {**view, "live": live_counts(services.journey_stats(journey_id, number))}, \
                None
        case Compare(old=old, new=new):
            comparison = services.compare_versions(journey_id, old, new)
            return comparison_view(services, comparison, _), None
        case Restore(number=number):
            services.restore_version(journey_id, number)
            return None, _("Version {number} is the draft now; publish it to make it live. "
                           "The audit trail keeps what it replaced.", number=number)
    return None, None


def version_view(services: UiServices, detail: Json, _: Words | None = None) -> Json:
    """A published version alone."""
    _ = _ or words("en")
    number, document = detail["version"]["number"], detail["document"]
    return {"title": _("Version {number} · read-only", number=number), "new": str(number),
            "old": None,
            "number": number, "document": document,
            "ports": catalogue.node_ports(document, services.registry), "diff": None,
            "removed": [], "removed_wires": []}


def comparison_view(services: UiServices, comparison: Json, _: Words | None = None) -> Json:
    """The newer side drawn, with the older side's removed steps ghosted where they were, and
    its wires removed or moved away where they went."""
    _ = _ or words("en")
    old, new, diff = comparison["from"], comparison["to"], comparison["diff"]
    gone = {step["id"] for step in diff["steps"] if step["change"] == "removed"}
    removed = [node for node in _nodes(old["document"]) if node.get("id") in gone]
    document = new["document"]
    drawn = {**document, "nodes": [*_nodes(document), *removed]}
    return {"title": _("{old} → {new} · read-only", old=side_label(_, old["label"]),
                       new=side_label(_, new["label"])), "new": new["ref"],
            "old": old["ref"], "number": new.get("number"), "document": document,
            "ports": catalogue.node_ports(drawn, services.registry), "diff": diff,
            "removed": removed, "removed_wires": [_was(wire) for wire in diff["wires"]
                                                  if wire["change"] != "added"]}


def side_label(_: Words, label: str) -> str:
    """A compared side's label ('Draft', 'Version 3 (live)', as the versions service names
    it) in `_`'s language."""
    number = label.removeprefix("Version ").removesuffix(" (live)")
    if label == "Draft":
        return _("Draft")
    if not number.isdigit():
        return label
    if label.endswith(" (live)"):
        return _("Version {number} (live)", number=number)
    return _("Version {number}", number=number)


def _was(wire: Json) -> Json:
    """A wire as it was before it was removed or moved, as an edge with an id of its own."""
    source, port, target = wire["source"], wire["port"], wire["old_target"]
    return {"id": f"was:{source}:{port}:{target}", "source": source, "sourceHandle": port,
            "target": target}


def _nodes(document: Any) -> list[Json]:
    nodes = document.get("nodes") if isinstance(document, dict) else None
    return [node for node in nodes or [] if isinstance(node, dict)]
