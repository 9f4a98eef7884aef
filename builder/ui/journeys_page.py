"""The journeys page: every journey with its status, live version and customers, and actions.

Rendered in Python by ReactPy. Actions that change what customers receive (pause, resume,
archive) ask first; creating (blank or from a starter), cloning and importing make a draft —
nothing reaches customers until it is published — and open it on the canvas. Only the actions
the person's role allows are offered (the server refuses the others anyway). Counts refresh
while the page is open; journeys someone asked to publish wear a "Waiting for approval" pill.
Every word is in the person's language (builder.i18n, area `offline`).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_, Words
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import js_component, use_services, use_words
from builder.ui.reason_words import COPY_OF
from builder.ui.service_words import said
from builder.ui.services import UiError, UiServices
from builder.ui.session import ends_polling
from builder.ui.text_field import text_field
from nodes.kit.channel import default_channels

REFRESH_SECONDS = 5.0
"""How often the open list refreshes its counts and statuses."""

REQUEST_ROUNDS = 6
"""Every how many refreshes the list asks again which journeys wait for approval (each
pending request's audience is counted, so not every time)."""

TABS = (("all", N_("All")), ("live", N_("Live")), ("draft", N_("Drafts")),
        ("paused", N_("Paused")), ("archived", N_("Archived")))

STATUSES = {"draft": N_("Draft"), "live": N_("Live"), "paused": N_("Paused"),
            "archived": N_("Archived")}
"""Each journey status as its pill says it."""

CONFIRM = {
    "pause": (N_("Pause “{name}”?"), N_("No one new enters. Customers inside wait where they are "
                                         "and get no messages until you resume."),
              N_("Pause journey"), False),
    "resume": (N_("Resume “{name}”?"), N_("Customers move on again: waits that ended while it was "
                                           "paused continue at once, and messages go out."),
               N_("Resume journey"), False),
    "archive": (N_("Archive “{name}”?"), N_("This ends the journey for good: the {active} inside "
                                             "leave it now and get no more messages. You can "
                                             "still clone it."), N_("Archive"), True),
}
"""Actions that change what customers receive: the question, what happens, the button."""


@component
def JourneysPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The list of journeys with their actions."""
    services = use_services()
    _ = use_words()
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
            message, target = await asyncio.to_thread(run_action, services, op, journey_id, _)
        except UiError as error:
            set_notice({"kind": "error", "text": said(_, error.message)})
            return
        if target:
            set_go(target)
            return
        set_notice({"kind": "ok", "text": message})
        set_journeys(await asyncio.to_thread(services.list_journeys))

    async def handle_import(raw: str) -> None:
        try:
            detail = await asyncio.to_thread(import_file, services, raw, _)
        except UiError as error:
            set_notice({"kind": "error", "text": said(_, error.message)})
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
            (html.div({"class": "wl-loading"}, _("Loading journeys…")) if journeys is None
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
    _ = use_words()
    creating, set_creating = use_state(False)
    return html.div(
        {"class": "wl-page-head"},
        html.div(html.h1(_("Journeys")),
                 html.p(_("Draw who enters, what they get and when; publish, then watch "
                          "customers move through.") if can_edit else
                        _("Who enters each journey, what they get and when, and how many are "
                          "in it now."))),
        html.div(
            {"class": "wl-actions"},
            js_component("ImportButton")({"label": _("Import"), "onFile": handle_import}),
            html.button({"class": "wl-button primary", "data-action": "create",
                         "onClick": lambda _e: set_creating(True)}, _("+ New journey")))
        if can_edit else "",
        NewJourneyDialog(services, set_go, set_notice, lambda _e=None: set_creating(False))
        if creating else "")


BLANK = {"key": "blank", "name": N_("Blank canvas"), "nodes": 0, "channels": [],
         "description": N_("An empty canvas: drag an entry onto it and draw your own journey.")}
"""The choice that starts from nothing, shown beside the starters (its words translated where
shown)."""


@component
def NewJourneyDialog(services: UiServices, set_go: Any, set_notice: Any,  # noqa: N802
                     close: Any) -> Any:
    """Name the journey and start it blank or from a starter; opens the new draft."""
    _ = use_words()
    starters, set_starters = use_state([])
    choice, set_choice = use_state("blank")
    name, set_name = use_state("")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        set_starters(await asyncio.to_thread(services.list_starters))

    async def create(_event: Any) -> None:
        try:
            detail = await asyncio.to_thread(create_new, services, choice, name.strip(), _)
        except UiError as error:
            close()
            set_notice({"kind": "error", "text": said(_, error.message)})
            return
        set_go(f"/journeys/{detail['journey']['id']}")

    blank = {**BLANK, "name": _(BLANK["name"]), "description": _(BLANK["description"])}
    chosen = next((s for s in starters if s["key"] == choice), blank)
    return html.div(
        {"class": "wl-modal-backdrop"},
        html.form(
            {"class": "wl-modal wide", "role": "dialog", "aria-modal": "true",
             "aria-label": _("New journey"), "onSubmit": event(create, prevent_default=True)},
            html.h2(_("New journey")),
            html.p(_("It starts as a draft: nobody enters and nothing is sent until you "
                     "publish.")),
            html.div({"class": "wl-starters"}, [
                StarterCard(item, item["key"] == choice, set_choice, key=item["key"])
                for item in [blank, *starters]]),
            html.label({"class": "wl-label"}, _("Name")),
            text_field({"class": "wl-input", "value": name, "autoFocus": True,
                        "placeholder": _("Untitled journey") if choice == "blank"
                        else _(chosen["name"]), "data-field": "new-journey-name",
                        "onChange": lambda event: set_name(event["target"]["value"])}),
            html.div({"class": "wl-modal-actions"},
                     html.button({"class": "wl-button", "type": "button",
                                  "onClick": lambda _e: close()}, _("Cancel")),
                     html.button({"class": "wl-button primary", "type": "submit",
                                  "data-action": "create-confirm"},
                                 _("Create draft")))))


@component
def StarterCard(item: dict[str, Any], chosen: bool, choose: Any) -> Any:  # noqa: N802
    """One way to start: blank, or a starter with its steps and channels."""
    _ = use_words()
    channels = ", ".join(_(CHANNELS.get(c, c)) for c in item["channels"])
    facts = (_.n("{n} step · {channels}", "{n} steps · {channels}", item["nodes"],
                 channels=channels) if item["nodes"] else "")
    return html.button(
        {"class": f"wl-starter {'on' if chosen else ''}", "type": "button",
         "data-starter": item["key"], "aria-pressed": chosen,
         "onClick": lambda _e: choose(item["key"])},
        html.strong(_(item["name"])), html.span(_(item["description"])),
        html.small(facts) if facts else "")


CHANNELS = {spec.key: spec.name for spec in default_channels()}
"""Each channel's name (`nodes/channels/`)."""


def create_new(services: UiServices, choice: str, name: str, _: Words) -> dict[str, Any]:
    """A new draft: blank, or from the starter `choice` (its templates made if missing)."""
    if choice == "blank":
        return services.create_journey(name or _("Untitled journey"))
    starter = next((s for s in services.list_starters() if s["key"] == choice), None)
    return services.create_from_starter(choice, name or (_(starter["name"]) if starter else None))


@component
def Alert(notice: dict[str, Any] | None, dismiss: Any) -> Any:  # noqa: N802
    """The outcome of the last action."""
    _ = use_words()
    if not notice:
        return html.div()
    return html.div({"class": f"wl-alert {notice['kind']}", "role": "status",
                     "data-notice": notice["kind"]},
                    html.span(notice["text"]),
                    html.button({"class": "wl-icon-button", "title": _("Close"),
                                 "onClick": dismiss}, "×"))


@component
def Tabs(tab: str, set_tab: Any, journeys: list[dict[str, Any]]) -> Any:  # noqa: N802
    """Filter by status, with how many journeys each holds."""
    _ = use_words()

    def count(key: str) -> int:
        return len(journeys) if key == "all" else sum(j["status"] == key for j in journeys)

    return html.div({"class": "wl-tabs"}, [
        html.button({"key": key, "class": "on" if key == tab else "", "data-tab": key,
                     "onClick": lambda _e, key=key: set_tab(key)},
                    _("{label} · {count}", label=_(label), count=_.number(count(key))))
        for key, label in TABS])


@component
def JourneyTable(journeys: list[dict[str, Any]], ask: Any, can: dict[str, bool],  # noqa: N802
                 waiting: frozenset[int]) -> Any:
    """One row per journey."""
    _ = use_words()
    head = html.thead(html.tr(
        html.th(_("Journey")), html.th(_("Status")), html.th(_("Live version")),
        html.th({"class": "num"}, _("In journey now")), html.th({"class": "num"}, _("Entered")),
        html.th(_("Last edited")), html.th()))
    return html.table({"class": "wl-table"}, head,
                      html.tbody([JourneyRow(j, ask, can, j["id"] in waiting, key=j["id"])
                                  for j in journeys]))


@component
def JourneyRow(journey: dict[str, Any], ask: Any, can: dict[str, bool],  # noqa: N802
               is_waiting: bool) -> Any:
    """A journey: name, status, live version, customers, last edit, actions."""
    _ = use_words()
    status = journey["status"]
    counts = journey["counts"]
    return html.tr(
        {"data-journey": journey["id"]},
        html.td(html.a({"class": "wl-journey-name", "href": f"/journeys/{journey['id']}"},
                       journey["name"]),
                html.span({"class": "wl-pill waiting", "data-waiting": True,
                           "title": _("Someone asked to publish it: a publisher approves or "
                                      "rejects the request in the editor")},
                          _("Waiting for approval")) if is_waiting else "",
                html.div({"class": "wl-sub"}, _("Unpublished changes"))
                if journey["has_unpublished_changes"] and journey["live_version"] else ""),
        html.td(html.span({"class": f"wl-pill status-{status}", "data-status": status},
                          _(STATUSES.get(status, status))),
                html.div({"class": "wl-sub wl-paused-why", "data-paused-reason": journey["id"],
                          "title": journey["paused_reason"]},
                         _paused_line(journey, _)) if status == "paused" else ""),
        html.td(f"v{journey['live_version']}" if journey["live_version"] else "—"),
        html.td({"class": "num", "data-active": counts["active"]}, _.number(counts["active"])),
        html.td({"class": "num"}, _.number(counts["entered"])),
        html.td(ago(journey["updated_at"], _)),
        html.td(RowActions(journey, ask, can, _)))


def _paused_line(journey: dict[str, Any], _: Words) -> str:
    """Why it is paused, and what it holds: 'Paused by guardrail: … · 1,200 messages held'."""
    held = journey.get("held_messages") or 0
    said = journey.get("paused_reason") or _("Paused")
    if not held:
        return said
    return said + " · " + _.n("{n} message held", "{n} messages held", held)


def RowActions(journey: dict[str, Any], ask: Any, can: dict[str, bool],  # noqa: N802
               _: Words) -> Any:
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
               _("Edit") if can["edit"] and status != "archived" else _("View")),
        html.a({"class": "wl-button", "href": f"/journeys/{journey['id']}/dashboard",
                "data-action": "dashboard"}, _("Dashboard")),
        button("pause", _("Pause")) if publish and status == "live" else "",
        button("resume", _("Resume")) if publish and status == "paused" else "",
        button("clone", _("Clone")) if can["edit"] else "",
        html.a({"class": "wl-button", "href": f"/journeys/{journey['id']}/export.json",
                "download": True, "data-action": "export"}, _("Export")),
        button("archive", _("Archive"), "danger") if publish and status != "archived" else "")


