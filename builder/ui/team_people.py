"""The team page's people: everyone in the workspace with their role, status and last sign-in;
adding someone (they get a one-time sign-in link to set their password), changing a role,
disabling (signed out everywhere at once) and enabling, and a new sign-in link for someone who
lost their password. The server keeps the workspace an active admin and says so when a change
would leave it without one; each refusal shows on the row or the form it came from.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_, Words
from builder.ui.nav import ROLE_LABELS
from builder.ui.reactpy_glue import event_value, use_words
from builder.ui.secret_box import SecretBox
from builder.ui.services import Json, UiError, UiServices
from builder.ui.text_field import text_field
from builder.ui.times import stamp, zone_of

ROLES = tuple(ROLE_LABELS.items())
"""The roles, least first: key, label (translated at render)."""

ROLE_HELP = N_("Viewers see journeys, numbers and masked contacts; editors make drafts, "
               "messages and previews; publishers publish, pause and set send rules; admins "
               "also manage people, keys and workspace settings.")


@component
def PeopleCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The people table, the add form, and the last one-time link made."""
    _ = use_words()
    people, set_people = use_state(None)
    link, set_link = use_state(None)
    problems, set_problems = use_state({})
    epoch, set_epoch = use_state(0)  # bumps after a refusal: rows show the saved values again
    zone = zone_of(None, services.timezone)

    async def reload() -> None:
        set_people(await asyncio.to_thread(services.list_users))

    @use_async_effect(dependencies=[])
    async def load() -> None:
        with contextlib.suppress(UiError):  # signed out: the app bar goes to sign in
            await reload()

    async def change(user_id: int, call: Callable[[], Json]) -> Json | None:
        """Make a change to one person; a refusal shows on their row."""
        try:
            result = await asyncio.to_thread(call)
        except UiError as error:
            message = error.message  # `error` is gone once the except block ends
            set_problems(lambda old: {**old, user_id: message})
            set_epoch(lambda count: count + 1)
            return None
        set_problems(lambda old: {key: text for key, text in old.items() if key != user_id})
        await reload()
        return result

    async def handle_added(made: Json) -> None:
        set_link(_link_note(made, "added", zone, _))
        await reload()

    rows = [PersonRow(person, zone, problems.get(person["id"]), change, services, set_link,
                      epoch, key=person["id"]) for person in people or []]
    table = html.table(
        {"class": "wl-table wl-team-table", "data-table": "people"},
        html.thead(html.tr(html.th(_("Name")), html.th(_("Email")), html.th(_("Role")),
                           html.th(_("Status")), html.th(_("Last sign-in")), html.th())),
        html.tbody(rows)) if rows else html.p({"class": "hint"}, _("Loading…"))
    return html.section(
        {"class": "wl-card", "data-card": "people"},
        html.h2(_("People")),
        html.p({"class": "hint"}, _(ROLE_HELP)),
        SecretBox(link["link"], link["title"], link["note"], lambda: set_link(None))
        if link else "",
        table,
        AddPersonForm(services, handle_added))


def _link_note(made: Json, why: str, zone: Any, _: Words) -> Json:
    """What the box above the table says about a one-time link."""
    person = made["user"]
    role = _(ROLE_LABELS.get(person["role"], person["role"]))
    until = stamp(made["expires_at"], zone, _)
    if why == "added":
        title = _("{name} is added as {role}.", name=person["name"], role=role)
        note = _("Send them this one-time link privately. It signs them in once, until "
                 "{until}, and asks them to set a password.", until=until)
    else:
        title = _("A new sign-in link for {name}.", name=person["name"])
        note = _("Send them this one-time link privately. It signs them in once, until "
                 "{until}, and asks them to set a password; the password they had stops "
                 "working when they use it.", until=until)
    return {"link": made["link"], "title": title, "note": note}


