"""The editor page: one journey's canvas, with Python as the source of truth.

The canvas (React Flow, in the browser) does all dragging, wiring and typing locally and sends
only committed changes here through one callback, as JSON text (ReactPy's event serializer
would cut a deep document at depth 10) that decodes to one of builder.ui.bridge's `Command`s.
Each save goes through the journeys service with the revision it was made on, which checks the
draft once; the new revision, those issues and each node's ports go back to the canvas as its
`CanvasState`. A save made on a stale revision is refused by the
service, so the editor sends the newer draft instead of overwriting it; the canvas keeps the
refused edits aside and shows them, to re-apply or discard (src/editor/draft.js). Every command
carries a `seq` the state acknowledges (`ack`), so the canvas says "Saved" only once the server
did. While the page is open it also watches the draft, so a second tab sees the first one's
changes.

The canvas offers what the person's role allows: read-only without `journeys.edit`, publishing
or asking to publish and approving as builder.ui.approvals works out. When the session is over
the page goes to sign in, and comes back here afterwards.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from typing import Any

import msgspec
from reactpy import component, html, use_async_effect, use_location, use_memo, use_ref, use_state

from builder.i18n import Words
from builder.i18n.messages import say
from builder.ui import catalogue, pinned_content
from builder.ui.approvals import APPROVAL_OPS, run_approval, use_publishing
from builder.ui.bridge import (
    BadCommandError,
    CanvasState,
    Catalogue,
    Command,
    Pause,
    PauseStep,
    Publish,
    Reload,
    Rename,
    Resume,
    ResumeStep,
    Save,
    UpdateContent,
    decode_command,
    encode,
)
from builder.ui.history import HISTORY_OPS, run_history
from builder.ui.live_counts import live_counts
from builder.ui.previews import use_previews
from builder.ui.reactpy_glue import js_component, use_services, use_words
from builder.ui.results_panel import AbResults
from builder.ui.sending import stopped_message, use_sending
from builder.ui.service_words import said
from builder.ui.services import UiError, UiServices
from builder.ui.session import ends_polling, use_session_ended
from builder.ui.signed_out import BackToSignIn
from nodes.kit.channel import default_channels

JOURNEY_PATH = re.compile(r"^/journeys/(\d+)/?$")
WATCH_SECONDS = 2.0
"""How often an open editor looks for changes saved elsewhere (another tab, the API)."""
PICKER_ROUNDS = 5
"""Every how many watch rounds an open editor reloads what its pickers offer."""
LIVE_SECONDS = 3.0
"""How often the live counts on a published journey's canvas refresh."""


@component
def JourneyEditor() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The editor for the journey in the page's path (/journeys/<id>)."""
    services = use_services()
    _ = use_words()
    match = JOURNEY_PATH.match(use_location().path)
    if match is None:
        return html.div({"class": "wl-empty"}, _("There is no journey at this address."))
    return EditorFor(services, int(match[1]))


@component
def EditorFor(services: UiServices, journey_id: int) -> Any:  # noqa: N802
    """Loads the journey, runs the canvas's commands, and passes the canvas its state."""
    _ = use_words()
    detail, set_detail = use_state(None)
    view, set_view = use_state({"ack": 0, "saved": None, "notice": None, "history": None})
    _ = use_words()
    static = use_memo(lambda: _static_state(services, _), [])
    # A new id for every mount: after a reconnect the canvas sees a new session and re-sends
    # what the lost connection may have dropped.
    session = use_memo(lambda: str(time.monotonic_ns()), [])
    me = use_memo(lambda: str(services.whoami().get("id") or ""), [])
    current = use_ref(None)
    current.current = detail
    busy = use_ref(False)

    @use_async_effect(dependencies=[journey_id])
    async def load() -> None:
        try:
            set_detail(await asyncio.to_thread(load_detail, services, journey_id))
        except UiError as error:
            notice = _notice("error", said(_, error.message))
            set_view(lambda old: {**old, "notice": notice})

    @use_async_effect(dependencies=[journey_id])
    async def watch() -> None:
        # Only the revision is read each time (loading and checking a big draft costs tens of
        # ms, and competes with this editor's own saves); the whole detail when it moved, and
        # every few rounds for the pickers' segments and templates.
        rounds = 0
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            rounds += 1
            seen = current.current
            if seen is None or busy.current:
                continue
            try:
                revision = await asyncio.to_thread(services.draft_revision, journey_id)
                if revision == _revision(seen) and rounds % PICKER_ROUNDS:
                    continue
                fresh = await asyncio.to_thread(load_detail, services, journey_id)
            except UiError as error:
                if ends_polling(error):
                    return  # the session is over: the page goes to sign in (below)
                continue  # a passing trouble (an outage): try again next round
            # Never back: a save of this editor may have landed while this was being read.
            shown = _revision(current.current) or 0
            if not busy.current and (_revision(fresh) > shown or (
                    _revision(fresh) == shown and _pickers(fresh) != _pickers(current.current))):
                set_detail(fresh)

    live = use_live_counts(services, journey_id, detail)
    preview, handle_preview = use_previews(services, journey_id)
    publishing, reload_publishing = use_publishing(services, journey_id, detail)
    ended = use_session_ended(services)
    sending, _set_sending = use_sending(services)

    async def handle_command(raw: str) -> None:
        try:
            command = decode_command(raw)
        except BadCommandError as error:
            notice = _notice("error", str(error))
            set_view(lambda old: {**old, "notice": notice})
            return
        busy.current = True
        try:
            fresh, view_change = await asyncio.to_thread(
                run_command, services, journey_id, command, _)
        finally:
            busy.current = False
        if fresh is not None:
            set_detail({**_pickers(current.current), **fresh})
        seq = command.seq
        set_view(lambda old: {**old, **view_change, "ack": old["ack"] if seq is None else seq})
        if type(command) in APPROVAL_OPS:
            try:
                await reload_publishing()
            except UiError:
                return  # the session is over: the page goes to sign in

    leave = BackToSignIn() if ended else ""
    if detail is None:
        return html.div({"class": "wl-loading"}, view["notice"]["text"]
                        if view["notice"] else _("Opening the journey…"), leave)
    state = msgspec.convert(
        {**live_state(services, detail, _), **view, **publishing, "live": live, "preview": preview,
         "session": session, "sending": sending_banner(sending, services, _), "me": me},
        CanvasState)
    canvas = js_component("JourneyCanvas")(
        {"catalogue": static, "state": encode(state),
         "readOnly": not services.may("journeys.edit"),
         "onCommand": handle_command, "onPreview": handle_preview})
    return html.fragment(canvas, AbResults(services, journey_id, live is not None), leave)