@component
def EmptyList(tab: str, can_edit: bool) -> Any:  # noqa: N802
    """No journeys (in this tab)."""
    _ = use_words()
    if tab != "all":
        return html.div({"class": "wl-empty-card"}, _(EMPTY_TABS.get(tab, EMPTY_TABS["draft"])))
    return html.div({"class": "wl-empty-card"}, html.h2(_("No journeys yet")),
                    html.p(_("Create one and draw it on the canvas, or import an exported "
                             "journey.") if can_edit else
                           _("When your team makes journeys, they appear here.")))


EMPTY_TABS = {"live": N_("No live journeys."), "draft": N_("No draft journeys."),
              "paused": N_("No paused journeys."), "archived": N_("No archived journeys.")}
"""What an empty tab says."""


@component
def ConfirmDialog(confirm: dict[str, Any], act: Any, cancel: Any) -> Any:  # noqa: N802
    """Asks before an action that changes what customers receive."""
    _ = use_words()
    journey = confirm["journey"]
    title, body, action, danger = CONFIRM[confirm["op"]]
    people = _.n("{n} customer", "{n} customers", journey["counts"]["active"])
    style = "danger-solid" if danger else "primary"

    async def confirmed(_event: Any) -> None:
        await act(confirm["op"], journey["id"])

    return html.div(
        {"class": "wl-modal-backdrop"},
        html.div({"class": "wl-modal", "role": "dialog", "aria-modal": "true"},
                 html.h2(_(title, name=journey["name"])),
                 html.p(_(body, active=people)),
                 html.div({"class": "wl-modal-actions"},
                          html.button({"class": "wl-button", "onClick": cancel}, _("Cancel")),
                          html.button({"class": "wl-button " + style, "data-confirm": True,
                                       "onClick": confirmed},
                                      _(action)))))


