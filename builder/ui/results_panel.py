"""A/B results on the canvas: a panel over a published journey with random splits.

For each split it shows every path's customers, conversions and rate, the uplift against the
control group and how sure that is, with the verdict in words ("Free shipping beats Control
group with 97% confidence"). It refreshes while the page is open, from the same service the
results API calls, and folds away to a one-line summary.
"""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, html, use_async_effect, use_state

from builder.i18n import Words
from builder.ui.reactpy_glue import use_words
from builder.ui.service_words import CONTROL, said
from builder.ui.services import Json, UiError, UiServices

RESULTS_SECONDS = 5.0
"""How often the results refresh while the editor is open."""

STYLE = """
.wl-ab { position: fixed; top: 68px; left: 252px; z-index: 20; width: 540px; max-height: 60vh;
         overflow: auto; background: var(--panel, #fff); border: 1px solid var(--line, #e2e8f0);
         border-radius: 12px; box-shadow: 0 8px 24px rgba(15, 23, 42, .12);
         font: 13px/1.4 system-ui, sans-serif; color: var(--ink, #0f172a); }
.wl-ab header { display: flex; align-items: center; gap: 8px; padding: 10px 14px;
                border-bottom: 1px solid var(--line, #e2e8f0); }
.wl-ab header strong { font-size: 13px; text-transform: uppercase; letter-spacing: .05em;
                       color: #db2777; }
.wl-ab header .goal { color: var(--muted, #64748b); flex: 1; }
.wl-ab header button { border: 0; background: transparent; color: var(--muted, #64748b);
                       cursor: pointer; font: inherit; padding: 2px 6px; border-radius: 6px; }
.wl-ab header button:hover { background: var(--bg, #f8fafc); }
.wl-ab section { padding: 10px 14px 12px; }
.wl-ab section + section { border-top: 1px solid var(--line, #e2e8f0); }
.wl-ab h3 { margin: 0 0 6px; font-size: 14px; }
.wl-ab .verdict { margin: 0 0 8px; padding: 6px 10px; border-radius: 8px;
                  background: var(--bg, #f8fafc); color: var(--ink-2, #334155); }
.wl-ab .verdict.win { background: var(--ok-soft, #dcfce7); color: var(--ok, #16a34a);
                      font-weight: 600; }
.wl-ab .verdict.loss { background: var(--err-soft, #fee2e2); color: var(--err, #dc2626);
                       font-weight: 600; }
.wl-ab table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums;
               font-size: 12px; }
.wl-ab th { text-align: right; font-weight: 600; color: var(--muted, #64748b); font-size: 12px;
            padding: 3px 4px; border-bottom: 1px solid var(--line, #e2e8f0); }
.wl-ab td { text-align: right; padding: 4px; border-bottom: 1px solid var(--line, #e2e8f0); }
.wl-ab th:first-child, .wl-ab td:first-child { text-align: left; white-space: nowrap; }
.wl-ab .against { margin: 6px 0 0; color: var(--muted, #64748b); font-size: 12px; }
.wl-ab .folded { padding: 8px 14px; color: var(--ink-2, #334155); }
.wl-ab tr.win td { background: var(--ok-soft, #dcfce7); }
.wl-ab tr.loss td { background: var(--err-soft, #fee2e2); }
.wl-ab .base { color: var(--muted, #64748b); font-size: 11px; margin-left: 4px; }
.wl-ab .up { color: var(--ok, #16a34a); } .wl-ab .down { color: var(--err, #dc2626); }
.wl-ab .bar { display: block; height: 4px; border-radius: 2px; background: #db2777;
              margin-top: 2px; opacity: .7; }
"""


@component
def AbResults(services: UiServices, journey_id: int, published: bool) -> Any:  # noqa: N802
    """The results panel of a published journey's random splits (nothing when it has none)."""
    results, set_results = use_state(None)
    folded, set_folded = use_state(False)
    _ = use_words()

    @use_async_effect(dependencies=[journey_id, published])
    async def refresh() -> None:
        while published:
            try:
                set_results(await asyncio.to_thread(services.journey_results, journey_id))
            except UiError:
                set_results(None)
            await asyncio.sleep(RESULTS_SECONDS)

    if not published or not results or not results["splits"]:
        return html.fragment()
    toggle = html.button({"onClick": lambda _event: set_folded(not folded),
                          "data-ab-toggle": True},
                         _("Show") if folded else _("Hide"))
    header = html.header(html.strong(_("A/B results")), html.span({"class": "goal"},
                                                                  _goal(_, results)), toggle)
    if folded:  # one line per split still says who is winning
        body = [html.div({"class": "folded", "key": split["node_id"]},
                         _("{split}: {summary}", split=split["label"],
                           summary=said(_, split["summary"])))
                for split in results["splits"]]
    else:
        body = [SplitTable(split) for split in results["splits"]]
    return html.div({"class": "wl-ab", "data-ab-results": True}, html.style(STYLE), header,
                    *body)


