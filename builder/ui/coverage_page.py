"""The coverage page: the customers no journey and no message reached in the last N days — how
many, out of all, against the last earlier count; the trend by day; the breakdown by the
workspace's attributes (country and plan until an admin chooses others) and last purchase; the
list; and, for those who may write segments, "Save as segment", which keeps them in a segment a
journey can enter on (`server.services.coverage`).

Its own area in the bar, next to Customers: it answers a question about the whole base ("who
are we forgetting?") with its own window selector and charts, where the Customers page finds
one person.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_, Words
from builder.i18n.messages import say
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import js_component, use_services, use_words
from builder.ui.services import UiError
from builder.ui.settings_page import CARD_STYLE
from builder.ui.text_field import text_field
from builder.ui.times import zone_of

WINDOWS = (7, 30, 90)
"""The windows offered as buttons (any other from 1 to 365 by typing it)."""

ATTRIBUTES = {"country": N_("Country"), "plan": N_("Plan"),
              "last_purchase_at": N_("Last purchase")}
"""The breakdown's attributes as people read them."""

VALUES = {"": N_("Not set"), "*": N_("Other"), "<30d": N_("Under 30 days"),
          "30-90d": N_("30–90 days"), ">90d": N_("Over 90 days"), "never": N_("Never bought")}
"""Values the roller writes that are not the customers' own (last purchase buckets in order)."""

BUCKETS = ("<30d", "30-90d", ">90d", "never")
"""Last purchase buckets, shown in this order (other attributes: most customers first)."""

STYLE = CARD_STYLE + """
.wl-cover-head { display: flex; gap: 12px; align-items: center; flex: 0 0 auto; }
.wl-cover-head .wl-segmented { flex: 0 0 auto; flex-wrap: nowrap; }
.wl-cover-head .wl-segmented button { white-space: nowrap; padding: 6px 12px; }
.wl-cover-head form { display: flex; gap: 6px; align-items: center; }
.wl-cover-head input { width: 80px; }
.wl-headline { display: flex; gap: 28px; align-items: flex-end; flex-wrap: wrap; }
.wl-headline-number { font-size: 38px; font-weight: 700; line-height: 1; color: var(--ink); }
.wl-headline-share { color: var(--muted); margin-top: 6px; }
.wl-headline-change { font-weight: 600; }
.wl-headline-change.up { color: var(--err); } .wl-headline-change.down { color: var(--ok); }
.wl-headline-save { margin-left: auto; text-align: right; max-width: 420px; }
.wl-headline-save p { margin: 6px 0 8px; color: var(--muted); font-size: 13px; }
.wl-cover-section { margin: 18px 0 10px; font-size: 16px; }
.wl-charts + .wl-cover-section { margin-top: 22px; }
.wl-cover-more { margin-top: 10px; }
.wl-breakdown-choice { margin: 0 0 12px; }
.wl-breakdown-choice .wl-choices { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 8px 0; }
.wl-breakdown-choice label { display: flex; gap: 6px; align-items: center; font-size: 13px; }
.wl-breakdown-choice .wl-row-actions { display: flex; gap: 6px; }
"""