@component
def PersonRow(person: Json, zone: Any, problem: str | None,  # noqa: N802
              change: Any, services: UiServices, set_link: Any, epoch: int) -> Any:
    """One person: name, email, role (a select), status, last sign-in, and actions; the
    role select is made anew each `epoch` (the browser keeps a choice the server refused)."""
    _ = use_words()
    confirming, set_confirming = use_state(False)
    user_id = person["id"]

    async def handle_role(e: Any, *_: Any) -> None:
        role = event_value(e)
        await change(user_id, lambda: services.update_user(user_id, {"role": role}))

    def handle_active(active: bool) -> Any:
        async def handle(*_args: Any) -> None:
            set_confirming(False)
            await change(user_id, lambda: services.update_user(user_id, {"active": active}))
        return handle

    async def handle_link(*_args: Any) -> None:
        made = await change(user_id, lambda: services.sign_in_link(user_id))
        if made:
            set_link(_link_note(made, "reset", zone, _))

    active = person["active"]
    actions = [html.button({"key": "link", "class": "wl-button", "type": "button",
                            "data-action": "sign-in-link", "onClick": handle_link,
                            "disabled": not active}, _("New sign-in link"))]
    if not active:
        actions.append(html.button({"key": "enable", "class": "wl-button", "type": "button",
                                    "data-action": "enable", "onClick": handle_active(True)},
                                   _("Enable")))
    elif confirming:
        actions += [html.span({"key": "ask", "class": "wl-sub"},
                              _("Signed out everywhere now.")),
                    html.button({"key": "yes", "class": "wl-button danger", "type": "button",
                                 "data-action": "confirm-disable",
                                 "onClick": handle_active(False)}, _("Disable")),
                    html.button({"key": "no", "class": "wl-button", "type": "button",
                                 "onClick": lambda *_args: set_confirming(False)},
                                _("Cancel"))]
    else:
        actions.append(html.button({"key": "disable", "class": "wl-button danger",
                                    "type": "button", "data-action": "disable",
                                    "onClick": lambda *_args: set_confirming(True)},
                                   _("Disable")))
    return html.tr(
        {"data-person": person["email"]},
        html.td(html.strong(person["name"]),
                html.div({"class": "wl-field-error", "role": "alert", "data-problem": "person"},
                         problem) if problem else ""),
        html.td(person["email"]),
        html.td(html.select(
            {"key": f"role-{epoch}", "class": "wl-input wl-compact", "value": person["role"],
             "data-field": "role",
             "disabled": not active, "onChange": handle_role},
            [html.option({"key": key, "value": key}, _(label)) for key, label in ROLES])),
        html.td(html.span({"class": f"wl-pill {'status-live' if active else 'status-archived'}",
                           "data-active": str(active).lower()},
                          _("Active") if active else _("Disabled")),
                html.div({"class": "wl-sub"}, _("No password yet"))
                if active and not person["has_password"] else ""),
        html.td(stamp(person["last_sign_in_at"], zone, _) or _("Never")),
        html.td(html.div({"class": "wl-row-actions"}, actions)))


@component
def AddPersonForm(services: UiServices, added: Any) -> Any:  # noqa: N802
    """Email, name and role of someone new; the server's refusal shows by its field."""
    _ = use_words()
    form, set_form = use_state({"email": "", "name": "", "role": "editor"})
    problems, set_problems = use_state({})

    async def handle_add(_event: Any) -> None:
        wanted = {key: value.strip() for key, value in form.items()}
        missing = {key: text for key, text in (("email", _("Enter their email address.")),
                                               ("name", _("Enter their name.")))
                   if not wanted[key]}
        if missing:
            set_problems(missing)
            return
        try:
            made = await asyncio.to_thread(services.add_user, wanted)
        except UiError as error:
            fields = {issue.get("field"): issue["message"] for issue in error.issues
                      if issue.get("field") in ("email", "name", "role")}
            set_problems(fields or {"form": error.message})
            return
        set_problems({})
        set_form({"email": "", "name": "", "role": wanted["role"]})
        await added(made)

    def field(key: str) -> Any:
        def handle(e: Any, *_: Any) -> None:
            value = event_value(e)
            set_form(lambda old: {**old, key: value})
        return handle

    def error(key: str) -> Any:
        return html.div({"class": "wl-field-error", "data-problem": key}, problems[key]) \
            if problems.get(key) else ""

    return html.form(
        {"class": "wl-team-form", "data-form": "add-person",
         "onSubmit": event(handle_add, prevent_default=True)},
        html.h3(_("Add a person")),
        html.div({"class": "wl-row wl-wrap"},
                 html.div({"class": "wl-grow"}, text_field(
                     {"class": "wl-input", "type": "email", "value": form["email"],
                      "placeholder": _("Email"), "data-field": "email",
                      "onChange": field("email")}), error("email")),
                 html.div({"class": "wl-grow"}, text_field(
                     {"class": "wl-input", "value": form["name"], "placeholder": _("Name"),
                      "data-field": "name", "onChange": field("name")}), error("name")),
                 html.select({"class": "wl-input wl-compact", "value": form["role"],
                              "data-field": "new-role", "onChange": field("role")},
                             [html.option({"key": key, "value": key}, _(label))
                              for key, label in ROLES]),
                 html.button({"class": "wl-button primary", "type": "submit",
                              "data-action": "add-person"}, _("Add person"))),
        error("form"))
