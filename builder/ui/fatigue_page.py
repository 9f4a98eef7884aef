"""The message fatigue page (/insight/fatigue): in one local week, how many messages customers
got (a distribution, any and marketing), who got more than the frequency caps intend (the
caps read as a weekly pace; the list links to each customer), the share of them week by week,
and the unsubscribe rate by messages a week — where people start to leave. It links to the
Send rules page, where the caps are set, and that page links back.

Figures come from the fatigue summary (`runtime.insight.fatigue`), rebuilt every few minutes.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from reactpy import component, html, use_async_effect, use_state

from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import js_component, use_services, use_words
from builder.ui.services import UiError
from nodes.kit.channel import default_channels

TREND_WEEKS = 12
"""Weeks of trend the page shows."""

CHANNEL_NAMES = {spec.key: spec.label for spec in default_channels()}
"""Each channel's label (translated at render)."""

SEND_RULES = "/settings"
"""Where the frequency caps are set."""

STYLE = """
.wl-week { display: flex; align-items: center; gap: 8px; margin: 0 0 14px; flex-wrap: wrap; }
.wl-week strong { min-width: 220px; text-align: center; }
.wl-figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr));
              gap: 14px; margin-bottom: 14px; }
.wl-figure { background: var(--panel); border: 1px solid var(--line); border-radius: 12px;
             padding: 14px 16px; }
.wl-figure span { display: block; color: var(--muted); font-size: 12.5px; }
.wl-figure strong { display: block; font-size: 24px; margin-top: 4px; color: var(--ink); }
.wl-figure small { color: var(--muted); }
.wl-fatigue-section { margin-top: 18px; }
.wl-fatigue-section h2 { font-size: 16px; margin: 0 0 6px; }
.wl-fatigue-section p.hint { margin: 0 0 10px; color: var(--muted); }
.wl-caps { display: flex; gap: 8px; flex-wrap: wrap; margin: 0 0 10px; padding: 0;
           list-style: none; }
.wl-caps li { background: var(--hover); border-radius: 999px; padding: 4px 10px;
              font-size: 13px; }
.wl-more { margin-top: 10px; }
.wl-channel-count { display: inline-block; margin-right: 12px; color: var(--muted); }
.wl-channel-count.over { color: var(--err); font-weight: 600; }
"""


@component
def FatiguePage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The fatigue report of a week, with buttons to the week before and after."""
    _ = use_words()
    services = use_services()
    week, set_week = use_state(None)
    report, set_report = use_state(None)
    error, set_error = use_state(None)

    @use_async_effect(dependencies=[week])
    async def load() -> None:
        try:
            set_report(await asyncio.to_thread(services.fatigue_report, week, TREND_WEEKS))
            set_error(None)
        except UiError as problem:
            set_error(problem.message)

    def step(days: int) -> Any:
        def handle(*_args: Any) -> None:
            if report:
                set_week((date.fromisoformat(report["week"]) + timedelta(days=days)).isoformat())
        return handle

    if error:
        body: Any = html.div({"class": "wl-empty-card"}, error)
    elif report is None:
        body = html.div({"class": "wl-loading"}, _("Loading…"))
    else:
        body = html.div(WeekPicker(report, step(-7), step(7), services.timezone),
                        Figures(report, services.timezone), FatigueCharts(report),
                        OverCapsSection(services, report))
    return html.div(
        {"class": "wl-app"}, html.style(STYLE), AppBar("fatigue"),
        html.main({"class": "wl-page", "data-page": "fatigue"},
                  html.div({"class": "wl-page-head"}, html.div(
                      html.h1(_("Message fatigue")),
                      html.p(_("How many messages customers get a week, who gets more than "
                               "your frequency caps intend, and how many unsubscribe after "
                               "busy weeks."))),
                      html.a({"class": "wl-button", "href": SEND_RULES,
                              "data-link": "send-rules"}, _("Adjust send rules"))),
                  body))


def _day(text: str, zone: str) -> datetime:
    return datetime.combine(date.fromisoformat(text), datetime.min.time(), ZoneInfo(zone))


@component
def WeekPicker(report: dict[str, Any], earlier: Any, later: Any,  # noqa: N802
               zone: str) -> Any:
    """The week shown (Monday to Sunday) between the buttons to the weeks around it."""
    _ = use_words()
    start = _day(report["week"], zone)
    return html.div(
        {"class": "wl-week"},
        html.button({"class": "wl-button", "type": "button", "data-action": "week-before",
                     "onClick": earlier}, "← ", _("Week before")),
        html.strong({"data-week": report["week"]},
                    _("{start} – {end}", start=_.date(start, with_time=False),
                      end=_.date(start + timedelta(days=6), with_time=False))),
        html.button({"class": "wl-button", "type": "button", "data-action": "week-after",
                     "onClick": later}, _("Week after"), " →"))


@component
def Figures(report: dict[str, Any], zone: str) -> Any:  # noqa: N802
    """Customers messaged, those over the caps' intent, and how fresh the figures are."""
    _ = use_words()
    messaged, over = report["messaged"], report["over"]["count"]
    share = f"{over / messaged * 100:.1f}%" if messaged else "—"
    rolled = report.get("rolled_at")
    fresh = _.date(datetime.fromisoformat(rolled).astimezone(ZoneInfo(zone))) if rolled \
        else _("not yet")
    return html.div(
        {"class": "wl-figures"},
        html.div({"class": "wl-figure", "data-figure": "messaged"},
                 html.span(_("Customers messaged")), html.strong(_.number(messaged))),
        html.div({"class": "wl-figure", "data-figure": "over"},
                 html.span(_("Over the caps' intent")), html.strong(_.number(over)),
                 html.small(_("{share} of customers messaged", share=share))),
        html.div({"class": "wl-figure", "data-figure": "rolled"},
                 html.span(_("Figures as of")), html.strong({"style": {"fontSize": "15px"}},
                                                            fresh)))


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 2)


