"""The send rules page: the switch that stops all sending, and the workspace's frequency caps
and night-time window, edited by a publisher or an admin (other roles read them). Saved through
the same service as PUT /api/workspace/send-policy; workers apply the rules from their next
batch.
Journey-specific quiet hours live in each journey's settings."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.ui.consent_journeys_card import ConsentJourneysCard
from builder.ui.guardrails_card import GuardrailsCard
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import use_services, use_words
from builder.ui.senders_card import SendersCard
from builder.ui.sending import StopSendingCard
from builder.ui.services import UiError
from builder.ui.test_recipients_card import TestRecipientsCard
from builder.ui.text_field import text_field
from builder.ui.wording_card import WordingCard
from nodes.kit.channel import default_channels

CHANNELS = tuple((spec.key, spec.label) for spec in default_channels())
"""Each channel (`nodes/channels/`) and its label (translated at render: the catalogues list
the registry's words), in order."""
NAMES = dict(CHANNELS)

CARD_STYLE = """
.wl-card { background: var(--panel); border: 1px solid var(--line); border-radius: 12px;
           padding: 18px 20px; margin-bottom: 16px; }
.wl-card h2 { margin: 0 0 4px; font-size: 16px; }
.wl-card p.hint { margin: 0 0 12px; color: var(--muted); }
.wl-row { display: flex; gap: 10px; align-items: center; margin-bottom: 8px; }
.wl-row .wl-input { width: auto; }
.wl-problems { color: var(--err); margin: 8px 0 0; }
"""
"""Cards of settings with rows of inputs, and the problems of a save (other pages use them)."""

STYLE = CARD_STYLE + """
.wl-row input[type=number] { width: 80px; }
.wl-checks { display: flex; gap: 14px; flex-wrap: wrap; }
"""


@component
def SettingsPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """Frequency caps per channel and the night-time rule."""
    services = use_services()
    _ = use_words()
    policy, set_policy = use_state(None)
    notice, set_notice = use_state(None)
    can_edit = services.may("send_rules.edit")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        set_policy(await asyncio.to_thread(services.get_send_policy))

    async def save(_event: Any) -> None:
        try:
            saved = await asyncio.to_thread(services.save_send_policy, policy)
        except UiError as error:
            set_notice({"kind": "error", "text": error.message,
                        "issues": [issue["message"] for issue in error.issues]})
            return
        set_policy(saved)
        set_notice({"kind": "ok", "text": _("Saved. Workers apply these rules from their next "
                                            "batch; deferred messages are checked again when "
                                            "due.")})

    body = html.div({"class": "wl-loading"}, _("Loading…")) if policy is None else html.form(
        {"onSubmit": event(save, prevent_default=True), "data-form": "send-policy"},
        html.fieldset({"class": "wl-form", "disabled": not can_edit},
                      CapsCard(policy, set_policy), NightCard(policy, set_policy)),
        Notice(notice),
        html.button({"class": "wl-button primary", "type": "submit", "data-action": "save"},
                    _("Save send rules")) if can_edit else html.p(
            {"class": "hint", "data-read-only": "send-policy"},
            _("Publishers and admins change the send rules; your role can read them.")))
    return html.div(
        {"class": "wl-app"}, html.style(STYLE), AppBar("settings"),
        html.main({"class": "wl-page"},
                  html.div({"class": "wl-page-head"}, html.div(
                      html.h1(_("Send rules")),
                      html.p(_("Rules every marketing message obeys, whatever journey sends "
                               "it. Transactional messages (receipts, alerts) are exempt."))),
                      html.a({"class": "wl-button", "href": "/insight/fatigue",
                              "data-link": "fatigue"}, _("See message fatigue"))
                      if services.may("stats.read") else ""),
                  StopSendingCard(services), body, WordingCard(services), SendersCard(services),
                  TestRecipientsCard(services), GuardrailsCard(services),
                  ConsentJourneysCard(services)))


@component
def Notice(notice: dict[str, Any] | None) -> Any:  # noqa: N802
    """The outcome of the last save."""
    if not notice:
        return html.div()
    issues = notice.get("issues") or []
    return html.div({"class": f"wl-alert {notice['kind']}", "role": "status"}, notice["text"],
                    html.ul({"class": "wl-problems"}, [html.li({"key": text}, text)
                                                       for text in issues]) if issues else "")


@component
def CapsCard(policy: dict[str, Any], set_policy: Any) -> Any:  # noqa: N802
    """One row per capped channel: at most N messages per D days."""
    _ = use_words()
    caps = policy["frequency_caps"]

    # Every change applies to the state as it is then (a functional update), not to the
    # `policy` this render saw: quick edits in a row must not undo each other.
    def change(index: int, key: str, value: Any) -> None:
        def apply(current: dict[str, Any]) -> dict[str, Any]:
            updated = [dict(cap) for cap in current["frequency_caps"]]
            updated[index][key] = value
            return {**current, "frequency_caps": updated}
        set_policy(apply)

    def number(text: str) -> Any:
        return int(text) if text.strip().lstrip("-").isdigit() else text

    # Handlers are made per row by these factories, not lambdas with default arguments:
    # ReactPy may pass an event more than one positional value, which would fill them.
    def on_number(index: int, key: str) -> Any:
        return lambda e, *_: change(index, key, number(e["target"]["value"]))

    def on_remove(index: int) -> Any:
        return lambda *_args: set_policy(lambda current: {**current, "frequency_caps": [
            cap for at, cap in enumerate(current["frequency_caps"]) if at != index]})

    free = [key for key, _label in CHANNELS if key not in {cap["channel"] for cap in caps}]
    rows = [CapRow(_(NAMES[cap["channel"]]), cap, on_number(index, "limit"),
                   on_number(index, "days"), on_remove(index), key=str(index))
            for index, cap in enumerate(caps)]

    def on_add(channel: str) -> Any:
        return lambda *_args: set_policy(lambda current: {
            **current, "frequency_caps": current["frequency_caps"] + [
                {"channel": channel, "limit": 2, "days": 7}]})

    add = html.div({"class": "wl-row"}, html.span(_("Add a cap for")), [
        html.button({"key": key, "class": "wl-button", "type": "button",
                     "data-add-cap": key, "onClick": on_add(key)}, "+ ", _(NAMES[key]))
        for key in free]) if free else ""
    return html.section(
        {"class": "wl-card"}, html.h2(_("Frequency caps")),
        html.p({"class": "hint"}, _("Across all journeys, per customer. Days are calendar days "
                                    "in the customer's time zone, today included. A message "
                                    "over the cap waits or is skipped, as its send step says.")),
        rows or html.p({"class": "hint"},
                       _("No caps: customers may get any number of messages.")),
        add)


@component
def CapRow(channel: str, cap: dict[str, Any], on_limit: Any, on_days: Any,  # noqa: N802
           on_remove: Any) -> Any:
    """One cap: "at most [N] marketing messages per [D] days", the boxes where the language
    puts its numbers."""
    _ = use_words()
    limit = text_field({"class": "wl-input", "type": "number", "min": 1,
                        "value": str(cap["limit"]), "data-field": "limit",
                        "onChange": on_limit})
    days = text_field({"class": "wl-input", "type": "number", "min": 1,
                       "value": str(cap["days"]), "data-field": "days", "onChange": on_days})
    # One sentence with two boxes in it: split where the language puts them.
    sentence = _("at most {limit} marketing messages per {days} days")
    return html.div(
        {"class": "wl-row", "data-cap": cap["channel"]},
        html.strong({"style": {"minWidth": "90px"}}, channel),
        *with_boxes(sentence, {"limit": limit, "days": days}),
        html.button({"class": "wl-button", "type": "button", "data-action": "remove-cap",
                     "onClick": on_remove}, _("Remove")))


def with_boxes(sentence: str, boxes: dict[str, Any]) -> list[Any]:
    """A translated sentence as text and elements: each `{name}` hole becomes `boxes[name]`."""
    parts: list[Any] = []
    for index, piece in enumerate(re.split(r"\{(\w+)\}", sentence)):
        if index % 2:
            parts.append(boxes.get(piece, f"{{{piece}}}"))
        elif piece.strip():
            parts.append(html.span({"key": f"t{index}"}, piece.strip()))
    return parts


@component
def NightCard(policy: dict[str, Any], set_policy: Any) -> Any:  # noqa: N802
    """The night-time window and the channels it applies to."""
    _ = use_words()
    chosen = policy["night_channels"]

    def toggle(key: str) -> Any:
        def handle(*_args: Any) -> None:
            set_policy(lambda current: {**current, "night_channels": [
                c for c, _label in CHANNELS if (c in current["night_channels"]) != (c == key)]})
        return handle

    def on_time(key: str) -> Any:
        def handle(e: Any, *_: Any) -> None:
            value = e["target"]["value"]
            set_policy(lambda current: {**current, key: value})
        return handle

    start = html.input({"class": "wl-input", "type": "time", "value": policy["night_start"],
                        "data-field": "night_start", "onChange": on_time("night_start")})
    end = html.input({"class": "wl-input", "type": "time", "value": policy["night_end"],
                      "data-field": "night_end", "onChange": on_time("night_end")})
    return html.section(
        {"class": "wl-card"}, html.h2(_("Night-time")),
        html.p({"class": "hint"}, _("Korean law (정보통신망법 §50) forbids marketing between "
                                    "21:00 and 08:00 without separate night-time consent. "
                                    "Customers who gave it on a channel get messages at night; "
                                    "the others get them when the night ends, in their own time "
                                    "zone.")),
        html.div({"class": "wl-row"},
                 *with_boxes(_("No marketing from {start} until {end}"),
                            {"start": start, "end": end})),
        html.div({"class": "wl-checks"}, [
            html.label({"key": key},
                       html.input({"type": "checkbox", "checked": key in chosen,
                                   "data-night": key, "onChange": toggle(key)}),
                       " ", _(label)) for key, label in CHANNELS]))
