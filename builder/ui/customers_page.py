"""The customers pages: a searchable list, and one customer's timeline — what they did, the
journeys they entered and left, each step with its time, and every message with its status and,
when it was held back or failed, why and when it is tried next.

Rendered in Python by ReactPy over the same services the REST API calls. Times are shown in the
customer's own time zone (the workspace's when they have none), since that is the clock the send
rules (night-time, quiet hours) follow.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from reactpy import component, event, html, use_async_effect, use_location, use_state

from builder.ui.indexed_attributes import IndexedAttributesCard
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import use_services
from builder.ui.services import UiError
from builder.ui.text_field import text_field
from builder.ui.times import local_text, zone_of

CUSTOMER_PATH = re.compile(r"^/customers/([^/]+)/?$")

FILTERS = (("all", "Everything"), ("message", "Messages"), ("journey", "Journeys and steps"),
           ("event", "Events"))

KIND_LABELS = {"event": "Event", "entered": "Entered", "step": "Step", "message": "Message",
               "ended": "Left"}

STYLE = """
.wl-tl { list-style: none; margin: 0; padding: 0; background: #fff; border: 1px solid var(--line);
         border-radius: 12px; }
.wl-tl li { display: grid; grid-template-columns: 150px 92px 1fr; gap: 12px; padding: 12px 16px;
            border-bottom: 1px solid var(--line); align-items: start; }
.wl-tl li:last-child { border-bottom: 0; }
.wl-tl .when { color: var(--muted); font-variant-numeric: tabular-nums; font-size: 13px; }
.wl-tl .kind { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em;
               color: var(--muted); }
