"""The test recipients card on the Send rules page: who gets the test sends sent to "test
recipients" from a send step or the Messages page (`runtime.messaging.test_sends`) — emails,
and phone numbers for SMS and KakaoTalk, one per line."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.ui.services import UiError, UiServices
from builder.ui.text_field import text_field

LISTS = (("emails", "Emails", "minji@example.kr"), ("phones", "Phone numbers", "010-1234-5678"))


@component
def TestRecipientsCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """Two lists and a save."""
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
            set_notice({"kind": "ok", "text": "Saved."})
        except UiError as error:
            set_notice({"kind": "error", "text": error.message})

    # A handler per list from this factory (ReactPy may pass more than one positional value).
    def on_change(name: str) -> Any:
        return event(lambda e, *_: set_lines(lambda old: {**old, name: e["target"]["value"]}))

    if lines is None:
        return html.div({"class": "wl-card"}, "Loading…")
    return html.div(
        {"class": "wl-card", "data-card": "test-recipients"},
        html.h2("Test recipients"),
        html.p({"class": "hint"}, "Test sends from a send step or the Messages page go here "
                                  "when sent to 'test recipients': one per line."),
        html.fieldset({"class": "wl-form", "disabled": not can_edit}, [html.label(
            {"class": "wl-row", "key": name, "style": {"alignItems": "flex-start"}},
            html.span({"style": {"minWidth": "200px"}}, label),
            text_field({"class": "wl-input", "rows": 3, "style": {"flex": "1"},
                        "placeholder": example, "value": lines[name],
                        "data-test-recipients": name, "onChange": on_change(name)},
                       multiline=True))
            for name, label, example in LISTS]),
        html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"])
        if notice else "",
        html.button({"class": "wl-button primary", "type": "button", "onClick": save,
                     "data-action": "save-test-recipients"}, "Save test recipients")
        if can_edit else "")