def sending_banner(sending: dict[str, Any] | None, services: UiServices,
                   _: Words) -> str | None:
    """The canvas's words while all sending is stopped (None while it is not)."""
    if not sending or not sending["stopped"]:
        return None
    return stopped_message(sending, services.timezone, _)


def use_live_counts(services: UiServices, journey_id: int,
                    detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """Per-node and per-edge customer counts of a published journey, refreshed while open."""
    counts, set_counts = use_state(None)
    published = bool(detail and detail["journey"]["live_version"])

    @use_async_effect(dependencies=[journey_id, published])
    async def refresh() -> None:
        while published:
            try:
                set_counts(live_counts(await asyncio.to_thread(services.journey_stats,
                                                               journey_id)))
            except UiError as error:
                if ends_polling(error):
                    return  # the session is over: the page goes to sign in
            await asyncio.sleep(LIVE_SECONDS)

    return counts if published else None


def load_detail(services: UiServices, journey_id: int) -> dict[str, Any]:
    """The journey's detail plus what the pickers offer (each reference kind a node kind's
    picker names: `references`, by kind), and the templates saved since the live version."""
    detail = with_data_warnings(services, services.get_journey(journey_id))
    return {**detail, "segments": services.list_segments(),
            "discovery": services.discover_data(),
            "templates": services.list_templates(),
            "references": {kind: services.list_references(kind)
                           for kind in catalogue.reference_kinds(services.registry)},
            "senders": sender_choices(services),
            "content": pinned_content.load_changes(services, detail["journey"])}


def sender_choices(services: UiServices) -> dict[str, dict[str, Any]]:
    """For each channel that sends from a registered sender, what its send step may pick:
    {channel: {"default": how the default reads, "options": [{value, label, registered}]}}.
    The environment's sender is the default only (it has no value a step could name)."""
    if not services.may("send_rules.read"):
        return {}
    senders = services.list_senders()
    choices: dict[str, dict[str, Any]] = {}
    for spec in default_channels():
        if not spec.sender:
            continue
        mine = [sender for sender in senders if sender["kind"] == spec.sender]
        default = next((sender for sender in mine if sender["is_default"]), None)
        choices[spec.key] = {
            "default": _sender_label(default) if default else "",
            "options": [{"value": sender["value"], "label": _sender_label(sender),
                         "status": sender["status"],
                         "registered": sender["status"] == "registered"}
                        for sender in mine if not sender["from_environment"]]}
    return choices


def _sender_label(sender: Mapping[str, Any]) -> str:
    return " · ".join(part for part in (sender["name"], sender["shown"]) if part)


def with_data_warnings(services: UiServices, detail: dict[str, Any]) -> dict[str, Any]:
    """The detail with warnings for attributes and events the workspace's data lacks."""
    return {**detail, "issues": [*detail["issues"],
                                 *services.data_warnings(detail["document"])]}


def run_command(services: UiServices, journey_id: int, command: Command,
                _: Words) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Do what the canvas asked, saying it in `_`'s language; (the new detail or None, changes
    to the view state)."""
    try:
        match command:
            case Save(seq=seq, revision=revision, document=document):
                # The pickers stay as loaded (the watch refreshes them): a save doesn't
                # change them.
                saved = with_data_warnings(
                    services, services.save_draft(journey_id, document, revision))
                return saved, {"saved": {"seq": seq, "revision": _revision(saved)}}
            case Rename(name=name, was=was):
                current = services.get_journey(journey_id)["journey"]["name"]
                if was is None or current in (was, name):
                    services.rename_journey(journey_id, name)
                # Else refused: the canvas sees the other name and shows its rename as not saved.
                return load_detail(services, journey_id), {"notice": None}
            case Reload():
                return load_detail(services, journey_id), {"notice": None}
        if type(command) in HISTORY_OPS:
            history, said = run_history(services, journey_id, command, _)
            if said is None:
                return None, {"history": history, "notice": None}
            return load_detail(services, journey_id), {"history": history,
                                                       "notice": _notice("ok", said)}
        if type(command) in ACTIONS:
            function, message = ACTIONS[type(command)]
            result = function(services, journey_id, command)
            return load_detail(services, journey_id), {"notice": _notice("ok", message(result, _))}
        text = run_approval(services, journey_id, command, _)
        return load_detail(services, journey_id), {"notice": _notice("ok", text)}
    except UiError as error:
        if error.kind == "wrong_state" and isinstance(command, Save):
            fresh = load_detail(services, journey_id)
            if fresh["document"] == command.document:
                # The same save arrived twice (re-sent after a reconnect): already done.
                return fresh, {"saved": {"seq": command.seq, "revision": _revision(fresh)}}
            # Refused: the canvas sees the newer draft and shows the edits it did not save.
            return fresh, {"notice": None}
        return None, {"notice": _notice("error", said(_, error.message), error.issues)}


def _pickers(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The segments, templates and other stored objects a detail carries for the pickers, and
    the templates changed since the live version: what changes without the draft changing."""
    return {key: detail[key] for key in ("segments", "templates", "references", "senders",
                                         "content", "discovery")
            if detail and key in detail}


