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

from builder.ui.reactpy_glue import event_value
from builder.ui.secret_box import SecretBox
from builder.ui.services import Json, UiError, UiServices
from builder.ui.text_field import text_field
from builder.ui.times import stamp, zone_of

ROLES = (("viewer", "Viewer"), ("editor", "Editor"), ("publisher", "Publisher"),
         ("admin", "Admin"))
ROLE_HELP = ("Viewers see journeys, numbers and masked contacts; editors make drafts, messages "
             "and previews; publishers publish, pause and set send rules; admins also manage "
             "people, keys and workspace settings.")


@component
def PeopleCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The people table, the add form, and the last one-time link made."""
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
        set_link(_link_note(made, "added", zone))
        await reload()

    rows = [PersonRow(person, zone, problems.get(person["id"]), change, services, set_link,
                      epoch, key=person["id"]) for person in people or []]
    table = html.table(
        {"class": "wl-table wl-team-table", "data-table": "people"},
        html.thead(html.tr(html.th("Name"), html.th("Email"), html.th("Role"),
                           html.th("Status"), html.th("Last sign-in"), html.th())),
        html.tbody(rows)) if rows else html.p({"class": "hint"}, "Loading…")
    return html.section(
        {"class": "wl-card", "data-card": "people"},
        html.h2("People"),
        html.p({"class": "hint"}, ROLE_HELP),
        SecretBox(link["link"], link["title"], link["note"], lambda: set_link(None))
        if link else "",
        table,
        AddPersonForm(services, handle_added))


def _link_note(made: Json, why: str, zone: Any) -> Json:
    """What the box above the table says about a one-time link."""
    person = made["user"]
    title = (f"{person['name']} is added as {person['role']}." if why == "added"
             else f"A new sign-in link for {person['name']}.")
    note = (f"Send them this one-time link privately. It signs them in once, until "
            f"{stamp(made['expires_at'], zone)}, and asks them to set a password"
            + ("; the password they had stops working when they use it." if why == "reset"
               else "."))
    return {"link": made["link"], "title": title, "note": note}


@component
def PersonRow(person: Json, zone: Any, problem: str | None,  # noqa: N802
              change: Any, services: UiServices, set_link: Any, epoch: int) -> Any:
    """One person: name, email, role (a select), status, last sign-in, and actions; the
    role select is made anew each `epoch` (the browser keeps a choice the server refused)."""
    confirming, set_confirming = use_state(False)
    user_id = person["id"]

    async def handle_role(e: Any, *_: Any) -> None:
        role = event_value(e)
        await change(user_id, lambda: services.update_user(user_id, {"role": role}))

    def handle_active(active: bool) -> Any:
        async def handle(*_: Any) -> None:
            set_confirming(False)
            await change(user_id, lambda: services.update_user(user_id, {"active": active}))
        return handle

    async def handle_link(*_: Any) -> None:
        made = await change(user_id, lambda: services.sign_in_link(user_id))
        if made:
            set_link(_link_note(made, "reset", zone))

    active = person["active"]
    actions = [html.button({"key": "link", "class": "wl-button", "type": "button",
                            "data-action": "sign-in-link", "onClick": handle_link,
                            "disabled": not active}, "New sign-in link")]
    if not active:
        actions.append(html.button({"key": "enable", "class": "wl-button", "type": "button",
                                    "data-action": "enable", "onClick": handle_active(True)},
                                   "Enable"))
    elif confirming:
        actions += [html.span({"key": "ask", "class": "wl-sub"}, "Signed out everywhere now."),
                    html.button({"key": "yes", "class": "wl-button danger", "type": "button",
                                 "data-action": "confirm-disable",
                                 "onClick": handle_active(False)}, "Disable"),
                    html.button({"key": "no", "class": "wl-button", "type": "button",
                                 "onClick": lambda *_: set_confirming(False)}, "Cancel")]
    else:
        actions.append(html.button({"key": "disable", "class": "wl-button danger",
                                    "type": "button", "data-action": "disable",
                                    "onClick": lambda *_: set_confirming(True)}, "Disable"))
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
            [html.option({"key": key, "value": key}, label) for key, label in ROLES])),
        html.td(html.span({"class": f"wl-pill {'status-live' if active else 'status-archived'}",
                           "data-active": str(active).lower()},
                          "Active" if active else "Disabled"),
                html.div({"class": "wl-sub"}, "No password yet")
                if active and not person["has_password"] else ""),
        html.td(stamp(person["last_sign_in_at"], zone) or "Never"),
        html.td(html.div({"class": "wl-row-actions"}, actions)))


@component
def AddPersonForm(services: UiServices, added: Any) -> Any:  # noqa: N802
    """Email, name and role of someone new; the server's refusal shows by its field."""
    form, set_form = use_state({"email": "", "name": "", "role": "editor"})
    problems, set_problems = use_state({})

    async def handle_add(_event: Any) -> None:
        wanted = {key: value.strip() for key, value in form.items()}
        missing = {key: text for key, text in (("email", "Enter their email address."),
                                               ("name", "Enter their name."))
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
        html.h3("Add a person"),
        html.div({"class": "wl-row wl-wrap"},
                 html.div({"class": "wl-grow"}, text_field(
                     {"class": "wl-input", "type": "email", "value": form["email"],
                      "placeholder": "Email", "data-field": "email",
                      "onChange": field("email")}), error("email")),
                 html.div({"class": "wl-grow"}, text_field(
                     {"class": "wl-input", "value": form["name"], "placeholder": "Name",
                      "data-field": "name", "onChange": field("name")}), error("name")),
                 html.select({"class": "wl-input wl-compact", "value": form["role"],
                              "data-field": "new-role", "onChange": field("role")},
                             [html.option({"key": key, "value": key}, label)
                              for key, label in ROLES]),
                 html.button({"class": "wl-button primary", "type": "submit",
                              "data-action": "add-person"}, "Add person")),
        error("form"))
