"""Who a customer is and whether they may be messaged: the profile header (name, contacts —
masked for those who may not read them —, external id, time zone, created, last seen), their
attributes, consent per channel (editors change it; each change is audited on the server),
tags, and the journeys they are in or were in."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reactpy import component, html, use_state

from builder.i18n import N_, Words
from builder.ui.reactpy_glue import use_words
from builder.ui.services import UiError

LONG_VALUE = 160
"""Characters of an attribute's value shown before it is cut (the whole value is its title)."""

RUN_STATUS = {"active": N_("Moving"), "waiting": N_("Waiting"), "done": N_("Finished"),
              "exited": N_("Left")}

PROFILE_STYLE = """
.wl-profile { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
              gap: 16px; margin: 16px 0; align-items: start; }
.wl-card-block { background: #fff; border: 1px solid var(--line); border-radius: 12px;
                 padding: 14px 16px; margin-top: 16px; }
.wl-profile .wl-card-block { margin-top: 0; }
.wl-card-block h2 { font-size: 15px; margin: 0 0 10px; }
.wl-facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 14px; margin: 0; }
.wl-facts dt { color: var(--muted); } .wl-facts dd { margin: 0; overflow-wrap: anywhere; }
.wl-attrs td.type { color: var(--muted); font-size: 12px; }
.wl-attrs td.value { overflow-wrap: anywhere; }
.wl-consent li { display: flex; align-items: center; justify-content: space-between; gap: 10px;
                 padding: 6px 0; border-bottom: 1px solid var(--line); }
.wl-consent ul { list-style: none; margin: 0; padding: 0; }
.wl-consent .how { color: var(--muted); font-size: 12px; }
.wl-tag { display: inline-block; margin: 0 6px 6px 0; padding: 2px 10px; border-radius: 999px;
          background: var(--brand-soft); color: var(--brand); font-size: 12px; }
"""


def moment(_: Words, value: str | None, zone: ZoneInfo) -> str:
    """An ISO time in full (year, time, zone) in `zone`; '' for none."""
    return _.date(datetime.fromisoformat(value).astimezone(zone)) if value else ""


@component
def ProfileHeader(customer: dict[str, Any], zone: ZoneInfo, own_zone: bool) -> Any:  # noqa: N802
    """The customer's name and how to reach them, with where and since when."""
    _ = use_words()
    facts = [(_("Email"), customer.get("email") or "—"), (_("Phone"), customer.get("phone") or "—"),
             (_("External id"), customer["external_id"]),
             (_("Time zone"), customer.get("timezone") or
              _("{zone} (the workspace's; the customer has none)", zone=zone.key)),
             (_("Created"), moment(_, customer["created_at"], zone)),
             (_("Last seen"), moment(_, customer.get("last_seen_at"), zone) or _("Not yet"))]
    return html.div(
        {"class": "wl-page-head"},
        html.div(html.a({"href": "/customers", "class": "wl-link-button subtle"},
                        _("← Customers")),
                 html.h1({"data-customer": customer["external_id"]},
                         customer.get("name") or customer["external_id"]),
                 html.p({"class": "wl-muted"}, _("Times are shown in {zone}.", zone=zone.key)
                        if own_zone else _("Times are shown in the workspace's zone, {zone}.",
                                           zone=zone.key)),
                 html.dl({"class": "wl-facts", "data-profile": ""}, [
                     cell for i, (label, value) in enumerate(facts)
                     for cell in (html.dt({"key": f"t{i}"}, label),
                                  html.dd({"key": f"d{i}"}, value))])))


def kind_of(value: Any) -> str:
    """The type of an attribute's value, in a word people read."""
    if isinstance(value, bool):
        return N_("yes/no")
    if isinstance(value, int | float):
        return N_("number")
    if isinstance(value, list):
        return N_("list")
    if isinstance(value, dict):
        return N_("object")
    return N_("empty") if value is None else N_("text")


def shown_value(_: Words, value: Any) -> str:
    """An attribute's value as text, cut at LONG_VALUE characters."""
    if isinstance(value, bool):
        text = _("Yes") if value else _("No")
    elif isinstance(value, int | float):
        text = _.number(value)
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= LONG_VALUE else text[:LONG_VALUE] + "…"


