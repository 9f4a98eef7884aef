"""The messages page's live preview: the template being edited, rendered for one customer
(or a sample one) as it would be stored, strictly, so a missing value shows as an error here
rather than as a blank in a customer's message. Only for roles that may preview (editors up).
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

from reactpy import component, html, use_async_effect, use_state

from builder.i18n import N_, Words
from builder.ui.kakao_preview import KakaoBubble
from builder.ui.reactpy_glue import use_services, use_words
from builder.ui.service_words import said
from builder.ui.services import UiError
from builder.ui.template_widgets import asset_url
from nodes.kit.channel import Address, ChannelSpec, default_channels
from nodes.kit.sms import SMS_MAX_BYTES, carrier_bytes

PARTS = (("to", N_("To")), ("subject", N_("Subject")), ("title", N_("Title")),
         ("url", N_("Web address it calls")), ("text", N_("Text")), ("body", N_("Body")),
         ("template_code", N_("Approved KakaoTalk template")),
         ("variables", N_("Filled into the template")), ("deep_link", N_("Opens in the app")),
         ("data", N_("Extra data for the app")), ("html", N_("HTML version")),
         ("method", N_("How it is sent")), ("headers", N_("Request headers")))
"""The parts of a message, as a marketer names them, in the order the preview shows them."""


@component
def Preview(request: dict[str, Any], template_id: int | None = None) -> Any:  # noqa: N802
    """The message (`request`, as the services take it) as it would be stored for one
    customer, rendered as the form is edited; for a saved one (`template_id`), a test send."""
    services = use_services()
    spec = default_channels()[request["channel"]]
    customer, set_customer = use_state("")
    shown, set_shown = use_state(None)
    tested, set_tested = use_state(None)
    _ = use_words()

    def test(to: str) -> Any:
        async def send(_event: Any) -> None:
            try:
                report = await asyncio.to_thread(services.send_test, template_id,
                                                 customer or None, to)
            except UiError as error:
                set_tested({"kind": "error", "text": said(_, error.message)})
                return
            set_tested(tested_outcome(_, report["results"]))
        return send

    @use_async_effect(dependencies=[repr(request), customer])
    async def render() -> None:
        if not has_words(spec, request):
            set_shown(None)
            return
        try:
            set_shown(await asyncio.to_thread(services.preview_template, request, customer))
        except UiError as error:
            set_shown({"error": "; ".join(said(_, issue["message"]) for issue in error.issues)
                       or said(_, error.message)})

    return html.aside(
        {"class": "wl-card wl-msg-preview", "data-panel": "message-preview"},
        html.h2(_("Preview")),
        html.div({"class": "wl-field"},
                 html.label({"class": "wl-label"}, _("Show it as one customer gets it")),
                 html.input({"class": "wl-input", "name": "preview-customer",
                             "placeholder": _("Customer ID (empty: a sample customer)"),
                             "onChange": lambda e, *_rest: set_customer(e["target"]["value"])})),
        Rendered(shown, request["channel"]),
        html.div(
            {"class": "wl-field", "data-test-send": template_id},
            html.label({"class": "wl-label"}, _("Send a test")),
            html.div({"class": "wl-row"},
                     html.button({"class": "wl-button", "type": "button", "onClick": test("me"),
                                  "data-action": "test-to-me"}, _("To me"))
                     if spec.test_to_me else "",
                     html.button({"class": "wl-button", "type": "button",
                                  "onClick": test("team"), "data-action": "test-to-team"},
                                 _("To test recipients"))
                     if spec.address is not Address.DEVICE else ""),
            html.p({"class": f"wl-alert {tested['kind']}", "data-test-result": tested["kind"]},
                   tested["text"]) if tested else "")
        if template_id is not None and services.may("templates.test") else "")


@component
def Rendered(shown: dict[str, Any] | None, channel: str) -> Any:  # noqa: N802
    """What the preview service answered: the message's parts, or why it cannot be sent."""
    _ = use_words()
    if shown is None:
        return html.p({"class": "hint"}, _("Write the message to see it here."))
    if shown.get("error"):
        return html.div({"class": "wl-alert error", "data-preview": "error"},
                        said(_, shown["error"]))
    content = shown.get("content") or {}
    if default_channels()[channel].preview == "bubble":
        return html.div({"data-preview": "message"}, KakaoBubble(content),
                        _size_line(_, channel, content))
    parts = [html.div({"key": key, "data-part": key}, html.div({"class": "part"}, _(label)),
                      html.pre(_shown(content[key]))) for key, label in PARTS if key in content]
    if "images" in content:
        parts.append(html.div({"key": "images", "class": "wl-images", "data-part": "images"},
                              [html.img({"key": str(asset), "src": asset_url(asset),
                                         "alt": ""}) for asset in content["images"]]))
    parts.append(_size_line(_, channel, content))
    return html.div({"data-preview": "message"}, parts)


def _size_line(_: Words, channel: str, content: dict[str, Any]) -> Any:
    """The text's carrier bytes and how it goes (SMS/LMS/MMS), for channels that measure."""
    measure = default_channels()[channel].measure
    if measure is None or "text" not in content:
        return ""
    size = carrier_bytes(content["text"])
    try:
        kind = measure(content["text"], content)["type"]
    except ValueError:
        kind = "SMS" if size <= SMS_MAX_BYTES else "LMS"
    return html.div({"key": "bytes", "class": "wl-bytes", "data-part": "bytes"},
                    _("{size} bytes for this customer: sent as {kind}", size=_.number(size),
                      kind=kind))


def has_words(spec: ChannelSpec, request: dict[str, Any]) -> bool:
    """Whether the message being written says anything yet (any Liquid part not blank)."""
    draft = SimpleNamespace(subject=request.get("subject"), source=request["source"],
                            options=request.get("options") or {})
    try:
        return any(str(source).strip() for _name, source, _escape in spec.parts(draft))
    except (AttributeError, TypeError, ValueError):
        return True  # let the preview service say what is wrong


def tested_outcome(_: Words, results: list[dict[str, Any]]) -> dict[str, str]:
    """What a test send did, in words: where it went, or where not and why."""
    failed = [r for r in results if not r["sent"]]
    if failed:
        return {"kind": "error", "text": _("Not sent to {recipients}", recipients=", ".join(
            _("{to} ({problem})", to=said(_, r["to"]), problem=said(_, r["problem"] or ""))
            for r in failed))}
    return {"kind": "ok", "text": _(
        "Test sent to {recipients} (the saved version; counted in no stats or caps).",
        recipients=", ".join(said(_, r["to"]) for r in results))}


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)