.wl-tl .kind.message { color: #ea580c; } .wl-tl .kind.event { color: #0891b2; }
.wl-tl .kind.entered, .wl-tl .kind.ended { color: var(--brand); }
.wl-tl .what { color: var(--ink); }
.wl-tl .sub { color: var(--muted); font-size: 13px; margin-top: 2px; }
.wl-tl .why { margin-top: 6px; padding: 6px 10px; border-radius: 8px; background: var(--warn-soft);
              color: #92400e; font-size: 13px; }
.wl-tl .why.stop { background: #f1f5f9; color: var(--ink-2); }
.wl-tl .why.bad { background: var(--err-soft); color: #991b1b; }
.wl-state { display: inline-block; margin-left: 8px; padding: 1px 8px; border-radius: 999px;
            font-size: 12px; font-weight: 600; }
.wl-state.sent, .wl-state.delivered { background: var(--ok-soft); color: #166534; }
.wl-state.deferred { background: var(--warn-soft); color: #92400e; }
.wl-state.queued { background: var(--brand-soft); color: var(--brand); }
.wl-state.suppressed { background: #e2e8f0; color: var(--ink-2); }
.wl-state.failed { background: var(--err-soft); color: #991b1b; }
.wl-facts { display: flex; gap: 18px; color: var(--muted); margin-top: 6px; flex-wrap: wrap; }
.wl-more { display: flex; justify-content: center; margin-top: 14px; }
.wl-search { display: flex; gap: 8px; max-width: 420px; }
"""


def describe(item: dict[str, Any], zone: ZoneInfo) -> tuple[str, str, dict[str, str] | None]:
    """What an item says: the main line, a detail line, and a highlighted why (class, text)."""
    kind = item["kind"]
    if kind == "event":
        props = ", ".join(f"{k}={v}" for k, v in list(item["properties"].items())[:4])
        return item["name"], props, None
    journey = item.get("journey_name", "")
    if kind == "entered":
        return f"Entered “{journey}”", f"version {item['version']}", None
    if kind == "ended":
        how = "Finished" if item["status"] == "done" else "Left"
        return f"{how} “{journey}”", item.get("reason") or "", None
    if kind == "step":
        went = f" → {item['port']}" if item.get("port") else ""
        state = {"waiting": " (waiting here)", "exited": " (exit)"}.get(item["outcome"], "")
        left = f"left {local_text(item['left_at'], zone)}" if item.get("left_at") and \
            item["left_at"] != item["at"] else ""
        detail = " · ".join(part for part in (item.get("detail"), left) if part)
        return f"{item['node_label']}{went}{state}", f"{journey} · {detail}", None
    return _message_lines(item, zone)


def _message_lines(item: dict[str, Any], zone: ZoneInfo) -> tuple[str, str, dict[str, str] | None]:
    status, reason = item["status"], item.get("reason")
    line = f"{item['channel'].upper()} from “{item['node_label']}”"
    sub = f"{item['journey_name']} · {item['purpose']}"
    if item.get("sent_at"):
        sub += f" · sent {local_text(item['sent_at'], zone)}"
    why = None
    if reason:
        text = f"Why: {reason}"
        if item.get("next_attempt_at") and status in ("deferred", "queued"):
            text += f" · next try {local_text(item['next_attempt_at'], zone)}"
        tone = {"deferred": "", "queued": "", "failed": "bad"}.get(status, "stop")
        why = {"class": f"why {tone}".strip(), "text": text, "kind": item.get("reason_kind") or ""}
    return line, sub, why


def keep(item: dict[str, Any], shown: str) -> bool:
    """Whether the filter `shown` keeps an item."""
    if shown == "all":
        return True
    if shown == "journey":
        return item["kind"] in ("entered", "step", "ended")
    return item["kind"] == shown


@component
def CustomerPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The timeline of the customer in the page's path (/customers/<external id>)."""
    match = CUSTOMER_PATH.match(use_location().path)
    if match is None:
        return html.div({"class": "wl-empty"}, "There is no customer at this address.")
    return TimelineFor(use_services(), unquote(match[1]))


@component
def TimelineFor(services: Any, external_id: str) -> Any:  # noqa: N802
    """Loads the newest page, and older ones on demand."""
    page, set_page = use_state(None)
    error, set_error = use_state(None)
    shown, set_shown = use_state("all")

    @use_async_effect(dependencies=[external_id])
    async def load() -> None:
        try:
            set_page(await asyncio.to_thread(services.customer_timeline, external_id, None))
        except UiError as problem:
            set_error(problem.message)

    async def older(_event: Any) -> None:
        more = await asyncio.to_thread(services.customer_timeline, external_id,
                                       page["next_before"])
        set_page({**more, "items": page["items"] + more["items"]})

    body: Any
    if error:
        body = html.div({"class": "wl-empty-card"}, html.h2("Customer not found"), html.p(error))
    elif page is None:
        body = html.div({"class": "wl-loading"}, "Loading the timeline…")
    else:
        body = Timeline(page, shown, set_shown, services.timezone, older)
    return html.div({"class": "wl-app"}, html.style(STYLE), AppBar("customers"),
                    html.main({"class": "wl-page"}, body))


@component
def Timeline(page: dict[str, Any], shown: str, set_shown: Any, workspace_zone: str,  # noqa: N802
             older: Any) -> Any:
    """The customer's facts, the filter, and the items."""
    customer = page["customer"]
    zone = zone_of(customer.get("timezone"), workspace_zone)
    items = [item for item in page["items"] if keep(item, shown)]
    facts = [f"{label}: {customer[key]}" for key, label in (("email", "Email"), ("phone", "Phone"))
             if customer.get(key)]
    facts.append(f"Times in {zone.key}" + ("" if customer.get("timezone") else
                                          " (the workspace's; the customer has none)"))
    return html.div(
        html.div({"class": "wl-page-head"}, html.div(
            html.a({"href": "/customers", "class": "wl-link-button subtle"}, "← Customers"),
            html.h1({"data-customer": customer["external_id"]}, customer["external_id"]),
            html.div({"class": "wl-facts"}, [html.span({"key": fact}, fact) for fact in facts]))),
        html.div({"class": "wl-tabs"}, [
            html.button({"key": key, "class": "on" if key == shown else "", "data-filter": key,
                         "onClick": _show(set_shown, key)}, label)
            for key, label in FILTERS]),
        html.ol({"class": "wl-tl", "data-timeline": ""}, [
            TimelineRow(item, zone, key=f"{index}") for index, item in enumerate(items)])
        if items else html.div({"class": "wl-empty-card"}, "Nothing here yet."),
        html.div({"class": "wl-more"}, html.button(
            {"class": "wl-button", "data-action": "older", "onClick": older},
            "Show older")) if page.get("next_before") else "")


def _show(set_shown: Any, key: str) -> Any:
    return lambda *_: set_shown(key)


@component
def TimelineRow(item: dict[str, Any], zone: ZoneInfo) -> Any:  # noqa: N802
    """One item: when, what kind, what happened (and for a message, its state and why)."""
    line, sub, why = describe(item, zone)
    state = html.span({"class": f"wl-state {item['status']}", "data-status": item["status"]},
                      item["status"]) if item["kind"] == "message" else ""
    return html.li(
        {"data-kind": item["kind"]},
        html.span({"class": "when"}, local_text(item["at"], zone)),
        html.span({"class": f"kind {item['kind']}"}, KIND_LABELS[item["kind"]]),
        html.div(html.div({"class": "what"}, line, state),
                 html.div({"class": "sub"}, sub) if sub else "",
                 html.div({"class": why["class"], "data-reason": why["kind"]}, why["text"])
                 if why else ""))


@component
def CustomersPage() -> Any:  # noqa: N802
    """Customers, newest ids last, searchable by external id or email prefix."""
    services = use_services()
    query, set_query = use_state("")
    found, set_found = use_state(None)

    @use_async_effect(dependencies=[])
    async def first() -> None:
        set_found(await asyncio.to_thread(services.list_customers, ""))

    async def search(_event: Any) -> None:
        set_found(await asyncio.to_thread(services.list_customers, query.strip()))

    rows = [html.tr({"key": str(c["id"])},
                    html.td(html.a({"href": f"/customers/{quote(c['external_id'], safe='')}",
                                    "class": "wl-journey-name"}, c["external_id"])),
                    html.td(c.get("email") or ""), html.td(c.get("phone") or ""),
                    html.td(c["created_at"][:10])) for c in found or []]
    table = html.table({"class": "wl-table"}, html.thead(html.tr(
        html.th("Customer"), html.th("Email"), html.th("Phone"), html.th("Since"))),
        html.tbody(rows)) if rows else html.div(
        {"class": "wl-empty-card"}, "Loading…" if found is None else "No customer matches.")
    return html.div(
        {"class": "wl-app"}, html.style(STYLE), AppBar("customers"),
        html.main({"class": "wl-page"},
                  html.div({"class": "wl-page-head"}, html.div(
                      html.h1("Customers"),
                      html.p("Open one to see their timeline: what they did, where they are, "
                             "and every message — sent, waiting or held back, and why.")),
                      html.form({"class": "wl-search", "onSubmit": event(search,
                                                                         prevent_default=True)},
                                text_field({"class": "wl-input", "value": query,
                                            "placeholder": "External id or email starts with…",
                                            "data-field": "customer-search",
                                            "onChange": lambda e, *_: set_query(
                                                e["target"]["value"])}),
                                html.button({"class": "wl-button", "type": "submit"}, "Search"))),
                  table, IndexedAttributesCard(services)))
