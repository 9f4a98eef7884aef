"""The audit page (publishers and admins): who changed what, newest first.

Filters narrow the trail by person or key, kind of action, kind of object and a date range
(days in the workspace's time zone); "Load more" pages back through it, and "Export CSV"
downloads the same filtered rows from /api/audit/export. Draft saves in a row by one person
are one row with a count; a row opens to show what changed, before → after.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.audit_rows import AuditTable
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import event_value, use_services, use_words
from builder.ui.services import Json, UiError
from builder.ui.text_field import text_field
from builder.ui.times import zone_of

EXPORT_URL = "/api/audit/export"

ACTIONS = (("", N_("All actions")), ("journey.", N_("Journeys")),
           ("journey.publish", N_("Publishing")), ("template.", N_("Messages")),
           ("segment.", N_("Segments")), ("send_rules.", N_("Send rules")),
           ("user.", N_("People and sign-ins")), ("key.", N_("API keys")),
           ("workspace.", N_("Workspace settings")),
           ("indexed_attribute.", N_("Indexed attributes")))
"""The action filter: a prefix of the action names, and what it reads as."""

OBJECTS = (("", N_("Any object")), ("journey", N_("Journey")), ("template", N_("Message")),
           ("segment", N_("Segment")), ("user", N_("Person")), ("key", N_("API key")),
           ("workspace", N_("Workspace")), ("attribute", N_("Attribute")))
"""The object filter: an object kind, and what it reads as."""

BLANK = {"actor": "", "action": "", "object_kind": "", "since": "", "until": ""}

STYLE = """
.wl-audit-filters { display: flex; gap: 8px; flex-wrap: wrap; align-items: flex-end;
                    margin-bottom: 14px; background: var(--panel); border: 1px solid var(--line);
                    border-radius: 12px; padding: 12px 14px; }
.wl-audit-filters label { display: flex; flex-direction: column; gap: 4px; font-size: 12px;
                          font-weight: 600; color: var(--ink-2); }
.wl-audit-filters .wl-input { width: auto; min-width: 150px; }
.wl-audit-filters .push { margin-left: auto; display: flex; gap: 8px; }
"""


def bounds(filters: Json, zone: ZoneInfo) -> Json:
    """The filters as the server takes them: the date range as instants in `zone` (the
    whole of the last day included)."""
    found = {key: value.strip() for key, value in filters.items()
             if key in ("actor", "action", "object_kind") and value.strip()}
    for key, days in (("since", 0), ("until", 1)):
        day = _day(filters.get(key, ""))
        if day is not None:
            found[key] = datetime.combine(day + timedelta(days=days), time(), zone).isoformat()
    return found


def export_url(query: Json) -> str:
    """The CSV of the rows these (server-side) filters keep."""
    return f"{EXPORT_URL}?{urlencode(query)}" if query else EXPORT_URL


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@component
def AuditPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The filters, the trail, more of it on demand, and its CSV."""
    services = use_services()
    _ = use_words()
    zone = zone_of(None, services.timezone)
    form, set_form = use_state(BLANK)
    query, set_query = use_state({})
    page, set_page = use_state(None)
    problem, set_problem = use_state(None)

    @use_async_effect(dependencies=[repr(query)])
    async def load() -> None:
        with contextlib.suppress(UiError):  # signed out: the app bar goes to sign in
            set_page(await asyncio.to_thread(services.list_audit, query, None))

    async def handle_more(*_: Any) -> None:
        try:
            more = await asyncio.to_thread(services.list_audit, query, page["next_before"])
        except UiError as error:
            set_problem(error.message)
            return
        set_page({**more, "items": page["items"] + more["items"]})

    def handle_filter(_event: Any) -> None:
        since, until = _day(form["since"]), _day(form["until"])
        if since and until and until < since:
            set_problem(_("The end date is before the start date."))
            return
        set_problem(None)
        set_query(bounds(form, zone))

    def handle_clear(*_: Any) -> None:
        set_form(BLANK)
        set_problem(None)
        set_query({})

    return html.div(
        {"class": "wl-app"}, html.style(STYLE), AppBar("audit"),
        html.main(
            {"class": "wl-page"},
            html.div({"class": "wl-page-head"}, html.div(
                html.h1(_("Audit trail")),
                html.p(_("Every change and who made it — a person or an API key — with what "
                         "it was before and after. Times in {zone}.", zone=zone.key))),
                html.a({"class": "wl-button", "href": export_url(query), "download": True,
                        "data-action": "export-csv"}, _("Export CSV"))),
            Filters(form, set_form, handle_filter, handle_clear),
            html.div({"class": "wl-alert error", "role": "alert"}, problem) if problem else "",
            AuditBody(page, zone, handle_more)))


@component
def Filters(form: Json, set_form: Any, apply: Any, clear: Any) -> Any:  # noqa: N802
    """Person or key, action, object kind, from and to dates."""
    _ = use_words()

    def field(key: str) -> Any:
        def handle(e: Any, *_: Any) -> None:
            value = event_value(e)
            set_form(lambda old: {**old, key: value})
        return handle

    def select(key: str, options: tuple[tuple[str, str], ...]) -> Any:
        return html.select({"class": "wl-input", "value": form[key], "data-filter": key,
                            "onChange": field(key)},
                           [html.option({"key": value or "-", "value": value}, _(label))
                            for value, label in options])

    return html.form(
        {"class": "wl-audit-filters", "data-form": "audit-filters",
         "onSubmit": event(apply, prevent_default=True)},
        html.label(_("Person or key"), text_field(
            {"class": "wl-input", "value": form["actor"], "placeholder": _("Name or email"),
             "data-filter": "actor", "onChange": field("actor")})),
        html.label(_("Action"), select("action", ACTIONS)),
        html.label(_("Object"), select("object_kind", OBJECTS)),
        html.label(_("From date"), html.input({"class": "wl-input", "type": "date",
                                       "value": form["since"], "data-filter": "since",
                                       "onChange": field("since")})),
        html.label(_("To date"), html.input({"class": "wl-input", "type": "date",
                                     "value": form["until"], "data-filter": "until",
                                     "onChange": field("until")})),
        html.div({"class": "push"},
                 html.button({"class": "wl-button", "type": "button", "onClick": clear},
                             _("Clear")),
                 html.button({"class": "wl-button primary", "type": "submit",
                              "data-action": "filter"}, _("Filter"))))


@component
def AuditBody(page: Json | None, zone: ZoneInfo, more: Any) -> Any:  # noqa: N802
    """The rows so far, and "Load more" while there are older ones."""
    _ = use_words()
    if page is None:
        return html.div({"class": "wl-loading"}, _("Loading the trail…"))
    if not page["items"]:
        return html.div({"class": "wl-empty-card"}, _("Nothing matches these filters."))
    return html.div(
        AuditTable(page["items"], zone),
        html.div({"class": "wl-more", "style": {"display": "flex", "justifyContent": "center",
                                                "marginTop": "14px"}},
                 html.button({"class": "wl-button", "data-action": "load-more",
                              "onClick": more}, _("Load more"))) if page["next_before"] else "")

