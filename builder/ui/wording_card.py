"""The wording card on the Send rules page: the advertising label and the opt-out line that the
law adds to marketing messages (`runtime.messaging.compliance`), as the workspace words them. A
box shows what messages get now; left as the environment has it, nothing is stored and the
environment's (WAYLINE_AD_LABEL, WAYLINE_OPT_OUT_LINE) keeps applying."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.reactpy_glue import use_words
from builder.ui.services import Json, UiError, UiServices
from builder.ui.text_field import text_field

FIELDS = (("ad_label", N_("Advertising label"), "(광고)",
           N_("In front of marketing texts, KakaoTalk messages and email subjects; empty: "
              "none.")),
          ("opt_out_line", N_("Opt-out line"), "무료수신거부 080-123-4567",
           N_("At the end of every marketing text and KakaoTalk message (정보통신망법 §50).")))
"""The two boxes: field, label, example (the wording itself is Korean), help (translated at
render)."""


@component
def WordingCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """Two boxes and a save."""
    _ = use_words()
    saved, set_saved = use_state(None)
    shown, set_shown = use_state({})
    notice, set_notice = use_state(None)
    can_edit = services.may("send_rules.edit")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        value = await asyncio.to_thread(services.get_wording)
        set_saved(value)
        set_shown(in_force(value))

    async def save(_event: Any) -> None:
        wanted = {name: (None if saved[name] is None and shown[name] ==
                         saved["environment"][name] else shown[name]) for name, *_ in FIELDS}
        try:
            value = await asyncio.to_thread(services.save_wording, wanted)
        except UiError as error:
            set_notice({"kind": "error", "text": error.message})
            return
        set_saved(value)
        set_shown(in_force(value))
        set_notice({"kind": "ok", "text": _("Saved: messages rendered from now on use it.")})

    # A handler per box from this factory, not a lambda with a default argument: ReactPy may
    # pass an event more than one positional value.
    def on_change(name: str) -> Any:
        return event(lambda e, *_: set_shown(lambda old: {**old, name: e["target"]["value"]}))

    if saved is None:
        return html.div({"class": "wl-card"}, _("Loading…"))
    return html.div(
        {"class": "wl-card", "data-card": "wording"},
        html.h2(_("Advertising label and opt-out line")),
        html.p({"class": "hint"}, _("Korean law asks marketing messages to say they are "
                                    "advertising and how to refuse them for free.")),
        html.fieldset({"class": "wl-form", "disabled": not can_edit}, [html.label(
            {"class": "wl-row", "key": name},
            html.span({"style": {"minWidth": "200px"}}, _(label)),
            text_field({"class": "wl-input", "style": {"flex": "1"}, "placeholder": example,
                        "value": shown.get(name, ""), "data-wording": name, "title": _(help_text),
                        "onChange": on_change(name)}))
            for name, label, example, help_text in FIELDS]),
        html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"])
        if notice else "",
        html.button({"class": "wl-button primary", "type": "button", "onClick": save,
                     "data-action": "save-wording"}, _("Save wording")) if can_edit else "")


def in_force(value: Json) -> dict[str, str]:
    """What messages get now: the saved wording, else the environment's."""
    return {name: value[name] if value[name] is not None else value["environment"][name]
            for name, *_ in FIELDS}