@component
def CoveragePage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The window selector, the headline, the charts and the list."""
    _ = use_words()
    services = use_services()
    days, set_days = use_state(30)
    typed, set_typed = use_state("")
    summary, set_summary = use_state(None)
    page, set_page = use_state(None)
    problem, set_problem = use_state(None)

    @use_async_effect(dependencies=[days])
    async def load() -> None:
        set_summary(None)
        set_page(None)
        set_summary(await asyncio.to_thread(services.coverage_summary, days))
        set_page(await asyncio.to_thread(services.coverage_customers, days, None))

    async def reload_summary() -> None:
        set_summary(await asyncio.to_thread(services.coverage_summary, days))

    async def more(_event: Any) -> None:
        found = await asyncio.to_thread(services.coverage_customers, days, page["next_after"])
        set_page({**found, "items": page["items"] + found["items"]})

    async def custom(_event: Any) -> None:
        wanted = typed.strip()
        if not wanted.isdigit() or not 1 <= int(wanted) <= 365:
            set_problem(_("Type a number of days from 1 to 365."))
            return
        set_problem(None)
        set_days(int(wanted))

    choices = html.div({"class": "wl-segmented", "role": "group"}, [
        html.button({"key": str(window), "type": "button", "data-window": str(window),
                     "class": "on" if window == days else "",
                     "onClick": lambda _e, w=window: set_days(w)},
                    _.n("{n} day", "{n} days", window)) for window in WINDOWS])
    picker = html.form(
        {"onSubmit": event(custom, prevent_default=True)},
        text_field({"class": "wl-input", "value": typed, "inputMode": "numeric",
                    "placeholder": _("Days"), "data-field": "coverage-days",
                    "aria-label": _("Another window, in days"),
                    "onChange": lambda e, *_a: set_typed(e["target"]["value"])}),
        html.button({"class": "wl-button", "type": "submit", "data-action": "custom-window"},
                    _("Show window")))
    body: Any = html.div({"class": "wl-loading"}, _("Counting…")) if summary is None else \
        html.div(Headline(summary, services),
                 Charts(summary, BreakdownChoice(summary, services, reload_summary)
                        if services.may("workspace.edit") else ""),
                 UntouchedList(page, summary["attributes"], services.timezone, more))
    return html.div(
        {"class": "wl-app"}, html.style(STYLE), AppBar("coverage"),
        html.main({"class": "wl-page"},
                  html.div({"class": "wl-page-head"}, html.div(
                      html.h1(_("Coverage")),
                      html.p(_("Customers no journey and no message reached in the last days "
                               "you choose: who they are, and a segment to reach them."))),
                      html.div({"class": "wl-cover-head"}, choices, picker)),
                  html.div({"class": "wl-field-error", "role": "alert"}, problem)
                  if problem else "",
                  body))


@component
def Headline(summary: dict[str, Any], services: Any) -> Any:  # noqa: N802
    """How many are untouched, their share, the change since the last earlier count, and the
    way to save them as a segment."""
    _ = use_words()
    zone = zone_of(None, services.timezone)
    untouched, customers = summary["untouched"], summary["customers"]
    share = _("{share}% of {customers} customers",
              share=_.number(round(summary["share"] * 100, 1)), customers=_.number(customers))
    before = summary["previous_untouched"]
    if before is None:
        change = html.span({"class": "wl-headline-change"}, _("No earlier count yet"))
    else:
        since = _.date(_midnight(summary["previous_day"]), with_time=False)
        delta = untouched - before
        change = html.span(
            {"class": f"wl-headline-change {'up' if delta > 0 else 'down' if delta else ''}",
             "data-change": str(delta)},
            _("{change} since {day}", change=f"{'+' if delta > 0 else ''}{_.number(delta)}",
              day=since) if delta else _("No change since {day}", day=since))
    fresh = _("Counted {time}", time=_.date(datetime.fromisoformat(summary["rolled_at"])
                                             .astimezone(zone))) \
        if summary["rolled_at"] else _("Not counted yet: the first count comes within a minute.")
    return html.section(
        {"class": "wl-card", "data-headline": ""},
        html.div({"class": "wl-headline"},
                 html.div(html.div({"class": "wl-headline-number",
                                    "data-untouched": str(untouched)}, _.number(untouched)),
                          html.div({"class": "wl-headline-share"},
                                   _.n("untouched in the last {n} day",
                                       "untouched in the last {n} days", summary["days"]))),
                 html.div(html.div(share), html.div(change),
                          html.div({"class": "wl-headline-share"}, fresh)),
                 SaveSegment(summary, services) if services.may("segments.edit") else ""))


@component
def SaveSegment(summary: dict[str, Any], services: Any) -> Any:  # noqa: N802
    """"Save as segment", or the segment already saved for this window."""
    _ = use_words()
    saved, set_saved = use_state(summary["segment"])
    problem, set_problem = use_state(None)
    days = summary["days"]

    async def save(_event: Any) -> None:
        name = _.n("Untouched for {n} day", "Untouched for {n} days", days)
        about = _("Customers no journey and no message reached in the last {days} days. "
                  "Wayline keeps this segment up to date every minute.", days=days)
        try:
            set_saved(await asyncio.to_thread(services.save_coverage_segment, days, name, about))
        except UiError as error:
            set_problem(error.message)

    if saved is None or saved.get("tag") != f"untouched-{days}d":
        return html.div({"class": "wl-headline-save"},
                        html.button({"class": "wl-button primary", "data-action": "save-segment",
                                     "onClick": save}, _("Save as segment")),
                        html.p(_("A segment that stays up to date, for a journey to reach "
                                 "them.")),
                        html.div({"class": "wl-field-error", "role": "alert"}, problem)
                        if problem else "")
    return html.div({"class": "wl-headline-save", "data-saved-segment": str(saved["id"])},
                    html.strong(_("Saved as the segment “{name}”", name=saved["name"])),
                    html.p(_("It stays up to date: every minute Wayline adds customers who "
                             "became untouched and removes those reached. Choose it in a "
                             "journey's entry step.")),
                    html.a({"href": "/", "class": "wl-button"}, _("Go to journeys")))


@component
def Charts(summary: dict[str, Any], choice: Any) -> Any:  # noqa: N802
    """The trend by day and a bar chart per breakdown attribute (`choice`: how an admin
    chooses the attributes, or "")."""
    _ = use_words()
    chart = js_component("Chart")
    days = summary["days"]
    trend = chart({"key": f"trend-{days}", "name": f"coverage-trend-{days}d",
                   "title": _("Untouched customers by day"), "kind": "line",
                   "dimensions": ["day", "untouched"],
                   "labels": {"untouched": _("Untouched")},
                   "rows": [[point["day"], point["untouched"]] for point in summary["trend"]],
                   "height": 240})
    bars = [chart({"key": f"{row['attribute']}-{days}",
                   "name": f"coverage-{row['attribute']}-{days}d",
                   "title": attribute_name(_, row["attribute"]),
                   "kind": "bar", "dimensions": ["value", "untouched"],
                   "labels": {"untouched": _("Untouched")},
                   "rows": [[_(VALUES[value["value"]]) if value["value"] in VALUES
                             else value["value"], value["untouched"]]
                            for value in _ordered(row)], "height": 220})
            for row in summary["breakdown"]]
    kept = html.p({"class": "hint"}, _("The breakdown is counted for 7, 30 and 90 days; choose "
                                       "one of those to see it.")) if not bars else ""
    return html.div(
        html.div({"class": "wl-charts"}, trend),
        html.h2({"class": "wl-cover-section"}, _("Who they are")), choice, kept,
        html.div({"class": "wl-charts"}, bars) if bars else "")


@component
def BreakdownChoice(summary: dict[str, Any], services: Any, saved: Any) -> Any:  # noqa: N802
    """Which attributes the breakdown counts by, and the way to choose them among those
    customers have; the next count, within a minute, uses the new ones."""
    _ = use_words()
    offered, set_offered = use_state(None)
    note, set_note = use_state(None)

    async def handle_choose(_event: Any) -> None:
        found = await asyncio.to_thread(services.discover_data)
        names = [fact["name"] for fact in found["attributes"]
                 if not fact["builtin"] and fact["name"] != "last_purchase_at"]
        set_offered([*summary["attributes"],
                     *(name for name in names if name not in summary["attributes"])])

    async def handle_saved() -> None:
        set_offered(None)
        set_note(_("Saved: the breakdown by these attributes is counted within a minute."))
        await saved()

    if offered is not None:
        return AttributePicker(offered, summary, services, handle_saved,
                               lambda *_e: set_offered(None))
    chosen = summary["attributes"]
    return html.div(
        {"class": "wl-breakdown-choice"},
        html.span({"class": "hint", "data-breakdown-attributes": ",".join(chosen)},
                  _("Broken down by {attributes} and last purchase.",
                    attributes=", ".join(attribute_name(_, name) for name in chosen))
                  if chosen else _("Broken down by last purchase only.")), " ",
        html.button({"class": "wl-button", "type": "button",
                     "data-action": "choose-attributes", "onClick": handle_choose},
                    _("Choose attributes")),
        html.div({"class": "hint", "role": "status"}, note) if note else "")


@component
def AttributePicker(offered: list[str], summary: dict[str, Any],  # noqa: N802
                    services: Any, saved: Any, cancel: Any) -> Any:
    """A box per attribute customers have (the chosen ones first, ticked), at most the
    summary's `max_attributes` ticked; saving refused shows each problem."""
    _ = use_words()
    picked, set_picked = use_state(summary["attributes"])
    problem, set_problem = use_state(None)
    most = summary["max_attributes"]

    def handle_toggle(name: str) -> None:
        set_picked(lambda now: [chosen for chosen in now if chosen != name] if name in now
                   else [*now, name])

    async def handle_save(_event: Any) -> None:
        try:
            await asyncio.to_thread(services.set_coverage_attributes, picked)
        except UiError as error:
            set_problem("; ".join(say(_, issue["message"]) for issue in error.issues)
                        or say(_, error.message))
            return
        await saved()

    boxes = [html.label(
        {"key": name},
        html.input({"type": "checkbox", "checked": name in picked, "data-attribute": name,
                    "disabled": name not in picked and len(picked) >= most,
                    "onChange": lambda _e, name=name: handle_toggle(name)}),
        attribute_name(_, name)) for name in offered]
    return html.div(
        {"class": "wl-card wl-breakdown-choice"},
        html.strong(_("Break untouched customers down by (at most {n})", n=most)),
        html.div({"class": "wl-choices"}, boxes or _("No customer has attributes yet.")),
        html.div({"class": "wl-row-actions"},
                 html.button({"class": "wl-button primary", "type": "button",
                              "data-action": "save-attributes", "onClick": handle_save},
                             _("Save")),
                 html.button({"class": "wl-button", "type": "button", "onClick": cancel},
                             _("Cancel"))),
        html.div({"class": "wl-field-error", "role": "alert"}, problem) if problem else "")


