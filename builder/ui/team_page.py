"""The team page (admins): the people in the workspace, the API keys systems use, and the
workspace's own settings (whether publishing needs a publisher's approval).

Rendered in Python by ReactPy over the same services as /api/users, /api/keys and
/api/workspace/settings; every change is in the audit trail with who made it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from reactpy import component, html, use_async_effect, use_state

from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import use_services, use_words
from builder.ui.services import UiError, UiServices
from builder.ui.settings_page import CARD_STYLE, Notice
from builder.ui.team_keys import KeysCard
from builder.ui.team_people import PeopleCard

STYLE = CARD_STYLE + """
.wl-team-form { margin-top: 16px; padding-top: 14px; border-top: 1px solid var(--line); }
.wl-team-form h3 { margin: 0 0 8px; font-size: 14px; }
.wl-team-form .wl-grow { min-width: 220px; }
.wl-team-form .wl-grow .wl-input { width: 100%; }
.wl-team-table td, .wl-team-table th { white-space: nowrap; }
.wl-team-table td:first-child { white-space: normal; }
.wl-checks { display: flex; gap: 14px; flex-wrap: wrap; margin-top: 8px; }
.wl-scope { margin-right: 4px; background: var(--brand-soft); color: var(--brand); }
.wl-table tr.revoked td { color: var(--muted); }
.wl-switch { display: flex; gap: 10px; align-items: flex-start; cursor: pointer; }
.wl-switch input { width: 18px; height: 18px; margin-top: 2px; }
"""


@component
def TeamPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """People, API keys and workspace settings."""
    services = use_services()
    _ = use_words()
    return html.div(
        {"class": "wl-app"}, html.style(STYLE), AppBar("team"),
        html.main({"class": "wl-page"},
                  html.div({"class": "wl-page-head"}, html.div(
                      html.h1(_("Team")),
                      html.p(_("Who can sign in and what their role lets them do, the keys "
                               "systems use, and how this workspace publishes.")))),
                  PeopleCard(services), KeysCard(services), WorkspaceCard(services)))


@component
def WorkspaceCard(services: UiServices) -> Any:  # noqa: N802
    """The workspace's settings: "Require approval to publish", saved as it is switched."""
    _ = use_words()
    settings, set_settings = use_state(None)
    notice, set_notice = use_state(None)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        with contextlib.suppress(UiError):  # signed out: the app bar goes to sign in
            set_settings(await asyncio.to_thread(services.get_workspace_settings))

    async def handle_approvals(*_args: Any) -> None:
        wanted = {**settings, "approvals_required": not settings["approvals_required"]}
        try:
            saved = await asyncio.to_thread(services.save_workspace_settings, wanted)
        except UiError as error:
            set_notice({"kind": "error", "text": error.message})
            return
        set_settings(saved)
        set_notice({"kind": "ok", "text": (
            _("Approvals required: every publish now goes through a request that another "
              "publisher approves.") if saved["approvals_required"] else
            _("Approvals off: publishers publish directly; editors still ask a publisher."))})

    body = html.p({"class": "hint"}, _("Loading…")) if settings is None else html.label(
        {"class": "wl-switch"},
        html.input({"type": "checkbox", "checked": settings["approvals_required"],
                    "data-setting": "approvals_required", "onChange": handle_approvals}),
        html.span(html.strong(_("Require approval to publish")),
                  html.span({"class": "wl-help", "style": {"display": "block"}},
                            _("Nobody publishes directly, publishers included: each publish "
                              "is a request that a publisher other than the one who asked "
                              "approves after seeing what changed and who it reaches."))))
    return html.section({"class": "wl-card", "data-card": "workspace"},
                        html.h2(_("Workspace")), body, Notice(notice))
