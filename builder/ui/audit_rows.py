"""The audit page's table: one row per change (when, who, action, object, summary, how many
times when repeats were coalesced), opening to show what changed, before → after."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from reactpy import component, html, use_state

from builder.i18n import N_, Words
from builder.ui.reactpy_glue import use_words
from builder.ui.services import Json
from builder.ui.times import stamp

SHOWN_CHARS = 140
"""How much of one value a change shows (the CSV export has all of it)."""

OBJECT_KINDS = {"journey": N_("Journey"), "template": N_("Message"), "segment": N_("Segment"),
                "user": N_("Person"), "key": N_("API key"), "workspace": N_("Workspace"),
                "attribute": N_("Attribute"), "coupon_pool": N_("Coupon pool")}
"""Each kind of object a row names, as people read it (an unknown kind shows as it is)."""

ACTOR_KINDS = {"key": N_("API key"), "system": N_("System")}
"""Who acted when it was not a person."""

STYLE = """
.wl-audit td { vertical-align: top; font-size: 13px; }
.wl-audit .wl-count { margin-left: 6px; background: var(--brand-soft); color: var(--brand); }
.wl-audit .wl-kind { margin-left: 6px; }
.wl-audit code { font-size: 12px; }
.wl-audit tr.details td { background: var(--surface-2); padding-top: 6px; }
.wl-changes { margin: 0; padding: 0; list-style: none; font-size: 12.5px; }
.wl-changes li { display: flex; gap: 8px; align-items: baseline; padding: 3px 0; }
.wl-changes strong { min-width: 140px; }
.wl-changes .was { color: var(--was); text-decoration: line-through; word-break: break-word; }
.wl-changes .now { color: var(--now); word-break: break-word; }
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
    _ = use_words()
    head = html.thead(html.tr(html.th(_("When")), html.th(_("Who")), html.th(_("Action")),
                              html.th(_("Object")), html.th(_("What happened")), html.th()))
    return html.table({"class": "wl-table wl-audit", "data-table": "audit"}, html.style(STYLE),
                      head, html.tbody([AuditRow(item, zone, key=item["id"])
                                        for item in items]))


@component
def AuditRow(item: Json, zone: ZoneInfo) -> Any:  # noqa: N802
    """One change; its details (before → after, the address it came from) on demand."""
    _ = use_words()
    open_, set_open = use_state(False)
    lines = changes(item["before"], item["after"])
    has_details = bool(lines or item["ip"])
    when = [stamp(item["at"], zone, _)]
    if item["count"] > 1:
        when += [html.span({"class": "wl-pill wl-count", "data-count": item["count"],
                            "title": _("Repeats in a row, kept as one row")},
                           f"×{_.number(item['count'])}"),
                 html.div({"class": "wl-sub"},
                          _("last {when}", when=stamp(item["last_at"], zone, _)))]
    who = [item["actor_name"]]
    if item["actor_kind"] != "user":
        who.append(html.span({"class": "wl-pill wl-kind"},
                             _kind(ACTOR_KINDS, item["actor_kind"], _)))
    row = html.tr(
        {"data-audit": item["action"], "data-audit-id": item["id"]},
        html.td({"style": {"whiteSpace": "nowrap"}}, when),
        html.td({"data-actor": item["actor_name"]}, who),
        html.td(html.code(item["action"])),
        html.td(html.span({"class": "wl-sub"}, _kind(OBJECT_KINDS, item["object_kind"], _)),
                html.div(item["object_name"] or item["object_id"] or "")),
        html.td(item["summary"]),
        html.td(html.button({"class": "wl-link-button", "data-action": "details",
                             "onClick": lambda *_args: set_open(not open_)},
                            _("Hide") if open_ else _("Details")) if has_details else ""))
    if not open_:
        return row
    details = html.tr({"class": "details", "data-details": item["id"]}, html.td(
        {"colSpan": 6},
        html.ul({"class": "wl-changes"}, [
            html.li({"key": what or "-"}, html.strong(what or _("value")),
                    html.span({"class": "was"}, was), html.span({"class": "arrow"}, "→"),
                    html.span({"class": "now"}, now)) for what, was, now in lines])
        if lines else "",
        html.div({"class": "wl-sub"}, _("From {address}", address=item["ip"]))
        if item["ip"] else ""))
    return html.fragment(row, details)


def _kind(table: dict[str, str], kind: str | None, _: Words) -> str:
    """A kind as people read it, translated; an unknown one as it is."""
    return _(table[kind]) if kind in table else kind or ""
