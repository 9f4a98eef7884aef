"""The lifecycle page (/insight/stages): the workspace's stages left to right with how many
customers are in each now, the conversion and the median time from each stage to the next,
the funnel and the stages over time as charts, the journeys that moved customers between
stages, and (for admins) the stages themselves to edit.

Figures come from the summary the `stages` roller keeps (`runtime.insight.stages` says what
they mean); "Refresh now" rolls it at once. A stage's rule is edited in the canvas's rule
builder (the bundle's `RuleBuilder`), picking from the workspace's attributes and events, with
each problem shown under its stage and its condition.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from reactpy import component, html, use_async_effect, use_state

from builder.i18n import N_, Words
from builder.i18n.messages import say
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import js_component, use_services, use_words
from builder.ui.services import Json, UiError
from builder.ui.settings_page import CARD_STYLE
from builder.ui.text_field import text_field
from builder.ui.times import zone_of

PERIOD_DAYS = 30
"""The period the board's conversions, stays and journeys cover."""

DEFAULT_NAMES = {"Acquisition": N_("Acquisition"), "Activation": N_("Activation"),
                 "Retention": N_("Retention"), "Revenue": N_("Revenue"),
                 "Referral": N_("Referral")}
"""The default stages' names, shown in the page's language while nobody renamed them."""

NEW_RULE = {"type": "and", "rules": []}
"""A new stage's rule: everyone (the marketer narrows it)."""

STYLE = CARD_STYLE + """
.wl-stage-board { display: flex; align-items: stretch; gap: 0; overflow-x: auto;
                  padding-bottom: 6px; margin-bottom: 16px; }
.wl-stage { flex: 1 1 0; min-width: 140px; background: var(--panel); border: 1px solid var(--line);
            border-radius: 12px; padding: 14px 16px; }
.wl-stage h3 { margin: 0 0 8px; font-size: 14px; color: var(--muted); font-weight: 600; }
.wl-stage .count { font-size: 26px; font-weight: 700; color: var(--ink);
                   font-variant-numeric: tabular-nums; }
.wl-stage .share { color: var(--brand); font-weight: 600; margin-left: 6px; }
.wl-stage .stay { margin-top: 8px; font-size: 12.5px; color: var(--muted); }
.wl-step { flex: 0 0 96px; display: flex; flex-direction: column; align-items: center;
           justify-content: center; text-align: center; font-size: 12px; color: var(--muted);
           padding: 0 4px; }
.wl-step .rate { font-size: 16px; font-weight: 700; color: var(--ink); }
.wl-step .arrow { font-size: 20px; color: var(--brand); line-height: 1; margin: 2px 0; }
.wl-stage-note { color: var(--muted); margin: -6px 0 16px; font-size: 13px; }
.wl-stage-actions { display: flex; gap: 8px; align-items: center; }
.wl-stage-actions .when { color: var(--muted); font-size: 12.5px; margin-right: 4px; }
.wl-stage-edit { display: grid; grid-template-columns: 160px 1fr; gap: 8px 12px;
                 border-top: 1px solid var(--line); padding: 12px 0; }
.wl-stage-edit:first-of-type { border-top: 0; }
.wl-stage-edit label { font-size: 12.5px; color: var(--muted); font-weight: 600; }
.wl-stage-edit textarea.wl-input { min-height: 84px; }
.wl-stage-edit .wl-row-actions { grid-column: 1 / -1; display: flex; gap: 6px; }
.wl-section-title { font-size: 16px; margin: 22px 0 10px; }
"""


