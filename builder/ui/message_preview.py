"""The messages page's live preview: the template being edited, rendered for one customer
(or a sample one) as it would be stored, strictly, so a missing value shows as an error here
rather than as a blank in a customer's message. Only for roles that may preview (editors up).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from reactpy import component, html, use_async_effect, use_state

from builder.ui.reactpy_glue import use_services
from builder.ui.services import UiError
from nodes.kit.sms import SMS_MAX_BYTES, carrier_bytes


@component
def Preview(request: dict[str, Any]) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The message (`request`, as the services take it) as it would be stored for one
    customer, rendered as the form is edited."""
    services = use_services()
    customer, set_customer = use_state("")
    shown, set_shown = use_state(None)

    @use_async_effect(dependencies=[repr(request), customer])
    async def render() -> None:
        if not request["source"].strip():
            set_shown(None)
            return
        try:
            set_shown(await asyncio.to_thread(services.preview_template, request, customer))
        except UiError as error:
            set_shown({"error": "; ".join(issue["message"] for issue in error.issues)
                       or error.message})

    return html.aside(
        {"class": "wl-card wl-msg-preview", "data-panel": "message-preview"},
        html.h2("Preview"),
        html.div({"class": "wl-field"},
                 html.label({"class": "wl-label"}, "For customer"),
                 html.input({"class": "wl-input", "name": "preview-customer",
                             "placeholder": "external id (empty: a sample customer)",
                             "onChange": lambda e, *_: set_customer(e["target"]["value"])})),
        Rendered(shown, request["channel"]))


@component
def Rendered(shown: dict[str, Any] | None, channel: str) -> Any:  # noqa: N802
    """What the preview service answered: the message's parts, or why it cannot be sent."""
    if shown is None:
        return html.p({"class": "hint"}, "Write the message to see it here.")
    if shown.get("error"):
        return html.div({"class": "wl-alert error", "data-preview": "error"}, shown["error"])
    content = shown.get("content") or {}
    labels = (("to", "To"), ("subject", "Subject"), ("title", "Title"), ("url", "URL"),
              ("text", "Text"), ("body", "Body"), ("template_code", "Template code"),
              ("variables", "Variables"), ("deep_link", "Deep link"), ("data", "Data"),
              ("html", "HTML"), ("method", "Method"), ("headers", "Headers"))
    parts = [html.div({"key": key, "data-part": key}, html.div({"class": "part"}, label),
                      html.pre(_shown(content[key]))) for key, label in labels if key in content]
    if channel == "sms" and "text" in content:
        size = carrier_bytes(content["text"])
        parts.append(html.div({"key": "bytes", "class": "wl-bytes", "data-part": "bytes"},
                              f"{size:,} bytes for this customer: "
                              f"{'SMS' if size <= SMS_MAX_BYTES else 'LMS'}"))
    return html.div({"data-preview": "message"}, parts)


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)
