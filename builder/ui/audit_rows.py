"""The audit page's table: one row per change (when, who, action, object, summary, how many
times when repeats were coalesced), opening to show what changed, before → after."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from reactpy import component, html, use_state

from builder.ui.services import Json
from builder.ui.times import stamp

SHOWN_CHARS = 140
"""How much of one value a change shows (the CSV export has all of it)."""

STYLE = """
.wl-audit td { vertical-align: top; font-size: 13px; }
.wl-audit .wl-count { margin-left: 6px; background: var(--brand-soft); color: var(--brand); }
.wl-audit .wl-kind { margin-left: 6px; }
.wl-audit code { font-size: 12px; }
.wl-audit tr.details td { background: #f8fafc; padding-top: 6px; }
.wl-changes { margin: 0; padding: 0; list-style: none; font-size: 12.5px; }
.wl-changes li { display: flex; gap: 8px; align-items: baseline; padding: 3px 0; }
.wl-changes strong { min-width: 140px; }
.wl-changes .was { color: #991b1b; text-decoration: line-through; word-break: break-word; }
.wl-changes .now { color: #166534; word-break: break-word; }
.wl-changes .arrow { color: var(--muted); }
"""


def changes(before: Any, after: Any) -> list[tuple[str, str, str]]:
    """(what, before, after) for each value that differs; one line when they aren't records."""
    if isinstance(before, dict) or isinstance(after, dict):
        was = before if isinstance(before, dict) else {}
        now = after if isinstance(after, dict) else {}
        keys = dict.fromkeys([*was, *now])
        return [(key, shown(was.get(key)), shown(now.get(key))) for key in keys
                if was.get(key) != now.get(key)]
    if before is None and after is None:
        return []
    return [("", shown(before), shown(after))]


def shown(value: Any) -> str:
    """A value in a line: text as it is, the rest as compact JSON, cut when long."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           separators=(", ", ": "))
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


@component
def AuditTable(items: list[Json], zone: ZoneInfo) -> Any:  # noqa: N802 - PascalCase
    """The rows, newest first."""
    head = html.thead(html.tr(html.th("When"), html.th("Who"), html.th("Action"),
                              html.th("Object"), html.th("What happened"), html.th()))
    return html.table({"class": "wl-table wl-audit", "data-table": "audit"}, html.style(STYLE),
                      head, html.tbody([AuditRow(item, zone, key=item["id"])
                                        for item in items]))


@component
def AuditRow(item: Json, zone: ZoneInfo) -> Any:  # noqa: N802
    """One change; its details (before → after, the address it came from) on demand."""
    open_, set_open = use_state(False)
    lines = changes(item["before"], item["after"])
    has_details = bool(lines or item["ip"])
    when = [stamp(item["at"], zone)]
    if item["count"] > 1:
        when += [html.span({"class": "wl-pill wl-count", "data-count": item["count"],
                            "title": "Repeats in a row, kept as one row"},
                           f"×{item['count']}"),
                 html.div({"class": "wl-sub"}, f"last {stamp(item['last_at'], zone)}")]
    who = [item["actor_name"]]
    if item["actor_kind"] != "user":
        who.append(html.span({"class": "wl-pill wl-kind"}, item["actor_kind"]))
    row = html.tr(
        {"data-audit": item["action"], "data-audit-id": item["id"]},
        html.td({"style": {"whiteSpace": "nowrap"}}, when),
        html.td({"data-actor": item["actor_name"]}, who),
        html.td(html.code(item["action"])),
        html.td(html.span({"class": "wl-sub"}, item["object_kind"]),
                html.div(item["object_name"] or item["object_id"] or "")),
        html.td(item["summary"]),
        html.td(html.button({"class": "wl-link-button", "data-action": "details",
                             "onClick": lambda *_: set_open(not open_)},
                            "Hide" if open_ else "Details") if has_details else ""))
    if not open_:
        return row
    details = html.tr({"class": "details", "data-details": item["id"]}, html.td(
        {"colSpan": 6},
        html.ul({"class": "wl-changes"}, [
            html.li({"key": what or "-"}, html.strong(what or "value"),
                    html.span({"class": "was"}, was), html.span({"class": "arrow"}, "→"),
                    html.span({"class": "now"}, now)) for what, was, now in lines])
        if lines else "",
        html.div({"class": "wl-sub"}, f"From {item['ip']}") if item["ip"] else ""))
    return html.fragment(row, details)