def run_action(services: UiServices, op: str, journey_id: int,
               _: Words) -> tuple[str, str | None]:
    """Do a list action; (what to tell the marketer, a page to open or None)."""
    if op == "clone":
        detail = services.clone_journey(journey_id, copy_of=_(COPY_OF))
        return "", f"/journeys/{detail['journey']['id']}"
    if op == "pause":
        journey = services.pause_journey(journey_id)
        return _("Paused “{name}”. Customers wait where they are.", name=journey["name"]), None
    if op == "resume":
        journey = services.resume_journey(journey_id)
        return _("Resumed “{name}”.", name=journey["name"]), None
    if op == "archive":
        result = services.archive_journey(journey_id)
        return _.n("Archived “{name}”; {n} customer left it.",
                   "Archived “{name}”; {n} customers left it.", result["ended_runs"],
                   name=result["journey"]["name"]), None
    raise UiError("invalid", _("Unknown action {op}.", op=repr(op)))


def waiting_for_approval(services: UiServices) -> frozenset[int]:
    """The journeys with a request to publish waiting for a publisher."""
    return frozenset(request["journey_id"] for request in services.list_requests(None))


def import_file(services: UiServices, raw: str, _: Words) -> dict[str, Any]:
    """A new draft from an uploaded export file ({name, text} from the browser)."""
    upload = json.loads(raw)
    try:
        data = json.loads(upload["text"])
    except ValueError:
        raise UiError("invalid", _("“{name}” isn't a journey file: it is not JSON. Choose a "
                                   "file exported from Wayline.", name=upload["name"])) from None
    if not isinstance(data, dict):
        raise UiError("invalid", _("“{name}” isn't a journey file exported from Wayline.",
                                   name=upload["name"]))
    return services.import_journey(data)


def ago(moment: str, _: Words) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago', or the date."""
    when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    seconds = (datetime.now(UTC) - when).total_seconds()
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return _("{n} min ago", n=int(seconds // 60))
    if seconds < 86_400:
        return _("{n} h ago", n=int(seconds // 3600))
    if seconds < 7 * 86_400:
        return _.n("{n} day ago", "{n} days ago", int(seconds // 86_400))
    return _.date(when, with_time=False)
