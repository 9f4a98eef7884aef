"""The senders card on the Send rules page: the sender numbers and Kakao sender profiles
messages go out from, their registration status (registered / pending / rejected and why) and
the default per kind (`runtime.messaging.senders`). Admins add and change them; the others
read them. The environment's (WAYLINE_SMS_SENDER, WAYLINE_KAKAO_SENDER_KEY) show as registered
defaults, not editable here."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.reactpy_glue import event_value, use_words
from builder.ui.service_words import said
from builder.ui.services import Json, UiError, UiServices
from builder.ui.text_field import text_field

KINDS = (("phone", N_("Sender number")), ("kakao", N_("Kakao sender profile")))
STATUSES = (("registered", N_("Registered")), ("pending", N_("Pending")),
            ("rejected", N_("Rejected")))
STATUS_NAMES = dict(STATUSES)

FIELDS = (("value", N_("Number or sender key"), "02-1234-5678"),
          ("name", N_("Sender's name"), "웨이라인"),
          ("opt_out_number", N_("080 opt-out number"), "080-123-4567"),
          ("friends", N_("Channel friends"), "12000"),
          ("note", N_("Note"), ""))
"""The boxes of the add form: field, label, example."""


def blank() -> Json:
    return {"kind": "phone", "value": "", "name": "", "status": "pending", "opt_out_number": "",
            "friends": "", "is_default": False, "note": ""}


@component
def SendersCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The list of senders, each with its status, and a form to add one."""
    _ = use_words()
    listed, set_listed = use_state(None)
    form, set_form = use_state(blank)
    notice, set_notice = use_state(None)
    can_edit = services.may("workspace.edit")

    async def reload() -> None:
        set_listed(await asyncio.to_thread(services.list_senders))

    @use_async_effect(dependencies=[])
    async def load() -> None:
        await reload()

    async def save(data: Json, sender_id: int | None, done: str) -> bool:
        try:
            await asyncio.to_thread(services.save_sender, data, sender_id)
        except UiError as error:
            set_notice({"kind": "error", "text": said(_, error.message),
                        "issues": [said(_, issue["message"]) for issue in error.issues]})
            return False
        set_notice({"kind": "ok", "text": done})
        await reload()
        return True

    async def add(_event: Any) -> None:
        friends = str(form["friends"]).strip()
        data = {**form, "friends": int(friends) if friends.isdigit() else None}
        if await save(data, None, _("Added. Send steps can pick it once it is registered.")):
            set_form(blank())  # kept after a refusal, to be corrected

    def change(sender: Json, **values: Any) -> Any:
        async def handle(*_event: Any) -> None:
            data = {name: sender[name] for name in ("kind", "value", "name", "status",
                                                    "opt_out_number", "friends", "is_default",
                                                    "note")}
            await save({**data, **values}, sender["id"], _("Saved."))
        return handle

    if listed is None:
        return html.div({"class": "wl-card"}, _("Loading…"))
    return html.section(
        {"class": "wl-card", "data-card": "senders"},
        html.h2(_("Senders")),
        html.p({"class": "hint"}, _("Carriers refuse texts from a number not registered in "
                                    "advance, and Kakao sends only from its registered "
                                    "profiles. Send steps may only use registered ones; "
                                    "advertising names the sender and its free 080 opt-out "
                                    "number.")),
        html.table({"class": "wl-table", "data-list": "senders"},
                   html.tbody([SenderRow(sender, can_edit, change, key=f"{sender['kind']}:"
                                         f"{sender['value'] or sender['shown']}")
                               for sender in listed]))
        if listed else html.p({"class": "hint"}, _("No senders yet.")),
        html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"],
                 html.ul({"class": "wl-problems"}, [html.li({"key": text}, text)
                                                    for text in notice.get("issues") or []]))
        if notice else "",
        AddSender(form, set_form, add) if can_edit else "")


@component
def SenderRow(sender: Json, can_edit: bool, change: Any) -> Any:  # noqa: N802
    """One sender: kind, number, name, 080, status (a choice for admins), default."""
    _ = use_words()
    kind = dict(KINDS)[sender["kind"]]
    editable = can_edit and sender["id"] is not None

    async def on_status(e: Any, *_rest: Any) -> None:
        await change(sender, status=event_value(e))()

    status = html.select({"class": "wl-input", "value": sender["status"],
                          "data-sender-status": sender["value"], "onChange": on_status},
                         [html.option({"key": key, "value": key}, _(label))
                          for key, label in STATUSES]) if editable else html.span(
        {"data-sender-status": sender["value"] or sender["shown"]},
        _(STATUS_NAMES[sender["status"]]))
    return html.tr(
        {"data-sender": sender["value"] or sender["shown"]},
        html.td(_(kind)), html.td(html.strong(sender["shown"])),
        html.td(sender["name"] or html.em(_("(environment)"))),
        html.td(sender["opt_out_shown"] or "—"),
        html.td(status, f" {sender['note']}" if sender["note"] else ""),
        html.td(_("Default") if sender["is_default"] else html.button(
            {"class": "wl-button", "type": "button", "data-action": "make-default",
             "onClick": change(sender, is_default=True)}, _("Make default"))
            if editable and sender["status"] == "registered" else ""))


@component
def AddSender(form: Json, set_form: Any, add: Any) -> Any:  # noqa: N802
    """The form that adds a sender."""
    _ = use_words()

    def on(name: str) -> Any:
        return event(lambda e, *_: set_form(lambda old: {**old, name: event_value(e)}))

    return html.form(
        {"onSubmit": event(add, prevent_default=True), "data-form": "sender"},
        html.div({"class": "wl-row"},
                 html.select({"class": "wl-input", "value": form["kind"], "data-field": "kind",
                              "onChange": on("kind")},
                             [html.option({"key": key, "value": key}, _(label))
                              for key, label in KINDS]),
                 html.select({"class": "wl-input", "value": form["status"],
                              "data-field": "status", "onChange": on("status")},
                             [html.option({"key": key, "value": key}, _(label))
                              for key, label in STATUSES])),
        html.div({"class": "wl-row"}, [
            text_field({"key": name, "class": "wl-input", "placeholder": example,
                        "title": _(label), "aria-label": _(label), "value": str(form[name]),
                        "data-field": name, "onChange": on(name)})
            for name, label, example in FIELDS]),
        html.button({"class": "wl-button primary", "type": "submit",
                     "data-action": "add-sender"}, _("Add sender")))
