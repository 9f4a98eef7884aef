"""The built-in consent journeys card on the Send rules page: the 14-day confirmation and the
two-yearly reminder the law asks for (정보통신망법 제50조 ⑦⑧), each switched on or off, with
the sender's name and the way to withdraw their texts carry (`server.consent_journeys`). On
makes (the first time) and publishes the journey, which then is an ordinary journey the team
can open and edit; off pauses it."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.reactpy_glue import use_words
from builder.ui.services import UiError, UiServices
from builder.ui.text_field import text_field

KINDS = {"confirmation": (N_("Consent confirmation (within 14 days)"), N_(
             "Tells a customer the result when they consent to, refuse or withdraw from "
             "advertising.")),
         "reminder": (N_("Two-yearly consent reminder"), N_(
             "Every two years after consent, tells the customer who sends, when they "
             "consented, and how to withdraw (silence keeps consent)."))}

STATUS = {"live": N_("Live"), "paused": N_("Paused"), "draft": N_("Draft")}


@component
def ConsentJourneysCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """A switch per built-in, and the two texts they need."""
    _ = use_words()
    state, set_state = use_state(None)
    fields, set_fields = use_state({"sender_name": "", "withdraw": ""})
    notice, set_notice = use_state(None)
    can_edit = services.may("send_rules.edit")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        saved = await asyncio.to_thread(services.get_consent_journeys)
        set_state(saved)
        set_fields({"sender_name": saved["sender_name"], "withdraw": saved["withdraw"]})

    def switch(kind: str, on: bool) -> Any:
        async def handle_switch(_event: Any) -> None:
            try:
                saved = await asyncio.to_thread(services.switch_consent_journey, kind, on,
                                                fields["sender_name"], fields["withdraw"])
            except UiError as error:
                set_notice({"kind": "error", "text": error.message})
                return
            set_state(saved)
            set_notice({"kind": "ok", "text": _("Switched on: the journey is live.") if on
                        else _("Switched off: the journey is paused.")})
        return handle_switch

    def on_change(name: str) -> Any:
        return event(lambda e, *_: set_fields(lambda old: {**old, name: e["target"]["value"]}))

    if state is None:
        return html.div({"class": "wl-card"}, _("Loading…"))
    rows = [ConsentJourneyRow(entry, switch(entry["kind"], not entry["on"]) if can_edit
                              else None, key=entry["kind"]) for entry in state["journeys"]]
    return html.div(
        {"class": "wl-card", "data-card": "consent-journeys"},
        html.h2(_("Consent notices")),
        html.p({"class": "hint"}, _("Journeys Wayline makes for what the law asks of senders "
                                    "of advertising. They send information, not advertising, "
                                    "by text (or email to customers without a phone).")),
        html.fieldset({"class": "wl-form", "disabled": not can_edit},
                      *[html.label({"class": "wl-row", "key": name},
                                   html.span({"style": {"minWidth": "200px"}}, _(label)),
                                   text_field({"class": "wl-input", "value": fields[name],
                                               "style": {"flex": "1"}, "placeholder": example,
                                               "data-consent-field": name,
                                               "onChange": on_change(name)}))
                        for name, label, example in (
                            ("sender_name", N_("Sender name"), "봄날상점"),
                            ("withdraw", N_("How to withdraw"), "무료수신거부 080-123-4567"))]),
        html.ul({"class": "wl-list"}, rows),
        html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"])
        if notice else "")


@component
def ConsentJourneyRow(entry: dict[str, Any], on_switch: Any) -> Any:  # noqa: N802
    """One built-in: what it does, its journey when made, and its switch."""
    _ = use_words()
    title, about = KINDS[entry["kind"]]
    link = html.a({"href": f"/journeys/{entry['journey_id']}", "data-journey-link": entry["kind"]},
                  _("Open the journey"), " (", _(STATUS.get(entry["status"], entry["status"])),
                  ")") if entry["journey_id"] else ""
    control = html.label(html.input({"type": "checkbox", "checked": entry["on"],
                                     "data-consent-journey": entry["kind"],
                                     "onChange": on_switch}),
                         " ", _("On")) if on_switch else ""
    return html.li({"class": "wl-row"},
                   html.div({"style": {"flex": "1"}}, html.strong(_(title)),
                            html.div({"class": "hint"}, _(about)), link), control)
