"""The guardrails card on the Send rules page: the limits that pause a journey going wrong, and
the alert address. Saved on its own (PUT /api/workspace/guardrails's service); a journey's own
guardrails, in its settings on the canvas, win for that journey."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.ui.services import Json, UiError, UiServices
from builder.ui.text_field import text_field

LIMITS = (("max_failure_percent", "Failed deliveries above", "%"),
          ("max_bounce_percent", "Bounces reported above", "%"),
          ("max_unsubscribe_percent", "Unsubscribes above", "%"),
          ("max_sends_per_hour", "Messages per hour above", "per hour"))
"""The limits a row each: field, label, unit. An empty box turns that limit off."""

WINDOW = (("window_minutes", "Window", "minutes (5–60)"),
          ("min_messages", "Judge rates after", "messages in the window"))
"""How the limits are judged: field, label, unit."""

LABELS = {field: label for field, label, _ in LIMITS + WINDOW}


@component
def GuardrailsCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """Limits over a rolling window, their window and threshold, and where the alert goes."""
    value, set_value = use_state(None)
    notice, set_notice = use_state(None)
    can_edit = services.may("send_rules.edit")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        set_value(await asyncio.to_thread(services.get_guardrails))

    async def save(_event: Any) -> None:
        try:
            set_value(await asyncio.to_thread(services.save_guardrails, value))
            set_notice({"kind": "ok", "text": "Saved: delivery judges journeys by these from "
                                              "its next batch."})
        except UiError as error:
            set_notice({"kind": "error", "text": error.message})

    if value is None:
        return html.div({"class": "wl-card"}, "Loading…")

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
            html.span({"style": {"minWidth": "200px"}}, LABELS[field]),
            text_field({"class": "wl-input", "type": "number", "min": 1,
                        "value": "" if shown is None else str(shown), "data-guardrail": field,
                        "onChange": event(lambda e: put(("defaults", field), _number(
                            e["target"]["value"])))}),
            html.span({"class": "hint"}, unit))

    def text_box(field: str, label: str, placeholder: str) -> Any:
        return html.label(
            {"class": "wl-row"}, html.span({"style": {"minWidth": "200px"}}, label),
            text_field({"class": "wl-input", "value": value[field], "style": {"flex": "1"},
                        "placeholder": placeholder, "data-guardrail": field,
                        "onChange": event(lambda e: put((field,), e["target"]["value"]))}))

    defaults = value["defaults"]
    return html.div(
        {"class": "wl-card", "data-card": "guardrails"},
        html.h2("Guardrails"),
        html.p({"class": "hint"},
               "A journey that crosses one of these limits pauses itself — its unsent messages "
               "are held — says why with the figures, and alerts the address below. Judged over "
               f"the last {defaults.get('window_minutes', 15)} minutes, once at least "
               f"{defaults.get('min_messages', 50)} messages went out. A journey can set its "
               "own in its settings."),
        html.fieldset(
            {"class": "wl-form", "disabled": not can_edit},
            html.label({"class": "wl-row"}, html.input(
                {"type": "checkbox", "checked": value["enabled"], "data-guardrail": "enabled",
                 "onChange": event(lambda e: put(("enabled",), e["target"]["checked"]))}),
                "Guardrails on"),
            [number_box(field, unit) for field, _, unit in LIMITS + WINDOW],
            text_box("alert_email", "Alert email", "crm-oncall@example.kr"),
            text_box("alert_webhook", "Alert webhook", "https://hooks.example.kr/wayline")),
        html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"])
        if notice else "",
        html.button({"class": "wl-button primary", "type": "button", "onClick": save,
                     "data-action": "save-guardrails"}, "Save guardrails") if can_edit else "")


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None
