"""The test recipients card on the Send rules page: who gets the test sends sent to "test
recipients" from a send step or the Messages page (`runtime.messaging.test_sends`) — emails,
and phone numbers for SMS and KakaoTalk, one per line."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.reactpy_glue import use_words
from builder.ui.services import UiError, UiServices
from builder.ui.text_field import text_field

LISTS = (("emails", N_("Emails"), "minji@example.kr"),
         ("phones", N_("Phone numbers"), "010-1234-5678"))
"""The two lists: field, label (translated at render), example."""


@component
def TestRecipientsCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """Two lists and a save."""
    _ = use_words()
    lines, set_lines = use_state(None)
    notice, set_notice = use_state(None)
    can_edit = services.may("send_rules.edit")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        saved = await asyncio.to_thread(services.get_test_recipients)
        set_lines({name: "\n".join(saved[name]) for name, *_ in LISTS})

    async def save(_event: Any) -> None:
        value = {name: [line.strip() for line in lines[name].splitlines() if line.strip()]
                 for name, *_ in LISTS}
        try:
            await asyncio.to_thread(services.save_test_recipients, value)
            set_notice({"kind": "ok", "text": _("Saved.")})
        except UiError as error:
            set_notice({"kind": "error", "text": error.message})

    # A handler per list from this factory (ReactPy may pass more than one positional value).
    def on_change(name: str) -> Any:
        return event(lambda e, *_: set_lines(lambda old: {**old, name: e["target"]["value"]}))

    if lines is None:
        return html.div({"class": "wl-card"}, _("Loading…"))
    return html.div(
        {"class": "wl-card", "data-card": "test-recipients"},
        html.h2(_("Test recipients")),
        html.p({"class": "hint"}, _("Test sends from a send step or the Messages page go here "
                                    "when sent to 'test recipients': one per line.")),
        html.fieldset({"class": "wl-form", "disabled": not can_edit}, [html.label(
            {"class": "wl-row", "key": name, "style": {"alignItems": "flex-start"}},
            html.span({"style": {"minWidth": "200px"}}, _(label)),
            text_field({"class": "wl-input", "rows": 3, "style": {"flex": "1"},
                        "placeholder": example, "value": lines[name],
                        "data-test-recipients": name, "onChange": on_change(name)},
                       multiline=True))
            for name, label, example in LISTS]),
        html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"])
        if notice else "",
        html.button({"class": "wl-button primary", "type": "button", "onClick": save,
                     "data-action": "save-test-recipients"}, _("Save test recipients"))
        if can_edit else "")