def attribute_name(_: Words, name: str) -> str:
    """An attribute as the page shows it: the known ones in the page's language, the
    workspace's own as they are named."""
    return _(ATTRIBUTES[name]) if name in ATTRIBUTES else name


@component
def UntouchedList(page: dict[str, Any] | None, attributes: list[str],  # noqa: N802
                  workspace_zone: str, more: Any) -> Any:
    """The untouched customers, a page at a time, each linking to their page, with the
    breakdown's attributes."""
    _ = use_words()
    zone = zone_of(None, workspace_zone)
    heading = html.h2({"class": "wl-cover-section"}, _("The customers"))
    if page is None or not page["items"]:
        return html.div(heading, html.div({"class": "wl-empty-card"}, _("Loading…")
                                          if page is None else _("Every customer was reached.")))
    rows = [html.tr({"key": str(c["id"]), "data-row": c["external_id"]},
                    html.td(html.a({"href": f"/customers/{quote(c['external_id'], safe='')}",
                                    "class": "wl-journey-name"}, c["external_id"])),
                    html.td(c["email"] or ""), html.td(c["phone"] or ""),
                    *(html.td(str(c["attributes"].get(name) or "")) for name in attributes),
                    html.td(_.date(datetime.fromisoformat(c["last_touched_at"]).astimezone(zone))
                            if c["last_touched_at"] else _("Never reached")))
            for c in page["items"]]
    return html.div(
        heading,
        html.table({"class": "wl-table", "data-untouched-list": ""}, html.thead(html.tr(
            html.th(_("Customer")), html.th(_("Email")), html.th(_("Phone")),
            *(html.th(attribute_name(_, name)) for name in attributes),
            html.th(_("Last touched")))),
            html.tbody(rows)),
        html.button({"class": "wl-button wl-cover-more", "data-action": "more",
                     "onClick": more}, _("More")) if page["next_after"] else "")


def _ordered(row: dict[str, Any]) -> list[dict[str, Any]]:
    """An attribute's values as its chart shows them: buckets in their order, else as given."""
    if row["attribute"] != "last_purchase_at":
        return row["values"]
    return sorted(row["values"], key=lambda value: BUCKETS.index(value["value"])
                  if value["value"] in BUCKETS else len(BUCKETS))


def _midnight(day: str) -> datetime:
    """A local day as an instant to format (only its date is shown)."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time())
