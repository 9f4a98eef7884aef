"""A journey's dashboard: headline totals against the period before, then charts — entries per
day, conversions and revenue over time, messages sent, opened, clicked and unsubscribed per
day, messages sent per day by channel, messages by channel and status, the funnel from entry
to goal and time to convert — over a range of days, for one published version or all.

The figures come from the insight summary (server.services.dashboard), each chart as a dataset
the bundle's `Chart` draws (Apache ECharts) and saves as CSV.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from typing import Any

from reactpy import component, event, html, use_async_effect, use_location, use_state

from builder.i18n import N_, Words
from builder.ui.journeys_page import ago
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import event_value, js_component, use_services, use_words
from builder.ui.services import Json, UiError

DASHBOARD_PATH = re.compile(r"^/journeys/(\d+)/dashboard/?$")

PRESETS = (7, 30, 90)
"""The ranges one click away: the last 7, 30 or 90 days, today included."""

CHARTS = {
    "entries": (N_("Entries per day"), "bar", False, False),
    "conversions": (N_("Conversions per day"), "line", False, False),
    "revenue": (N_("Revenue per day"), "area", False, False),
    "to_convert": (N_("Time to convert"), "bar", False, False),
    "engagement": (N_("Sent, opened, clicked and unsubscribed per day"), "line", False, True),
    "channels": (N_("Messages sent per day by channel"), "bar", True, True),
    "messages": (N_("Messages by channel and status"), "bar", True, True),
    "funnel": (N_("From entry to goal"), "funnel", False, True),
}
"""Each chart of the dashboard in the order shown: its title, kind of chart, whether its series
stack, and whether it takes the whole width (a legend of seven statuses, a funnel's labels)."""

TILES = (("entered", N_("Entered")), ("converted", N_("Converted")),
         ("rate", N_("Conversion rate")), ("revenue", N_("Revenue")),
         ("sent", N_("Messages sent")))
"""The headline figures, in the order they are shown."""

STYLE = """
.wl-dash-back { display: inline-flex; gap: 6px; align-items: center; color: var(--muted);
                text-decoration: none; font-size: 13px; margin-bottom: 6px; }
.wl-dash-back:hover { color: var(--brand); }
.wl-dash-bar { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-end;
               margin-bottom: 16px; }
.wl-dash-bar .wl-segmented { flex: none; }
.wl-dash-bar label { display: flex; flex-direction: column; gap: 4px; font-size: 12px;
                     color: var(--muted); }
.wl-dash-bar .wl-input { width: auto; min-width: 140px; }
.wl-dash-bar form { display: flex; gap: 8px; align-items: flex-end; }
.wl-dash-updated { color: var(--muted); font-size: 12.5px; margin-left: auto; }
.wl-charts > div { min-width: 0; }
.wl-charts > .wide { grid-column: 1 / -1; }
.wl-dash-bar .wl-segmented button { white-space: nowrap; padding: 6px 12px; }
.wl-tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr));
            gap: 12px; margin-bottom: 14px; }
.wl-tile { background: var(--panel); border: 1px solid var(--line); border-radius: 12px;
           padding: 12px 14px; box-shadow: var(--shadow); }
.wl-tile-label { font-size: 12px; font-weight: 600; color: var(--muted); }
.wl-tile-value { font-size: 22px; font-weight: 700; color: var(--ink); margin: 4px 0 2px;
                 font-variant-numeric: tabular-nums; }
.wl-tile-delta { font-size: 12px; color: var(--muted); }
.wl-tile-delta.up { color: var(--ok-ink, #166534); }
.wl-tile-delta.down { color: var(--err-ink, #991b1b); }
"""


@component
def DashboardPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The dashboard of the journey in the page's path (/journeys/<id>/dashboard)."""
    _ = use_words()
    match = DASHBOARD_PATH.match(use_location().path)
    if match is None:
        return html.div({"class": "wl-empty"}, _("There is no journey at this address."))
    return DashboardFor(use_services(), int(match[1]))


@component
def DashboardFor(services: Any, journey_id: int) -> Any:  # noqa: N802
    """Loads the figures of the range and version chosen, again whenever either changes."""
    _ = use_words()
    shown, set_shown = use_state({"first": None, "last": None, "version": None, "days": 30})
    found, set_found = use_state(None)
    problem, set_problem = use_state(None)

    @use_async_effect(dependencies=[shown["first"], shown["last"], shown["version"]])
    async def load() -> None:
        try:
            set_found(await asyncio.to_thread(services.journey_dashboard, journey_id,
                                              shown["first"], shown["last"],
                                              shown["version"], _.language))
            if problem:  # each render draws the charts again: render only when needed
                set_problem(None)
        except UiError as error:
            set_problem(error.message)

    body: Any
    if found is None:
        body = html.div({"class": "wl-empty-card"}, problem) if problem else \
            html.div({"class": "wl-loading"}, _("Loading the dashboard…"))
    elif not found["published"]:
        body = html.div(Head(found), html.div(
            {"class": "wl-empty-card", "data-empty": "never-published"},
            html.h2(_("Nothing to show yet")),
            html.p(_("This journey has not been published. Once it is, who enters, the "
                     "messages it sends and who converts appear here, day by day."))))
    else:
        body = html.div(
            Head(found), RangeBar(found, shown, set_shown),
            html.div({"class": "wl-alert error", "role": "alert"}, problem) if problem else "",
            Tiles(found), Charts(found))
    return html.div({"class": "wl-app"}, html.style(STYLE), AppBar("journeys"),
                    html.main({"class": "wl-page", "data-dashboard": journey_id}, body))


@component
def Head(found: Json) -> Any:  # noqa: N802
    """The journey's name, the way back to its canvas, and how fresh the figures are."""
    _ = use_words()
    updated = found.get("updated_at")
    return html.div(
        {"class": "wl-page-head"},
        html.div(html.a({"class": "wl-dash-back", "href": f"/journeys/{found['journey_id']}",
                         "data-action": "open-canvas"}, "← " + _("Back to the canvas")),
                 html.h1(found["name"]),
                 html.p(_("Dashboard · days in {zone}", zone=found["timezone"]))),
        html.span({"class": "wl-dash-updated", "data-updated": updated or ""},
                  _("Updated {ago}", ago=ago(updated, _)) if updated else
                  _("The figures are being prepared; they appear within a few minutes."))
        if found["published"] else "")


@component
def RangeBar(found: Json, shown: Json, set_shown: Any) -> Any:  # noqa: N802
    """7, 30 or 90 days; a range of one's own; one published version or all of them."""
    _ = use_words()
    draft, set_draft = use_state({"first": found["first"], "last": found["last"]})
    # Today is the last day of the first, default range (the server's clock and zone).
    today = date.fromisoformat(shown.get("today") or found["last"])

    def preset(days: int) -> Any:
        def handle_click(_event: Any) -> None:
            first = (today - timedelta(days=days - 1)).isoformat()
            set_shown({**shown, "first": first, "last": today.isoformat(), "days": days,
                       "today": today.isoformat()})
            set_draft({"first": first, "last": today.isoformat()})
        return handle_click

    def handle_apply(_event: Any) -> None:
        set_shown({**shown, "first": draft["first"] or None, "last": draft["last"] or None,
                   "days": None, "today": today.isoformat()})

    def field(key: str) -> Any:
        def handle(e: Any, *_a: Any) -> None:
            value = event_value(e)
            set_draft(lambda old: {**old, key: value})
        return handle

    def handle_version(e: Any, *_a: Any) -> None:
        value = event_value(e)
        set_shown({**shown, "version": int(value) if value else None,
                   "today": today.isoformat()})

    return html.div(
        {"class": "wl-dash-bar"},
        html.div({"class": "wl-segmented", "data-field": "preset"},
                 [html.button({"key": str(days), "type": "button", "data-days": days,
                               "class": "on" if shown["days"] == days else "",
                               "onClick": preset(days)},
                              _.n("{n} day", "{n} days", days)) for days in PRESETS]),
        html.form({"onSubmit": event(handle_apply, prevent_default=True)},
                  html.label(_("From date"), html.input(
                      {"class": "wl-input", "type": "date", "value": draft["first"],
                       "data-field": "from", "onChange": field("first")})),
                  html.label(_("To date"), html.input(
                      {"class": "wl-input", "type": "date", "value": draft["last"],
                       "data-field": "to", "onChange": field("last")})),
                  html.button({"class": "wl-button", "type": "submit",
                               "data-action": "apply-range"}, _("Apply"))),
        html.label(_("Version"), html.select(
            {"class": "wl-input", "data-field": "version",
             "value": str(shown["version"] or ""), "onChange": handle_version},
            html.option({"value": ""}, _("All versions")),
            [html.option({"key": str(number), "value": str(number)},
                         _("Version {n}", n=number)) for number in found["versions"]])))


@component
def Tiles(found: Json) -> Any:  # noqa: N802
    """The headline figures, each with how it moved against the period before."""
    _ = use_words()
    span = (date.fromisoformat(found["last"]) - date.fromisoformat(found["first"])).days + 1
    against = _.n("vs the {n} day before", "vs the {n} days before", span)
    return html.div({"class": "wl-tiles"}, [
        html.div({"key": key, "class": "wl-tile", "data-tile": key},
                 html.div({"class": "wl-tile-label"}, _(label)),
                 html.div({"class": "wl-tile-value", "data-value": found["totals"][key]},
                          _figure(_, key, found["totals"][key])),
                 _delta(_, key, found["totals"][key], found["previous"][key], against))
        for key, label in TILES])


def _figure(_: Words, key: str, value: float | None) -> str:
    if value is None:
        return "—"
    if key == "rate":
        return _.number(round(value * 100, 1)) + "%"
    return _.money(value) if key == "revenue" else _.number(value)


def _delta(_: Words, key: str, now: float | None, before: float | None, against: str) -> Any:
    """▲ 12% or ▼ 3% against the period before (a rate: ▲ 1.5 percentage points); a dash when
    there is nothing to compare."""
    if now is None or not before:
        return html.div({"class": "wl-tile-delta"}, "— " + against)
    change = now - before if key == "rate" else (now - before) / before
    arrow, kind = ("▲", "up") if change > 0 else ("▼", "down") if change < 0 else ("", "")
    size = _.number(round(abs(change) * 100, 1))
    said = (f"{arrow} " if arrow else "") + (_("{n} pts", n=size) if key == "rate" else
                                             f"{size}%")
    return html.div({"class": f"wl-tile-delta {kind}", "data-delta": round(change, 4)},
                    said + " " + against)


@component
def Charts(found: Json) -> Any:  # noqa: N802
    """Every chart, from its dataset, each with its CSV button."""
    _ = use_words()
    chart = js_component("Chart")
    datasets = {dataset["name"]: dataset for dataset in found["charts"]}
    return html.div({"class": "wl-charts"}, [
        html.div({"key": name, "class": "wide" if wide else ""}, chart({
            "name": name, "title": _(title), "kind": kind, "stacked": stacked,
            "dimensions": datasets[name]["dimensions"], "labels": datasets[name]["labels"],
            "rows": datasets[name]["rows"], "height": 280,
            "empty": _("No data in this range yet.")}))
        for name, (title, kind, stacked, wide) in CHARTS.items()])