@component
def StagesPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The board, its charts and journeys, and the editor of the stages."""
    services = use_services()
    _ = use_words()
    board, set_board = use_state(None)
    problem, set_problem = use_state(None)
    editing, set_editing = use_state(False)
    busy, set_busy = use_state(False)

    async def load() -> None:
        try:
            set_board(await asyncio.to_thread(services.stage_board, PERIOD_DAYS))
        except UiError as error:
            set_problem(error.message)

    @use_async_effect(dependencies=[])
    async def first() -> None:
        await load()

    async def handle_refresh(*_event: Any) -> None:
        set_busy(True)
        try:
            set_board(await asyncio.to_thread(services.refresh_stages, PERIOD_DAYS))
        except UiError as error:
            set_problem(error.message)
        set_busy(False)

    async def handle_saved() -> None:
        set_editing(False)
        await handle_refresh()

    body: Any
    if problem and board is None:
        body = html.div({"class": "wl-empty-card"}, problem)
    elif board is None:
        body = html.div({"class": "wl-loading"}, _("Loading the stages…"))
    else:
        body = html.div(
            StageEditor(services, handle_saved, lambda *_e: set_editing(False))
            if editing else "",
            Board(board), StageCharts(board), MovingJourneys(board))
    actions = html.div(
        {"class": "wl-stage-actions"},
        html.span({"class": "when", "data-rolled-at": ""},
                  _("Updated {when}", when=_.date(_moment(board["rolled_at"],
                                                          services.timezone)))
                  if board and board.get("rolled_at") else _("Not counted yet")),
        html.button({"class": "wl-button", "type": "button", "data-action": "refresh-stages",
                     "disabled": busy, "onClick": handle_refresh},
                    _("Counting…") if busy else _("Refresh now"))
        if services.may("journeys.edit") else "",
        html.button({"class": "wl-button primary", "type": "button",
                     "data-action": "edit-stages", "onClick": lambda *_e: set_editing(True)},
                    _("Edit stages"))
        if services.may("workspace.edit") and not editing else "")
    return html.div(
        {"class": "wl-app"}, html.style(STYLE), AppBar("stages"),
        html.main({"class": "wl-page"},
                  html.div({"class": "wl-page-head"},
                           html.div(html.h1(_("Lifecycle")),
                                    html.p(_("Where your customers are in their life with you: "
                                             "each is in the furthest stage whose rule they "
                                             "match. Conversions, times and journeys cover the "
                                             "last {days} days.", days=PERIOD_DAYS))),
                           actions),
                  html.div({"class": "wl-problems", "role": "alert"}, problem)
                  if problem and board is not None else "",
                  body))


@component
def Board(board: Json) -> Any:  # noqa: N802
    """The stages left to right, with the step from each to the next between them."""
    _ = use_words()
    names = stage_names(_, board)
    steps = {step["from_stage"]: step for step in board["steps"]}
    parts: list[Any] = []
    for card in board["stages"]:
        parts.append(html.section(
            {"class": "wl-stage", "key": card["key"], "data-stage": card["key"]},
            html.h3(names[card["key"]]),
            html.div(html.span({"class": "count"}, _.number(card["customers"])),
                     html.span({"class": "share"}, percent(_, card["share"]))),
            html.div({"class": "stay"},
                     _("Median stay: {time}", time=duration(_, card["median_stay_seconds"]))
                     if card["median_stay_seconds"] is not None else _("No one left it yet"))))
        step = steps.get(card["key"])
        if step is not None:
            parts.append(html.div(
                {"class": "wl-step", "key": f"step-{card['key']}", "data-step": card["key"],
                 "title": _("Of {entered} who entered {stage}, {reached} got further",
                            entered=_.number(step["entered"]), stage=names[card["key"]],
                            reached=_.number(step["reached"]))},
                html.span({"class": "rate"}, percent(_, step["conversion"])
                          if step["conversion"] is not None else "–"),
                html.span({"class": "arrow"}, "→"),
                html.span(step_note(_, step))))
    note = _("{count} customers are in no stage.", count=_.number(board["not_in_stage"])) \
        if board["not_in_stage"] else ""
    return html.div(html.div({"class": "wl-stage-board", "data-board": ""}, parts),
                    html.p({"class": "wl-stage-note"}, note) if note else "")


@component
def StageCharts(board: Json) -> Any:  # noqa: N802
    """The funnel (customers who got at least this far) and the stages over time."""
    _ = use_words()
    names = stage_names(_, board)
    keys = [card["key"] for card in board["stages"]]
    reached, running = [], 0
    for card in reversed(board["stages"]):
        running += card["customers"]
        reached.append([names[card["key"]], running])
    chart = js_component("Chart")
    return html.div(
        {"class": "wl-charts"},
        chart({"name": "stage-funnel", "title": _("Got this far or further"), "kind": "funnel",
               "dimensions": ["stage", "customers"],
               "labels": {"stage": _("Stage"), "customers": _("Customers")},
               "rows": list(reversed(reached)) if running else [], "height": 280,
               "empty": _("No customers counted yet.")}),
        chart({"name": "stages-over-time", "title": _("Customers per stage, by day"),
               "kind": "area", "stacked": True, "dimensions": ["day", *keys],
               "labels": {"day": _("Day"), **names},
               "rows": [[row["day"], *row["customers"]] for row in board["history"]],
               "height": 280, "empty": _("The history starts with the first count.")}))


@component
def MovingJourneys(board: Json) -> Any:  # noqa: N802
    """Per move from one stage to another, the journeys the customers were in."""
    _ = use_words()
    names = {**stage_names(_, board), "": _("No stage")}
    rows = [html.tr({"key": f"{row['from_stage']}-{row['to_stage']}-{row['journey_id']}",
                     "data-moved-by": str(row["journey_id"])},
                    html.td(names.get(row["from_stage"], row["from_stage"])),
                    html.td(names.get(row["to_stage"], row["to_stage"])),
                    html.td(html.a({"href": f"/journeys/{row['journey_id']}",
                                    "class": "wl-journey-name"}, row["journey_name"])),
                    html.td({"class": "num"}, _.number(row["moves"])))
            for row in board["journeys"]]
    table = html.table(
        {"class": "wl-table", "data-journeys": ""},
        html.thead(html.tr(html.th(_("From stage")), html.th(_("To stage")),
                           html.th(_("Journey")),
                           html.th({"class": "num"}, _("Customers moved")))),
        html.tbody(rows)) if rows else html.div(
        {"class": "wl-empty-card"},
        _("No journey has moved customers between stages in this period yet."))
    return html.div(html.h2({"class": "wl-section-title"}, _("Journeys that move customers")),
                    table)


@component
def StageEditor(services: Any, on_saved: Any, on_cancel: Any) -> Any:  # noqa: N802
    """Each stage's key, name and rule; add, remove and reorder; save (every problem shown)."""
    _ = use_words()
    stages, set_stages = use_state(None)
    discovery, set_discovery = use_state(None)
    problems, set_problems = use_state({})
    summary, set_summary = use_state(None)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        found = await asyncio.to_thread(services.get_stage_definitions)
        set_stages([{"key": stage["key"], "name": stage["name"], "rule": stage["rule"],
                     "id": index} for index, stage in enumerate(found["stages"])])
        set_discovery(await asyncio.to_thread(services.discover_data))

    if stages is None:
        return html.div({"class": "wl-card"}, _("Loading the stages…"))

    def set_field(index: int, field: str, value: Any) -> None:
        set_stages(lambda now: [{**stage, field: value} if at == index else stage
                                for at, stage in enumerate(now)])

    def change(index: int, field: str) -> Any:
        return lambda event, *_args: set_field(index, field, event["target"]["value"])

    def move(index: int, by: int) -> Any:
        def handle(*_event: Any) -> None:
            def moved(now: list[Json]) -> list[Json]:
                other = index + by
                if not 0 <= other < len(now):
                    return now
                order = list(now)
                order[index], order[other] = order[other], order[index]
                return order
            set_stages(moved)
        return handle

    def remove(index: int) -> Any:
        return lambda *_e: set_stages(lambda now: [s for at, s in enumerate(now) if at != index])

    def add(*_event: Any) -> None:
        set_stages(lambda now: [*now, {"key": f"stage_{len(now) + 1}", "name": "",
                                       "rule": NEW_RULE,
                                       "id": max((stage["id"] for stage in now), default=0) + 1}])

    async def save(*_event: Any) -> None:
        parsed = [{"key": stage["key"].strip(), "name": stage["name"], "rule": stage["rule"]}
                  for stage in stages]
        try:
            await asyncio.to_thread(services.save_stage_definitions, {"stages": parsed})
        except UiError as error:
            found = problems_by_stage(_, error.issues)
            set_problems(found)
            set_summary(save_summary(_, found, error.message))
            return
        await on_saved()

    return html.section(
        {"class": "wl-card", "data-stage-editor": ""},
        html.h2(_("Edit stages")),
        html.p({"class": "hint"}, _("In funnel order, first to last. A customer is in the last "
                                    "stage whose rule they match. Changing a stage's rule or "
                                    "place restarts that stage's history.")),
        html.div({"class": "wl-problems", "role": "alert"}, summary) if summary else "",
        [stage_fields(_, index, stage, len(stages), problems, discovery,
                      (change, set_field, move, remove))
         for index, stage in enumerate(stages)],
        html.div({"class": "wl-row"},
                 html.button({"class": "wl-button", "type": "button", "data-action": "add-stage",
                              "onClick": add}, _("Add a stage")),
                 html.button({"class": "wl-button primary", "type": "button",
                              "data-action": "save-stages", "onClick": save}, _("Save stages")),
                 html.button({"class": "wl-button", "type": "button", "onClick": on_cancel},
                             _("Cancel"))))