@component
def FatigueCharts(report: dict[str, Any]) -> Any:  # noqa: N802
    """The week's distribution, the trend of the share over the intent, unsubscribes by
    messages a week."""
    _ = use_words()
    chart = js_component("Chart")
    distribution = [[row["messages"], row["customers"], row["marketing_customers"]]
                    for row in report["distribution"]] if report["messaged"] else []
    trend = [[row["week"], _percent(row["share"])] for row in report["trend"]
             if row["messaged"]]
    leaving = [[row["messages"], _percent(row["rate"])] for row in report["unsubscribes"]
               if row["customers"]]
    return html.div(
        {"class": "wl-charts"},
        chart({"name": "fatigue-distribution", "kind": "bar",
               "title": _("Customers by messages received this week"),
               "dimensions": ["messages", "customers", "marketing_customers"],
               "labels": {"messages": _("Messages"), "customers": _("Any message"),
                          "marketing_customers": _("Marketing")},
               "rows": distribution, "empty": _("No messages were sent this week.")}),
        chart({"name": "fatigue-unsubscribes", "kind": "bar",
               "title": _("Unsubscribe rate by messages a week"),
               "dimensions": ["messages", "rate"],
               "labels": {"messages": _("Messages a week"),
                          "rate": _("Unsubscribed that week or the next (%)")},
               "rows": leaving, "empty": _("No messages in these weeks.")}),
        chart({"name": "fatigue-trend", "kind": "line",
               "title": _("Share over the caps' intent, week by week"),
               "dimensions": ["week", "share"],
               "labels": {"week": _("Week"), "share": _("Over the caps' intent (%)")},
               "rows": trend, "empty": _("No messages in these weeks.")}))


@component
def OverCapsSection(services: Any, report: dict[str, Any]) -> Any:  # noqa: N802
    """The caps read as a weekly pace, and the customers over it, a page at a time."""
    _ = use_words()
    more, set_more = use_state([])
    after, set_after = use_state(report["over"]["next_after"])
    shown = report["over"]["customers"] + more

    async def load_more(_event: Any) -> None:
        page = await asyncio.to_thread(services.fatigue_over, report["week"], after)
        set_more(more + page["customers"])
        set_after(page["next_after"])

    caps = [html.li({"key": cap["channel"], "data-intent": cap["channel"]},
                    _("{channel}: at most {limit} per {days} days → {per_week} a week",
                      channel=_(CHANNEL_NAMES.get(cap["channel"], cap["channel"])),
                      limit=cap["limit"], days=cap["days"], per_week=cap["per_week"]))
            for cap in report["caps"]]
    return html.section(
        {"class": "wl-fatigue-section", "data-section": "over-caps"},
        html.h2(_("Customers over the caps' intent")),
        html.p({"class": "hint"}, _("A cap of N messages per D days intends at most N × 7 ÷ D "
                                    "marketing messages a week on its channel (at least one). "
                                    "These customers got more on some channel this week.")),
        html.ul({"class": "wl-caps"}, caps) if caps else html.p(
            {"class": "hint", "data-no-caps": ""},
            _("No frequency caps are set, so nobody is over them."), " ",
            html.a({"href": SEND_RULES}, _("Set caps on the Send rules page."))),
        OverTable(shown, {cap["channel"]: cap["per_week"] for cap in report["caps"]}),
        html.button({"class": "wl-button wl-more", "type": "button", "data-action": "more",
                     "onClick": load_more}, _("Show more")) if after else "")


@component
def OverTable(customers: list[dict[str, Any]], intents: dict[str, int]) -> Any:  # noqa: N802
    """One row per customer over the intent: messages that week, marketing per capped channel
    (the channels over their intent stand out)."""
    _ = use_words()
    if not customers:
        return html.div({"class": "wl-empty-card"}, _("Nobody got more than the caps intend."))

    def per_channel(channels: dict[str, int]) -> list[Any]:
        return [html.span({"key": key, "class": "wl-channel-count" + (
                    " over" if count > intents.get(key, count) else "")},
                          _(CHANNEL_NAMES.get(key, key)), " ", _.number(count))
                for key, count in sorted(channels.items())]

    rows = [html.tr({"key": str(c["customer_id"]), "data-over": c["external_id"]},
                    html.td(html.a({"href": f"/customers/{quote(c['external_id'], safe='')}",
                                    "class": "wl-journey-name"}, c["external_id"])),
                    html.td(_.number(c["messages"])), html.td(_.number(c["marketing"])),
                    html.td(per_channel(c["channels"])))
            for c in customers]
    return html.table({"class": "wl-table", "data-table": "over-caps"}, html.thead(html.tr(
        html.th(_("Customer")), html.th(_("Messages")), html.th(_("Marketing")),
        html.th(_("Marketing on capped channels")))), html.tbody(rows))
