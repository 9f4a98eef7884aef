"""The team page's API keys: one per system that talks to Wayline, scoped to what it does.

A new key is shown once, right after it is made, with a copy button and a warning that it
won't be shown again (Wayline keeps only its hash); the list shows each key's prefix, scopes,
who made it and when it was last used. Revoking asks first: systems using it are refused at
once.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.reactpy_glue import use_words
from builder.ui.secret_box import SecretBox
from builder.ui.services import Json, UiError, UiServices
from builder.ui.text_field import text_field
from builder.ui.times import stamp, zone_of

SCOPES = (("ingest", N_("Ingest"), N_("customers, events, journey entries and receipts in")),
          ("read", N_("Read"), N_("what a viewer sees, contact data unmasked")),
          ("manage", N_("Manage"), N_("what editors and publishers do (never people or keys)")))
"""The key scopes: key (as systems and the API name it), label, what it allows (translated
at render)."""


@component
def KeysCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The keys table, the new key form, and a key just made."""
    _ = use_words()
    keys, set_keys = use_state(None)
    made, set_made = use_state(None)
    problems, set_problems = use_state({})
    zone = zone_of(None, services.timezone)

    async def reload() -> None:
        set_keys(await asyncio.to_thread(services.list_keys))

    @use_async_effect(dependencies=[])
    async def load() -> None:
        with contextlib.suppress(UiError):  # signed out: the app bar goes to sign in
            await reload()

    async def handle_created(result: Json) -> None:
        set_made(result)
        await reload()

    def handle_revoke(key_id: int) -> Any:
        async def revoke() -> None:
            try:
                await asyncio.to_thread(services.revoke_key, key_id)
            except UiError as error:
                message = error.message  # `error` is gone once the except block ends
                set_problems(lambda old: {**old, key_id: message})
                return
            await reload()
        return revoke

    rows = [KeyRow(key, zone, problems.get(key["id"]), handle_revoke(key["id"]), key=key["id"])
            for key in keys or []]
    table = html.table(
        {"class": "wl-table wl-team-table", "data-table": "keys"},
        html.thead(html.tr(html.th(_("Name")), html.th(_("Key")), html.th(_("Scopes")),
                           html.th(_("Created")), html.th(_("Last used")), html.th())),
        html.tbody(rows)) if rows else html.p(
        {"class": "hint"}, _("Loading…") if keys is None else _("No API keys yet."))
    return html.section(
        {"class": "wl-card", "data-card": "keys"},
        html.h2(_("API keys")),
        html.p({"class": "hint"}, _("Systems send a key as X-Api-Key. Make one per system, "
                                    "with only the scopes it needs, so revoking it stops just "
                                    "that system.")),
        SecretBox(made["key"], _("The key '{name}'", name=made["detail"]["name"]),
                  _("Copy it now and keep it somewhere safe: it won't be shown again. Wayline "
                    "keeps only a hash of it."), lambda: set_made(None), warn=True, kind="key")
        if made else "",
        table,
        NewKeyForm(services, handle_created))


@component
def KeyRow(item: Json, zone: Any, problem: str | None, revoke: Any) -> Any:  # noqa: N802
    """One key: name, prefix, scopes, who made it and when, last use, revoke (asks first)."""
    _ = use_words()
    confirming, set_confirming = use_state(False)
    revoked = item["revoked_at"]

    async def handle_revoke(*_args: Any) -> None:
        set_confirming(False)
        await revoke()

    if revoked:
        action: Any = html.span({"class": "wl-pill status-archived", "data-revoked": True},
                                _("Revoked {when}", when=stamp(revoked, zone, _)))
    elif confirming:
        action = html.div(
            {"class": "wl-row-actions"},
            html.span({"class": "wl-sub"}, _("Systems using it are refused at once.")),
            html.button({"class": "wl-button danger-solid", "type": "button",
                         "data-action": "confirm-revoke", "onClick": handle_revoke},
                        _("Revoke")),
            html.button({"class": "wl-button", "type": "button",
                         "onClick": lambda *_args: set_confirming(False)}, _("Cancel")))
    else:
        action = html.button({"class": "wl-button danger", "type": "button",
                              "data-action": "revoke",
                              "onClick": lambda *_args: set_confirming(True)}, _("Revoke"))
    return html.tr(
        {"data-key": item["name"], "class": "revoked" if revoked else ""},
        html.td(html.strong(item["name"]),
                html.div({"class": "wl-field-error", "role": "alert"}, problem)
                if problem else ""),
        html.td(html.code(f"{item['prefix']}…")),
        html.td([html.span({"key": scope, "class": "wl-pill wl-scope"}, scope)
                 for scope in item["scopes"]]),
        html.td(stamp(item["created_at"], zone, _),
                html.div({"class": "wl-sub"}, _("by {who}", who=item["created_by"]))
                if item["created_by"] else ""),
        html.td(stamp(item["last_used_at"], zone, _) or _("Never")),
        html.td({"style": {"textAlign": "right"}}, action))


@component
def NewKeyForm(services: UiServices, created: Any) -> Any:  # noqa: N802
    """A name, the scopes and an optional rate limit; the server's refusal shows here."""
    name, set_name = use_state("")
    scopes, set_scopes = use_state(("ingest",))
    limit, set_limit = use_state("")
    problem, set_problem = use_state(None)
    _ = use_words()

    async def handle_create(_event: Any) -> None:
        wanted = {"name": name.strip(), "scopes": list(scopes)}
        if not wanted["name"]:
            set_problem(_("Name the key after the system that will use it."))
            return
        if not scopes:
            set_problem(_("Choose at least one scope."))
            return
        if limit.strip():
            if not limit.strip().isdigit():
                set_problem(_("The rate limit is a number of requests per minute."))
                return
            wanted["rate_limit"] = int(limit)
        try:
            result = await asyncio.to_thread(services.create_key, wanted)
        except UiError as error:
            set_problem(error.message)
            return
        set_problem(None)
        set_name("")
        set_limit("")
        await created(result)

    def toggle(scope: str) -> Any:
        return lambda *_args: set_scopes(lambda old: tuple(
            key for key, *_rest in SCOPES if (key in old) != (key == scope)))

    return html.form(
        {"class": "wl-team-form", "data-form": "new-key",
         "onSubmit": event(handle_create, prevent_default=True)},
        html.h3(_("New key")),
        html.div({"class": "wl-row wl-wrap"},
                 text_field({"class": "wl-input wl-grow", "value": name,
                             "placeholder": _("What uses it, e.g. Shop events"),
                             "data-field": "key-name",
                             "onChange": lambda e, *_: set_name(e["target"]["value"])}),
                 text_field({"class": "wl-input wl-short", "value": limit,
                             "placeholder": _("per min"),
                             "title": _("Requests per minute (empty: the workspace's default)"),
                             "data-field": "rate-limit",
                             "onChange": lambda e, *_: set_limit(e["target"]["value"])}),
                 html.button({"class": "wl-button primary", "type": "submit",
                              "data-action": "create-key"}, _("Create key"))),
        html.div({"class": "wl-checks wl-scopes"}, [
            html.label({"key": key, "title": _(help_text)},
                       html.input({"type": "checkbox", "checked": key in scopes,
                                   "data-scope": key, "onChange": toggle(key)}),
                       " ", _(label), html.span({"class": "wl-sub"}, " — ", _(help_text)))
            for key, label, help_text in SCOPES]),
        html.div({"class": "wl-field-error", "role": "alert", "data-problem": "key"}, problem)
        if problem else "")