def stage_fields(_: Words, index: int, stage: Json, count: int,
                 problems: dict[str, list[str]], discovery: Json | None,
                 handlers: tuple[Any, Any, Any, Any]) -> Any:
    """One stage's fields in the editor, with the problems found in them; its rule in the
    canvas's rule builder, picking from the workspace's attributes and events."""
    change, set_field, move, remove = handlers
    where = f"stages[{index}]"

    def errors(field: str) -> Any:
        found = [message for path, messages in problems.items()
                 if path == f"{where}.{field}" or path.startswith(f"{where}.{field}.")
                 for message in messages]
        return html.div({"class": "wl-field-error", "data-problem": f"{where}.{field}"},
                        "; ".join(found)) if found else ""

    return html.div(
        {"class": "wl-stage-edit", "key": str(stage["id"]), "data-edit-stage": index},
        html.label(_("Name")),
        html.div(text_field({"class": "wl-input", "value": stage["name"],
                             "data-field": f"stage-name-{index}",
                             "onChange": change(index, "name")}), errors("name")),
        html.label(_("Key")),
        html.div(text_field({"class": "wl-input", "value": stage["key"],
                             "data-field": f"stage-key-{index}",
                             "onChange": change(index, "key")}), errors("key")),
        html.label(_("Rule")),
        html.div(js_component("RuleBuilder")({
            "value": stage["rule"], "discovery": discovery, "path": f"{where}.rule",
            "issues": [{"field": path, "message": message, "severity": "error"}
                       for path, messages in problems.items()
                       if path.startswith(f"{where}.rule") for message in messages],
            "onChange": lambda rule: set_field(index, "rule", rule)})),
        html.div({"class": "wl-row-actions"},
                 html.button({"class": "wl-button", "type": "button", "disabled": index == 0,
                              "onClick": move(index, -1)}, _("Move up")),
                 html.button({"class": "wl-button", "type": "button",
                              "disabled": index == count - 1, "onClick": move(index, 1)},
                             _("Move down")),
                 html.button({"class": "wl-button danger", "type": "button",
                              "data-action": f"remove-stage-{index}", "onClick": remove(index)},
                             _("Remove"))))


