"""The journeys page: every journey with its status, live version and customers, and actions.

Rendered in Python by ReactPy. Actions that change what customers receive (pause, resume,
archive) ask first; creating (blank or from a starter), cloning and importing make a draft —
nothing reaches customers until it is published — and open it on the canvas. Only the actions
the person's role allows are offered (the server refuses the others anyway). Counts refresh
while the page is open; journeys someone asked to publish wear a "Waiting for approval" pill.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import js_component, use_services
from builder.ui.services import UiError, UiServices
from builder.ui.session import ends_polling
from builder.ui.text_field import text_field
from nodes.kit.channel import default_channels

REFRESH_SECONDS = 5.0
"""How often the open list refreshes its counts and statuses."""

REQUEST_ROUNDS = 6
"""Every how many refreshes the list asks again which journeys wait for approval (each
pending request's audience is counted, so not every time)."""

TABS = (("all", "All"), ("live", "Live"), ("draft", "Drafts"), ("paused", "Paused"),
        ("archived", "Archived"))

CONFIRM = {
    "pause": ("Pause “{name}”?", "No one new enters. Customers inside wait where they are and get "
              "no messages until you resume.", "Pause journey", False),
    "resume": ("Resume “{name}”?", "Customers move on again: waits that ended while it was paused "
               "continue at once, and messages go out.", "Resume journey", False),
    "archive": ("Archive “{name}”?", "This ends the journey for good: the {active} inside leave "
                "it now and get no more messages. You can still clone it.", "Archive", True),
}
"""Actions that change what customers receive: the question, what happens, the button."""


@component
def JourneysPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The list of journeys with their actions."""
    services = use_services()
    journeys, set_journeys = use_state(None)
    waiting, set_waiting = use_state(frozenset())
    tab, set_tab = use_state("all")
    notice, set_notice = use_state(None)
    confirm, set_confirm = use_state(None)
    go, set_go = use_state(None)
    can = {"edit": services.may("journeys.edit"), "publish": services.may("journeys.publish")}

    @use_async_effect(dependencies=[])
    async def refresh() -> None:
        rounds = 0
        while True:
            try:
                set_journeys(await asyncio.to_thread(services.list_journeys))
                if rounds % REQUEST_ROUNDS == 0:
                    set_waiting(await asyncio.to_thread(waiting_for_approval, services))
            except UiError as error:
                if ends_polling(error):
                    return  # the session is over: the app bar sends the browser to sign in
            rounds += 1
            await asyncio.sleep(REFRESH_SECONDS)

    async def act(op: str, journey_id: int) -> None:
        set_confirm(None)
        try:
            message, target = await asyncio.to_thread(run_action, services, op, journey_id)
        except UiError as error:
            set_notice({"kind": "error", "text": error.message})
            return
        if target:
            set_go(target)
            return
        set_notice({"kind": "ok", "text": message})
        set_journeys(await asyncio.to_thread(services.list_journeys))

    async def handle_import(raw: str) -> None:
        try:
            detail = await asyncio.to_thread(import_file, services, raw)
        except UiError as error:
            set_notice({"kind": "error", "text": error.message})
            return
        set_go(f"/journeys/{detail['journey']['id']}")

    async def ask(op: str, journey: dict[str, Any]) -> None:
        if op in CONFIRM:
            set_confirm({"op": op, "journey": journey})
        else:
            await act(op, journey["id"])

    shown = [j for j in journeys or [] if tab == "all" or j["status"] == tab]
    return html.div(
        {"class": "wl-app"},
        AppBar("journeys"),
        html.main(
            {"class": "wl-page"},
            PageHead(services, set_go, set_notice, handle_import, can["edit"]),
            Alert(notice, lambda _event: set_notice(None)),
            Tabs(tab, set_tab, journeys or []),
            (html.div({"class": "wl-loading"}, "Loading journeys…") if journeys is None
             else JourneyTable(shown, ask, can, waiting) if shown
             else EmptyList(tab, can["edit"])),
        ),
        ConfirmDialog(confirm, act, lambda _event: set_confirm(None)) if confirm else "",
        js_component("Navigate")({"to": go}) if go else "",
    )


@component
def PageHead(services: UiServices, set_go: Any, set_notice: Any,  # noqa: N802
             handle_import: Any, can_edit: bool) -> Any:
    """Title, and the create and import actions (for roles that make drafts)."""
    creating, set_creating = use_state(False)
    return html.div(
        {"class": "wl-page-head"},
        html.div(html.h1("Journeys"),
                 html.p("Draw who enters, what they get and when; publish, then watch "
                        "customers move through." if can_edit else
                        "Who enters each journey, what they get and when, and how many are "
                        "in it now.")),
        html.div(
            {"class": "wl-actions"},
            js_component("ImportButton")({"label": "Import", "onFile": handle_import}),
            html.button({"class": "wl-button primary", "data-action": "create",
                         "onClick": lambda _e: set_creating(True)}, "+ New journey"))
        if can_edit else "",
        NewJourneyDialog(services, set_go, set_notice, lambda _e=None: set_creating(False))
        if creating else "")


BLANK = {"key": "blank", "name": "Blank canvas", "nodes": 0, "channels": [],
         "description": "An empty canvas: drag an entry onto it and draw your own journey."}
"""The choice that starts from nothing, shown beside the starters."""


@component
def NewJourneyDialog(services: UiServices, set_go: Any, set_notice: Any,  # noqa: N802
                     close: Any) -> Any:
    """Name the journey and start it blank or from a starter; opens the new draft."""
    starters, set_starters = use_state([])
    choice, set_choice = use_state("blank")
    name, set_name = use_state("")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        set_starters(await asyncio.to_thread(services.list_starters))

    async def create(_event: Any) -> None:
        try:
            detail = await asyncio.to_thread(create_new, services, choice, name.strip())
        except UiError as error:
            close()
            set_notice({"kind": "error", "text": error.message})
            return
        set_go(f"/journeys/{detail['journey']['id']}")

    chosen = next((s for s in starters if s["key"] == choice), BLANK)
    return html.div(
        {"class": "wl-modal-backdrop"},
        html.form(
            {"class": "wl-modal wide", "role": "dialog", "aria-modal": "true",
             "aria-label": "New journey", "onSubmit": event(create, prevent_default=True)},
            html.h2("New journey"),
            html.p("It starts as a draft: nobody enters and nothing is sent until you publish."),
            html.div({"class": "wl-starters"}, [
                StarterCard(item, item["key"] == choice, set_choice, key=item["key"])
                for item in [BLANK, *starters]]),
            html.label({"class": "wl-label"}, "Name"),
            text_field({"class": "wl-input", "value": name, "autoFocus": True,
                        "placeholder": "Untitled journey" if choice == "blank"
                        else chosen["name"], "data-field": "new-journey-name",
                        "onChange": lambda event: set_name(event["target"]["value"])}),
            html.div({"class": "wl-modal-actions"},
                     html.button({"class": "wl-button", "type": "button",
                                  "onClick": lambda _e: close()}, "Cancel"),
                     html.button({"class": "wl-button primary", "type": "submit",
                                  "data-action": "create-confirm"},
                                 "Create draft"))))


@component
def StarterCard(item: dict[str, Any], chosen: bool, choose: Any) -> Any:  # noqa: N802
    """One way to start: blank, or a starter with its steps and channels."""
    facts = (f"{item['nodes']} steps · {', '.join(CHANNELS.get(c, c) for c in item['channels'])}"
             if item["nodes"] else "")
    return html.button(
        {"class": f"wl-starter {'on' if chosen else ''}", "type": "button",
         "data-starter": item["key"], "aria-pressed": chosen,
         "onClick": lambda _e: choose(item["key"])},
        html.strong(item["name"]), html.span(item["description"]),
        html.small(facts) if facts else "")


CHANNELS = {spec.key: spec.name for spec in default_channels()}
"""Each channel's name (`nodes/channels/`)."""


def create_new(services: UiServices, choice: str, name: str) -> dict[str, Any]:
    """A new draft: blank, or from the starter `choice` (its templates made if missing)."""
    if choice == "blank":
        return services.create_journey(name or "Untitled journey")
    return services.create_from_starter(choice, name or None)


@component
def Alert(notice: dict[str, Any] | None, dismiss: Any) -> Any:  # noqa: N802
    """The outcome of the last action."""
    if not notice:
        return html.div()
    return html.div({"class": f"wl-alert {notice['kind']}", "role": "status",
                     "data-notice": notice["kind"]},
                    html.span(notice["text"]),
                    html.button({"class": "wl-icon-button", "onClick": dismiss}, "×"))


@component
def Tabs(tab: str, set_tab: Any, journeys: list[dict[str, Any]]) -> Any:  # noqa: N802
    """Filter by status, with how many journeys each holds."""
    def count(key: str) -> int:
        return len(journeys) if key == "all" else sum(j["status"] == key for j in journeys)

    return html.div({"class": "wl-tabs"}, [
        html.button({"key": key, "class": "on" if key == tab else "", "data-tab": key,
                     "onClick": lambda _e, key=key: set_tab(key)}, f"{label} · {count(key)}")
        for key, label in TABS])


@component
def JourneyTable(journeys: list[dict[str, Any]], ask: Any, can: dict[str, bool],  # noqa: N802
                 waiting: frozenset[int]) -> Any:
    """One row per journey."""
    head = html.thead(html.tr(
        html.th("Journey"), html.th("Status"), html.th("Live version"),
        html.th({"class": "num"}, "In journey now"), html.th({"class": "num"}, "Entered"),
        html.th("Last edited"), html.th()))
    return html.table({"class": "wl-table"}, head,
                      html.tbody([JourneyRow(j, ask, can, j["id"] in waiting, key=j["id"])
                                  for j in journeys]))


@component
def JourneyRow(journey: dict[str, Any], ask: Any, can: dict[str, bool],  # noqa: N802
               is_waiting: bool) -> Any:
    """A journey: name, status, live version, customers, last edit, actions."""
    status = journey["status"]
    counts = journey["counts"]
    return html.tr(
        {"data-journey": journey["id"]},
        html.td(html.a({"class": "wl-journey-name", "href": f"/journeys/{journey['id']}"},
                       journey["name"]),
                html.span({"class": "wl-pill waiting", "data-waiting": True,
                           "title": "Someone asked to publish it: a publisher approves or "
                                    "rejects the request in the editor"},
                          "Waiting for approval") if is_waiting else "",
                html.div({"class": "wl-sub"}, "Unpublished changes")
                if journey["has_unpublished_changes"] and journey["live_version"] else ""),
        html.td(html.span({"class": f"wl-pill status-{status}", "data-status": status},
                          status.capitalize()),
                html.div({"class": "wl-sub wl-paused-why", "data-paused-reason": journey["id"],
                          "title": journey["paused_reason"]},
                         _paused_line(journey)) if status == "paused" else ""),
        html.td(f"v{journey['live_version']}" if journey["live_version"] else "—"),
        html.td({"class": "num", "data-active": counts["active"]}, f"{counts['active']:,}"),
        html.td({"class": "num"}, f"{counts['entered']:,}"),
        html.td(ago(journey["updated_at"])),
        html.td(RowActions(journey, ask, can)))


def _paused_line(journey: dict[str, Any]) -> str:
    """Why it is paused, and what it holds: 'Paused by guardrail: … · 1,200 messages held'."""
    held = journey.get("held_messages") or 0
    said = journey.get("paused_reason") or "Paused"
    return said + (f" · {held:,} message{'s' if held != 1 else ''} held" if held else "")


def RowActions(journey: dict[str, Any], ask: Any, can: dict[str, bool]) -> Any:  # noqa: N802
    """What can be done to a journey in its state, by this role."""
    status = journey["status"]
    publish = can["publish"]

    def button(op: str, label: str, extra: str = "") -> Any:
        async def handle_click(_event: Any) -> None:
            await ask(op, journey)

        return html.button({"class": f"wl-button {extra}", "data-action": op,
                            "onClick": handle_click}, label)

    return html.div(
        {"class": "wl-row-actions"},
        html.a({"class": "wl-button", "href": f"/journeys/{journey['id']}"},
               "Edit" if can["edit"] and status != "archived" else "View"),
        button("pause", "Pause") if publish and status == "live" else "",
        button("resume", "Resume") if publish and status == "paused" else "",
        button("clone", "Clone") if can["edit"] else "",
        html.a({"class": "wl-button", "href": f"/journeys/{journey['id']}/export.json",
                "download": True, "data-action": "export"}, "Export"),
        button("archive", "Archive", "danger") if publish and status != "archived" else "")


@component
def EmptyList(tab: str, can_edit: bool) -> Any:  # noqa: N802
    """No journeys (in this tab)."""
    if tab != "all":
        return html.div({"class": "wl-empty-card"}, f"No {tab} journeys.")
    return html.div({"class": "wl-empty-card"}, html.h2("No journeys yet"),
                    html.p("Create one and draw it on the canvas, or import an exported "
                           "journey." if can_edit else
                           "When your team makes journeys, they appear here."))


@component
def ConfirmDialog(confirm: dict[str, Any], act: Any, cancel: Any) -> Any:  # noqa: N802
    """Asks before an action that changes what customers receive."""
    journey = confirm["journey"]
    title, body, action, danger = CONFIRM[confirm["op"]]
    active = journey["counts"]["active"]
    people = "1 customer" if active == 1 else f"{active:,} customers"
    style = "danger-solid" if danger else "primary"

    async def confirmed(_event: Any) -> None:
        await act(confirm["op"], journey["id"])

    return html.div(
        {"class": "wl-modal-backdrop"},
        html.div({"class": "wl-modal", "role": "dialog", "aria-modal": "true"},
                 html.h2(title.format(name=journey["name"])),
                 html.p(body.format(active=people)),
                 html.div({"class": "wl-modal-actions"},
                          html.button({"class": "wl-button", "onClick": cancel}, "Cancel"),
                          html.button({"class": "wl-button " + style, "data-confirm": True,
                                       "onClick": confirmed},
                                      action))))


def run_action(services: UiServices, op: str, journey_id: int) -> tuple[str, str | None]:
    """Do a list action; (what to tell the marketer, a page to open or None)."""
    if op == "clone":
        detail = services.clone_journey(journey_id)
        return "", f"/journeys/{detail['journey']['id']}"
    if op == "pause":
        journey = services.pause_journey(journey_id)
        return f"Paused “{journey['name']}”. Customers wait where they are.", None
    if op == "resume":
        journey = services.resume_journey(journey_id)
        return f"Resumed “{journey['name']}”.", None
    if op == "archive":
        result = services.archive_journey(journey_id)
        ended = result["ended_runs"]
        return (f"Archived “{result['journey']['name']}”; {ended:,} customer"
                f"{'' if ended == 1 else 's'} left it."), None
    raise UiError("invalid", f"Unknown action {op!r}.")


def waiting_for_approval(services: UiServices) -> frozenset[int]:
    """The journeys with a request to publish waiting for a publisher."""
    return frozenset(request["journey_id"] for request in services.list_requests(None))


def import_file(services: UiServices, raw: str) -> dict[str, Any]:
    """A new draft from an uploaded export file ({name, text} from the browser)."""
    upload = json.loads(raw)
    try:
        data = json.loads(upload["text"])
    except ValueError:
        raise UiError("invalid", f"“{upload['name']}” isn't a journey file: it is not JSON. "
                                 "Choose a file exported from Wayline.") from None
    if not isinstance(data, dict):
        raise UiError("invalid", f"“{upload['name']}” isn't a journey file exported from "
                                 "Wayline.")
    return services.import_journey(data)


def ago(moment: str) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago', or the date."""
    when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    seconds = (datetime.now(UTC) - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86_400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 7 * 86_400:
        days = int(seconds // 86_400)
        return f"{days} day{'s' if days > 1 else ''} ago"
    return when.strftime("%Y-%m-%d")
