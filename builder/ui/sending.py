"""Stop all sending, as every page shows it: a red banner while it is stopped (who, when, why),
with Resume for those allowed; and the switch itself, on the Send rules page.

Every page asks `sending_state` when it opens and every SENDING_POLL_SECONDS after, so a stop
pulled in one tab or by someone else shows everywhere within seconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import Words
from builder.ui.reactpy_glue import use_words
from builder.ui.services import Json, UiError, UiServices
from builder.ui.session import ends_polling
from builder.ui.text_field import text_field
from builder.ui.times import local_text, zone_of

SENDING_POLL_SECONDS = 5.0
"""How often an open page looks whether all sending was stopped or resumed elsewhere."""

STYLE = """
.wl-stop-banner { display: flex; align-items: center; gap: 12px; padding: 10px 20px;
                  background: var(--stop); color: var(--stop-ink); font-weight: 500; }
.wl-stop-banner strong { font-weight: 700; }
.wl-stop-banner .wl-button { margin-left: auto; background: var(--stop-ink); color: var(--stop);
                             border: 0; }
.wl-stop-card.stopped { border-color: var(--stop-line); background: var(--stop-soft); }
.wl-stop-card .wl-button.danger-solid { background: var(--stop); color: var(--stop-ink);
                                        border: 0; }
"""


def use_sending(services: UiServices) -> tuple[Json | None, Any]:
    """The workspace's sending state, kept fresh while the page is open; and its setter (for
    the page's own stop or resume, shown at once)."""
    state, set_state = use_state(None)

    @use_async_effect(dependencies=[])
    async def watch() -> None:
        while True:
            try:
                set_state(await asyncio.to_thread(services.sending_state))
            except UiError as error:
                if ends_polling(error):
                    return  # the session is over: the page goes to sign in
            await asyncio.sleep(SENDING_POLL_SECONDS)

    return state, set_state


def stopped_text(state: Json, timezone: str) -> str:
    """'by … on Mar 2, 2026, 21:30 GMT+9: why' (English; pages that speak the person's
    language say `stopped_message`)."""
    said = f": {state['reason']}" if state.get("reason") else ""
    return f"by {state['by']} on {local_text(state['at'], zone_of(None, timezone))}{said}"


def stopped_message(state: Json, timezone: str, _: Words) -> str:
    """'All sending is stopped by … on … (the workspace's time): why.' in `_`'s language."""
    facts = {"who": state["by"], "reason": state.get("reason") or "",
             "when": local_text(state["at"], zone_of(None, timezone), _)}
    if facts["reason"]:
        return _("All sending is stopped by {who} on {when}: {reason}", **facts)
    return _("All sending is stopped by {who} on {when}.", **facts)


@component
def SendingBanner(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """A red banner while all sending is stopped, with Resume for publishers and admins."""
    state, set_state = use_sending(services)
    problem, set_problem = use_state(None)
    _ = use_words()

    async def resume(_event: Any) -> None:
        try:
            set_state(await asyncio.to_thread(services.resume_sending))
            set_problem(None)
        except UiError as error:
            set_problem(error.message)

    if not state or not state["stopped"]:
        return html.fragment()
    return html.div(
        {"class": "wl-stop-banner", "role": "alert", "data-banner": "sending-stopped"},
        html.style(STYLE),
        html.span(html.strong(stopped_message(state, services.timezone, _)), " ",
                  _("No message of any journey goes out until someone resumes; customers "
                    "still move through their journeys and their messages wait.")),
        html.span(problem) if problem else "",
        html.button({"type": "button", "class": "wl-button", "data-action": "resume-sending",
                     "onClick": resume}, _("Resume sending"))
        if services.may("sending.stop") else "")


@component
def StopSendingCard(services: UiServices) -> Any:  # noqa: N802
    """The switch: stop every outgoing message now (with a reason), or resume."""
    state, set_state = use_sending(services)
    reason, set_reason = use_state("")
    problem, set_problem = use_state(None)
    allowed = services.may("sending.stop")
    _ = use_words()

    async def flip(_event: Any) -> None:
        try:
            if state["stopped"]:
                set_state(await asyncio.to_thread(services.resume_sending))
            else:
                set_state(await asyncio.to_thread(services.stop_sending, reason))
                set_reason("")
            set_problem(None)
        except UiError as error:
            set_problem(error.message)

    if state is None:
        return html.div({"class": "wl-card"}, _("Loading…"))
    stopped = state["stopped"]
    return html.div(
        {"class": f"wl-card wl-stop-card {'stopped' if stopped else ''}",
         "data-card": "stop-sending", "data-stopped": "yes" if stopped else "no"},
        html.style(STYLE),
        html.h2(_("Stop all sending")),
        html.p({"class": "hint"},
               stopped_message(state, services.timezone, _) + " " +
               _("Messages keep their place and go out, each checked again, when you resume.")
               if stopped else
               _("The emergency brake: holds every outgoing message of every journey at once — "
                 "queued, waiting for the morning, or retrying. Customers still move through "
                 "their journeys; nothing is lost, and resuming sends what waited.")),
        "" if stopped or not allowed else html.div(
            {"class": "wl-row"},
            text_field({"class": "wl-input", "placeholder": _("Why (everyone sees it)"),
                        "value": reason, "maxLength": 500, "data-field": "stop-reason",
                        "style": {"flex": "1"},
                        "onChange": event(lambda e: set_reason(e["target"]["value"]))})),
        html.p({"class": "wl-problems"}, problem) if problem else "",
        html.button({"type": "button", "data-action": "flip-sending", "onClick": flip,
                     "class": "wl-button primary" if stopped else "wl-button danger-solid"},
                    _("Resume sending") if stopped else _("Stop all sending"))
        if allowed else html.p({"class": "hint"}, _("Publishers and admins can stop and resume "
                                                    "all sending.")))