@component
def AttributesCard(attributes: dict[str, Any]) -> Any:  # noqa: N802
    """Every custom attribute, by name, with its type and (bounded) value."""
    _ = use_words()
    rows = [html.tr({"key": name, "data-attribute": name},
                    html.td(name), html.td({"class": "type"}, _(kind_of(value))),
                    html.td({"class": "value", "title": str(value)[:2000]},
                            shown_value(_, value)))
            for name, value in sorted(attributes.items())]
    return html.section(
        {"class": "wl-card-block wl-attrs", "data-card": "attributes"},
        html.h2(_("Attributes")),
        html.table({"class": "wl-table"}, html.tbody(rows)) if rows else
        html.p({"class": "wl-muted"}, _("No attributes.")))


@component
def TagsCard(tags: list[str]) -> Any:  # noqa: N802
    """The customer's tags."""
    _ = use_words()
    return html.section(
        {"class": "wl-card-block", "data-card": "tags"}, html.h2(_("Tags")),
        html.div([html.span({"class": "wl-tag", "key": tag, "data-tag": tag}, tag)
                  for tag in tags]) if tags else html.p({"class": "wl-muted"}, _("No tags.")))


@component
def ConsentCard(services: Any, detail: dict[str, Any], zone: ZoneInfo,  # noqa: N802
                on_saved: Any = None) -> Any:
    """Marketing consent on each channel; editors switch it (the server audits it and adds
    the change to the consent history; `on_saved` is told)."""
    _ = use_words()
    consent, set_consent = use_state(detail["customer"]["consent"])
    notice, set_notice = use_state(None)
    customer = detail["customer"]

    def change(channel: str, granted: bool) -> Any:
        async def handle_change(_event: Any) -> None:
            try:
                saved = await asyncio.to_thread(services.set_customer_consent,
                                                customer["external_id"], channel, granted)
            except UiError as problem:
                set_notice({"kind": "error", "text": problem.message})
                return
            set_consent(lambda now: {**now, channel: saved})
            set_notice({"kind": "ok", "text": _("Saved")})
            if on_saved is not None:
                on_saved()
        return handle_change

    rows = [ConsentRow(entry, consent.get(entry["key"]) or {}, zone,
                       change(entry["key"], not (consent.get(entry["key"]) or {}).get("granted"))
                       if detail["can_edit"] else None, key=entry["key"])
            for entry in detail["channels"]]
    return html.section(
        {"class": "wl-card-block wl-consent", "data-card": "consent"},
        html.h2(_("Marketing consent")), html.ul(rows),
        html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"])
        if notice else "")


@component
def ConsentRow(entry: dict[str, str], given: dict[str, Any], zone: ZoneInfo,  # noqa: N802
               on_change: Any) -> Any:
    """One channel: whether marketing may go, since when and how; a switch for editors."""
    _ = use_words()
    granted = given.get("granted")
    state = _("Subscribed") if granted else (
        _("Never asked") if granted is None else _("Not subscribed"))
    how = _("{when} · {source}", when=moment(_, given.get("at"), zone), source=given["source"]) \
        if given.get("at") and given.get("source") else moment(_, given.get("at"), zone)
    label = html.span(html.strong(_(entry["label"])), " ",
                      html.span({"data-consent-state": entry["key"]}, state))
    control = html.label(html.input({"type": "checkbox", "checked": bool(granted),
                                     "data-consent": entry["key"], "onChange": on_change}),
                         " ", _("Allowed")) if on_change else ""
    return html.li(html.div(label, html.div({"class": "how"}, how)), control)


@component
def JourneysCard(journeys: list[dict[str, Any]], zone: ZoneInfo) -> Any:  # noqa: N802
    """The journeys the customer is in or was in, newest first."""
    _ = use_words()
    rows = [html.tr({"key": str(run["run_id"]), "data-run": str(run["run_id"])},
                    html.td(html.a({"href": f"/journeys/{run['journey_id']}"},
                                   run["journey_name"])),
                    html.td(_("v{number}", number=run["version"])),
                    html.td(run["node_label"]),
                    html.td({"data-run-status": run["status"]},
                            _(RUN_STATUS.get(run["status"], run["status"]))),
                    html.td(moment(_, run["entered_at"], zone)))
            for run in journeys]
    head = html.thead(html.tr(html.th(_("Journey")), html.th(_("Version")),
                              html.th(_("Current step")), html.th(_("Status")),
                              html.th(_("Entered"))))
    return html.section(
        {"class": "wl-card-block", "data-card": "journeys"}, html.h2(_("Journeys")),
        html.table({"class": "wl-table"}, head, html.tbody(rows)) if rows else
        html.p({"class": "wl-muted"}, _("Not in any journey yet.")))
