"""The customers pages: a list searchable by name, email, phone or external id (with a CSV
import for editors), and one customer's page — who they are, whether they may be messaged
(consent per channel), their attributes, tags and journeys, and their timeline.

Rendered in Python by ReactPy over the same services the REST API calls. Times are shown in
the customer's own time zone (the workspace's when they have none), since that is the clock
the send rules (night-time, quiet hours) follow.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from reactpy import component, event, html, use_async_effect, use_location, use_state

from builder.ui.consent_records import ConsentRecordsCard
from builder.ui.customer_profile import (
    PROFILE_STYLE,
    AttributesCard,
    ConsentCard,
    JourneysCard,
    ProfileHeader,
    TagsCard,
)
from builder.ui.customer_timeline import TIMELINE_STYLE, Timeline
from builder.ui.indexed_attributes import IndexedAttributesCard
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import js_component, use_services, use_words
from builder.ui.services import UiError
from builder.ui.text_field import text_field
from builder.ui.times import zone_of

CUSTOMER_PATH = re.compile(r"^/customers/([^/]+)/?$")

IMPORT_MAX_BYTES = 200 * 1024 * 1024
"""Largest CSV file the browser import takes (bigger ones: the CLI, `wayline import`)."""

OPT_OUT_MAX_BYTES = 5_000_000
"""Largest 080 opt-out CSV the browser sends (the server's bound: runtime.messaging.opt_outs
MAX_CSV_BYTES)."""

IMPORT_CHUNK_ROWS = 5_000
"""Rows per request of the browser import (each request repeats the header)."""

STYLE = TIMELINE_STYLE + PROFILE_STYLE + """
.wl-search { display: flex; gap: 8px; max-width: 460px; }
.wl-search .wl-input { flex: 1; min-width: 280px; }
.wl-progress { height: 10px; border-radius: 999px; background: var(--line); overflow: hidden;
               margin-top: 12px; }
.wl-progress-bar { height: 100%; background: var(--brand); transition: width .2s; }
.wl-import-summary { margin-top: 8px; }
[data-customers] { margin-top: 16px; }
.wl-import-summary .wl-table { margin-top: 10px; }
"""


@component
def CustomerPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The customer in the page's path (/customers/<external id>)."""
    _ = use_words()
    match = CUSTOMER_PATH.match(use_location().path)
    if match is None:
        return html.div({"class": "wl-empty"}, _("There is no customer at this address."))
    return CustomerFor(use_services(), unquote(match[1]))


@component
def CustomerFor(services: Any, external_id: str) -> Any:  # noqa: N802
    """Loads the profile and the newest page of the timeline, and older ones on demand."""
    _ = use_words()
    detail, set_detail = use_state(None)
    page, set_page = use_state(None)
    error, set_error = use_state(None)
    shown, set_shown = use_state("all")

    @use_async_effect(dependencies=[external_id])
    async def load() -> None:
        try:
            set_detail(await asyncio.to_thread(services.customer_profile, external_id))
            set_page(await asyncio.to_thread(services.customer_timeline, external_id, None))
        except UiError as problem:
            set_error(problem.message)

    async def older(_event: Any) -> None:
        more = await asyncio.to_thread(services.customer_timeline, external_id,
                                       page["next_before"])
        set_page({**more, "items": page["items"] + more["items"]})

    body: Any
    if error:
        body = html.div({"class": "wl-empty-card"}, html.h2(_("Customer not found")),
                        html.p(error))
    elif detail is None or page is None:
        body = html.div({"class": "wl-loading"}, _("Loading the customer…"))
    else:
        body = CustomerBody(services, detail, page, shown, set_shown, older)
    return html.div({"class": "wl-app"}, html.style(STYLE), AppBar("customers"),
                    html.main({"class": "wl-page"}, body))


