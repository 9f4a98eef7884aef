"""The guardrails card on the Send rules page: the limits that pause a journey going wrong, and
the alert address. Saved on its own (PUT /api/workspace/guardrails's service); a journey's own
guardrails, in its settings on the canvas, win for that journey."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.reactpy_glue import use_words
from builder.ui.services import Json, UiError, UiServices
from builder.ui.text_field import text_field

LIMITS = (("max_failure_percent", N_("Failed deliveries above"), "%"),
          ("max_bounce_percent", N_("Bounces reported above"), "%"),
          ("max_unsubscribe_percent", N_("Unsubscribes above"), "%"),
          ("max_sends_per_hour", N_("Messages per hour above"), N_("per hour")))
"""The limits a row each: field, label, unit. An empty box turns that limit off."""

WINDOW = (("window_minutes", N_("Window"), N_("minutes (5–60)")),
          ("min_messages", N_("Judge rates after"), N_("messages in the window")))
"""How the limits are judged: field, label, unit."""

LABELS = {field: label for field, label, _ in LIMITS + WINDOW}


@component
def GuardrailsCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """Limits over a rolling window, their window and threshold, and where the alert goes."""
    _ = use_words()
    value, set_value = use_state(None)
    notice, set_notice = use_state(None)
    can_edit = services.may("send_rules.edit")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        set_value(await asyncio.to_thread(services.get_guardrails))

    async def save(_event: Any) -> None:
        try:
            set_value(await asyncio.to_thread(services.save_guardrails, value))
            set_notice({"kind": "ok", "text": _("Saved: delivery judges journeys by these "
                                                "from its next batch.")})
        except UiError as error:
            set_notice({"kind": "error", "text": error.message})

    if value is None:
        return html.div({"class": "wl-card"}, _("Loading…"))

    def put(path: tuple[str, ...], raw: Any) -> None:
        def apply(current: Json) -> Json:
            updated = {**current, "defaults": dict(current["defaults"])}
            target = updated["defaults"] if path[0] == "defaults" else updated
            target[path[-1]] = raw
            return updated
        set_value(apply)

    def number_box(field: str, unit: str) -> Any:
        shown = value["defaults"].get(field)
        return html.label(
            {"class": "wl-row", "key": field},
            html.span({"style": {"minWidth": "200px"}}, _(LABELS[field])),
            text_field({"class": "wl-input", "type": "number", "min": 1,
                        "value": "" if shown is None else str(shown), "data-guardrail": field,
                        "onChange": event(lambda e: put(("defaults", field), _number(
                            e["target"]["value"])))}),
            html.span({"class": "hint"}, _(unit)))

    def text_box(field: str, label: str, placeholder: str) -> Any:
        return html.label(
            {"class": "wl-row"}, html.span({"style": {"minWidth": "200px"}}, label),
            text_field({"class": "wl-input", "value": value[field], "style": {"flex": "1"},
                        "placeholder": placeholder, "data-guardrail": field,
                        "onChange": event(lambda e: put((field,), e["target"]["value"]))}))

    defaults = value["defaults"]
    return html.div(
        {"class": "wl-card", "data-card": "guardrails"},
        html.h2(_("Guardrails")),
        html.p({"class": "hint"},
               _("A journey that crosses one of these limits pauses itself — its unsent messages "
                 "are held — says why with the figures, and alerts the address below. Judged "
                 "over the last {minutes} minutes, once at least {messages} messages went out. "
                 "A journey can set its own in its settings.",
                 minutes=_.number(defaults.get("window_minutes", 15)),
                 messages=_.number(defaults.get("min_messages", 50)))),
        html.fieldset(
            {"class": "wl-form", "disabled": not can_edit},
            html.label({"class": "wl-row"}, html.input(
                {"type": "checkbox", "checked": value["enabled"], "data-guardrail": "enabled",
                 "onChange": event(lambda e: put(("enabled",), e["target"]["checked"]))}),
                _("Guardrails on")),
            [number_box(field, unit) for field, _label, unit in LIMITS + WINDOW],
            text_box("alert_email", _("Alert email"), "crm-oncall@example.kr"),
            text_box("alert_webhook", _("Alert webhook"), "https://hooks.example.kr/wayline")),
        html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"])
        if notice else "",
        html.button({"class": "wl-button primary", "type": "button", "onClick": save,
                     "data-action": "save-guardrails"}, _("Save guardrails")) if can_edit else "")


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None