ACTIONS: dict[type, tuple[Any, Any]] = {
    Publish: (lambda s, j, c: s.publish_journey(j, c.moves), lambda r, _: " ".join(filter(None, [
        _("Published version {version}.", version=r["version"]),
        _.n("{n} customer entered so far.", "{n} customers entered so far.", r["entered"]),
        _.n("{n} customer in flight is being moved as mapped.",
            "{n} customers in flight are being moved as mapped.", r["moving"])
        if r.get("moving") else ""]))),
    Pause: (lambda s, j, c: s.pause_journey(j, c.reason),
            lambda r, _: _("Paused. No one new enters and customers inside wait where they are "
                           "until you resume; {held}.", held=_messages(r["held_messages"], _))),
    Resume: (lambda s, j, c: s.resume_journey(j),
             lambda r, _: _("Resumed. Customers move on again; waits that ended meanwhile "
                            "continue now, and held messages go out, each checked again.")),
    PauseStep: (lambda s, j, c: s.pause_step(j, c.node),
                lambda r, _: _("Step paused: customers wait before it and its messages are held "
                               "until you resume it.")),
    ResumeStep: (lambda s, j, c: s.resume_step(j, c.node),
                 lambda r, _: _("Step resumed: the customers waiting before it move on.")),
    UpdateContent: (lambda s, j, c: s.update_content_in_flight(j),
                    lambda r, _: pinned_content.updated(r, _)),
}
"""Journey actions the editor offers (top bar, step inspector): the service call and what to
tell the marketer."""


def live_state(services: UiServices, detail: dict[str, Any], _: Words) -> dict[str, Any]:
    """The canvas state that changes with each save (its words in the page's language)."""
    document = detail["document"]
    return {"journey": detail["journey"], "document": document, "revision": _revision(detail),
            "issues": [{**issue, "message": say(_, issue["message"])}
                       for issue in detail["issues"]],
            "ports": catalogue.node_ports(document, services.registry, _),
            "segments": detail.get("segments", []), "templates": detail.get("templates", []),
            "references": detail.get("references", {}),
            "senders": detail.get("senders", {}),
            "discovery": detail.get("discovery"),
            "content": pinned_content.banner(detail.get("content"), _)}


def _static_state(services: UiServices, _: Words) -> str:
    """What never changes while the page is open: node kinds, channels, the settings form."""
    return encode(Catalogue(kinds=catalogue.kinds(services.registry, _),
                            channels=catalogue.channels(_),
                            text_counting=catalogue.text_counting(),
                            categories=catalogue.categories(_),
                            settings_schema=catalogue.settings_schema(_),
                            timezone=services.timezone))


def _revision(detail: dict[str, Any] | None) -> int | None:
    return detail["journey"]["draft_revision"] if detail else None


def _messages(count: int, _: Words) -> str:
    if not count:
        return _("no message was waiting to go")
    return _.n("{n} unsent message is held", "{n} unsent messages are held", count)


def _notice(kind: str, text: str, issues: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    # The id tells the canvas a new notice arrived (the same words may come twice).
    return {"id": time.monotonic_ns(), "kind": kind, "text": text, "issues": issues or []}