@component
def CustomerBody(services: Any, detail: dict[str, Any], page: dict[str, Any],  # noqa: N802
                 shown: str, set_shown: Any, older: Any) -> Any:
    """The profile, consent, attributes, tags, the consent records and journeys, then the
    timeline."""
    customer = detail["customer"]
    zone = zone_of(customer.get("timezone"), services.timezone)
    saves, set_saves = use_state(0)
    labels = {entry["key"]: entry["label"] for entry in detail["channels"]}
    return html.div(
        ProfileHeader(customer, zone, bool(customer.get("timezone"))),
        html.div({"class": "wl-profile"},
                 ConsentCard(services, detail, zone, lambda: set_saves(lambda n: n + 1)),
                 AttributesCard(customer["attributes"]), TagsCard(customer["tags"])),
        ConsentRecordsCard(services, customer["external_id"], zone, labels, saves,
                           detail["can_edit"]),
        JourneysCard(detail["journeys"], zone),
        Timeline(page, shown, set_shown, zone, older))


@component
def CustomersPage() -> Any:  # noqa: N802
    """Customers, searchable by name, email, phone or external id; editors import a CSV."""
    _ = use_words()
    services = use_services()
    query, set_query = use_state("")
    found, set_found = use_state(None)
    me, set_me = use_state(None)

    @use_async_effect(dependencies=[])
    async def first() -> None:
        set_me(await asyncio.to_thread(services.whoami))
        set_found(await asyncio.to_thread(services.list_customers, ""))

    async def search(_event: Any) -> None:
        set_found(await asyncio.to_thread(services.list_customers, query.strip()))

    importer = js_component("CsvImport")({"maxBytes": IMPORT_MAX_BYTES,
                                          "chunkRows": IMPORT_CHUNK_ROWS,
                                          "onFinished": search}) \
        if me and services.may("customers.write") else ""
    opt_outs = js_component("OptOutUpload")({"maxBytes": OPT_OUT_MAX_BYTES}) \
        if me and services.may("customers.write") else ""
    return html.div(
        {"class": "wl-app"}, html.style(STYLE), AppBar("customers"),
        html.main({"class": "wl-page"},
                  html.div({"class": "wl-page-head"}, html.div(
                      html.h1(_("Customers")),
                      html.p(_("Open one to see who they are, whether they may be messaged, "
                               "and their timeline: what they did, where they are, and every "
                               "message — sent, waiting or held back, and why."))),
                      html.form({"class": "wl-search",
                                 "onSubmit": event(search, prevent_default=True)},
                                text_field({"class": "wl-input", "value": query,
                                            "placeholder": _("Name, email, phone or id…"),
                                            "data-field": "customer-search",
                                            "onChange": lambda e, *_a: set_query(
                                                e["target"]["value"])}),
                                html.button({"class": "wl-button", "type": "submit"},
                                            _("Search")))),
                  importer, opt_outs, CustomerTable(found, services.timezone),
                  IndexedAttributesCard(services)))


@component
def CustomerTable(found: list[dict[str, Any]] | None, workspace_zone: str) -> Any:  # noqa: N802
    """The customers found, or why there are none."""
    _ = use_words()
    zone = zone_of(None, workspace_zone)
    rows = [html.tr({"key": str(c["id"]), "data-row": c["external_id"]},
                    html.td(html.a({"href": f"/customers/{quote(c['external_id'], safe='')}",
                                    "class": "wl-journey-name"}, c["external_id"])),
                    html.td(c.get("name") or ""), html.td(c.get("email") or ""),
                    html.td(c.get("phone") or ""),
                    html.td(_.date(datetime.fromisoformat(c["created_at"]).astimezone(zone))))
            for c in found or []]
    if not rows:
        return html.div({"class": "wl-empty-card"},
                        _("Loading…") if found is None else _("No customer matches."))
    return html.table({"class": "wl-table", "data-customers": ""}, html.thead(html.tr(
        html.th(_("Customer")), html.th(_("Name")), html.th(_("Email")), html.th(_("Phone")),
        html.th(_("Since")))), html.tbody(rows))