def _goal(_: Words, results: Json) -> str:
    goal = results.get("goal")
    if goal is None:
        return _("No goal set: add one in the journey settings")
    return _("Goal: {event} within {within} · {converted} of {entered} converted ({rate})",
             event=goal["event"], within=within_text(_, goal["within"]),
             converted=_.number(results["converted"]), entered=_.number(results["entered"]),
             rate=_rate(results.get("rate")))


def within_text(_: Words, within: str) -> str:
    """A goal's window ('7 days', as `Duration.describe` says it) in `_`'s language."""
    amount, _space, unit = within.partition(" ")
    if not amount.isdigit():
        return within
    count = int(amount)
    units = {"minute": lambda: _.n("{n} minute", "{n} minutes", count),
             "hour": lambda: _.n("{n} hour", "{n} hours", count),
             "day": lambda: _.n("{n} day", "{n} days", count),
             "week": lambda: _.n("{n} week", "{n} weeks", count)}
    say = units.get(unit.removesuffix("s"))
    return say() if say else within


@component
def SplitTable(split: Json) -> Any:  # noqa: N802
    """One split: its verdict, then a row per path."""
    _ = use_words()
    best = max((variant["rate"] or 0 for variant in split["variants"]), default=0) or 1
    rows = [_row(_, variant, best) for variant in split["variants"]]
    head = html.tr(html.th(_("Path")), html.th(_("Entered")), html.th(_("Converted")),
                   html.th(_("Rate")), html.th(_("Uplift")), html.th(_("Confidence")))
    return html.section(
        {"data-ab-split": split["node_id"], "key": split["node_id"]},
        html.h3(split["label"]),
        html.p({"class": f"verdict {_tone(split)}", "data-ab-summary": True},
               said(_, split["summary"])),
        html.table(html.thead(head), html.tbody(*rows)),
        html.p({"class": "against"}, _("Uplift and confidence against {baseline} "
                                       "(two-proportion z-test; 95% is the bar).",
                                       baseline=path_label(_, split["baseline_label"]))))


def path_label(_: Words, label: str) -> str:
    """A path's name: the control group's in `_`'s language, the marketer's own as written."""
    return _(label) if label == CONTROL else label


def _row(_: Words, variant: Json, best: float) -> Any:
    tone = ""
    if variant["significant"]:
        tone = "win" if (variant["difference"] or 0) > 0 else "loss"
    name = [path_label(_, variant["label"]), html.span({"class": "base"}, f"{variant['share']:g}%")]
    if variant["is_baseline"]:
        name.append(html.span({"class": "base", "data-ab-baseline": True}, _("· baseline")))
    width = f"{round(100 * (variant['rate'] or 0) / best)}%"
    rate = html.td(_rate(variant["rate"]), html.span({"class": "bar", "style": {"width": width}}))
    return html.tr(
        {"class": tone, "data-ab-variant": variant["key"], "key": variant["key"],
         "title": said(_, variant["verdict"])},
        html.td(*name), html.td(_.number(variant["entered"])),
        html.td(_.number(variant["converted"])), rate, html.td(_uplift(variant)),
        html.td(_confidence(_, variant)))


def _tone(split: Json) -> str:
    for variant in split["variants"]:
        if variant["significant"] and variant["verdict"] == split["summary"]:
            return "win" if (variant["difference"] or 0) > 0 else "loss"
    return ""


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _uplift(variant: Json) -> Any:
    uplift = variant["uplift"]
    if variant["is_baseline"] or uplift is None:
        return "—"
    return html.span({"class": "up" if uplift > 0 else "down" if uplift < 0 else ""},
                     f"{uplift * 100:+.1f}%")


def _confidence(_: Words, variant: Json) -> str:
    confidence = variant["confidence"]
    if variant["is_baseline"] or confidence is None:
        return "—"
    if "Too few" in variant["verdict"]:  # the service's verdict, in English
        return _("too few yet")
    return f"{min(int(confidence * 1000) / 10, 99.9):g}%"