def problems_by_stage(_: Words, issues: list[Json]) -> dict[str, list[str]]:
    """The issues of a refused save, by field path ("stages[1].rule.rules[0]"), said in the
    page's language."""
    found: dict[str, list[str]] = {}
    for issue in issues:
        found.setdefault(issue.get("field") or "stages", []).append(say(_, issue["message"]))
    return found


def save_summary(_: Words, problems: dict[str, list[str]], message: str) -> str:
    """What the top of a refused save says: the problems of the stages as a whole (their
    count, a stage as such), else where to look, else the service's own words."""
    general = [said for path, messages in problems.items() if "." not in path
               for said in messages]
    if general:
        return "; ".join(general)
    return _("Fix the problems marked below, then save again.") if problems \
        else say(_, message)


def stage_names(_: Words, board: Json) -> dict[str, str]:
    """Each stage key → its name as this page shows it."""
    return {card["key"]: _(DEFAULT_NAMES[card["name"]]) if card["name"] in DEFAULT_NAMES
            else card["name"] for card in board["stages"]}


def step_note(_: Words, step: Json) -> str:
    """Under a step's conversion: the median time it took, or how many it is out of."""
    if step["median_seconds"] is not None:
        return _("in {time} (median)", time=duration(_, step["median_seconds"]))
    if step["entered"]:
        return _.n("of {n} who entered", "of {n} who entered", step["entered"])
    return _("no moves yet")


def percent(_: Words, share: float) -> str:
    """A share as a percentage with one decimal at most ("42.5%")."""
    return f"{_.number(round(share * 100, 1))}%"


def duration(_: Words, seconds: float) -> str:
    """A time span in the largest unit that keeps it readable ("3 days", "5 hours")."""
    if seconds >= 86_400 * 2:
        return _.n("{n} day", "{n} days", round(seconds / 86_400))
    if seconds >= 3_600 * 2:
        return _.n("{n} hour", "{n} hours", round(seconds / 3_600))
    return _.n("{n} minute", "{n} minutes", max(1, round(seconds / 60)))


def _moment(text: str, workspace_zone: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(zone_of(None, workspace_zone))
