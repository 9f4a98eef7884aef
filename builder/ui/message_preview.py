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
from nodes.kit.channel import Address, default_channels
from nodes.kit.sms import SMS_MAX_BYTES, carrier_bytes


@component
def Preview(request: dict[str, Any], template_id: int | None = None) -> Any:  # noqa: N802
    """The message (`request`, as the services take it) as it would be stored for one
    customer, rendered as the form is edited; for a saved one (`template_id`), a test send."""
    services = use_services()
    spec = default_channels()[request["channel"]]
    customer, set_customer = use_state("")
    shown, set_shown = use_state(None)
    tested, set_tested = use_state(None)

    def test(to: str) -> Any:
        async def send(_event: Any) -> None:
            try:
                report = await asyncio.to_thread(services.send_test, template_id,
                                                 customer or None, to)
            except UiError as error:
                set_tested({"kind": "error", "text": error.message})
                return
            failed = [r for r in report["results"] if not r["sent"]]
            set_tested({"kind": "error", "text": "Not sent to " + ", ".join(
                f"{r['to']} ({r['problem']})" for r in failed)} if failed else {
                "kind": "ok", "text": "Test sent to " + ", ".join(
                    r["to"] for r in report["results"]) + " (the saved version; counted in "
                                                          "no stats or caps)."})
        return send

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
        Rendered(shown, request["channel"]),
        html.div(
            {"class": "wl-field", "data-test-send": template_id},
            html.label({"class": "wl-label"}, "Send a test"),
            html.div({"class": "wl-row"},
                     html.button({"class": "wl-button", "type": "button", "onClick": test("me"),
                                  "data-action": "test-to-me"}, "To me")
                     if spec.test_to_me else "",
                     html.button({"class": "wl-button", "type": "button",
                                  "onClick": test("team"), "data-action": "test-to-team"},
                                 "To test recipients")
                     if spec.address is not Address.DEVICE else ""),
            html.p({"class": f"wl-alert {tested['kind']}", "data-test-result": tested["kind"]},
                   tested["text"]) if tested else "")
        if template_id is not None and services.may("templates.test") else "")


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
    if default_channels()[channel].measure is not None and "text" in content:
        size = carrier_bytes(content["text"])
        parts.append(html.div({"key": "bytes", "class": "wl-bytes", "data-part": "bytes"},
                              f"{size:,} bytes for this customer: "
                              f"{'SMS' if size <= SMS_MAX_BYTES else 'LMS'}"))
    return html.div({"data-preview": "message"}, parts)


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)
