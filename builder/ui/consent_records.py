"""A customer's consent records on their page: the matrix — each channel × purpose
(information, advertising, night-time advertising) granted, refused or unknown — and the
history of every change, newest first, a page at a time: from what to what, when, by which
path (form, import, API, 080 line, unsubscribe link, a marketer — named —, the system) and
any note. The history is read only: no one edits it (정보통신망법 제50조; the server keeps it
append-only)."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from reactpy import component, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.customer_profile import moment
from builder.ui.reactpy_glue import event_value, use_words
from builder.ui.services import UiError

PURPOSES = {"information": N_("Information"), "advertising": N_("Advertising"),
            "night": N_("Night-time advertising")}
"""The purposes consent is kept for, as the matrix's columns."""

STATES = {"granted": N_("Granted"), "refused": N_("Refused"), "unknown": N_("Unknown")}

SOURCES = {"form": N_("Sign-up form"), "import": N_("Import"), "api": N_("API"),
           "080": N_("080 opt-out line"), "unsubscribe": N_("Unsubscribe link"),
           "marketer": N_("Marketer"), "system": N_("System")}

RECORDS_STYLE = """
.wl-consent-matrix td, .wl-consent-matrix th { text-align: center; }
.wl-consent-matrix td:first-child, .wl-consent-matrix th:first-child { text-align: left; }
.wl-state { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; }
.wl-state.granted { background: #e6f4ea; color: #1e7b34; }
.wl-state.refused { background: #fde8e8; color: #b42318; }
.wl-state.unknown { background: var(--line); color: var(--muted); }
.wl-consent-history td { vertical-align: top; }
.wl-state-choice { margin-left: 6px; padding: 1px 4px; font-size: 12px; width: auto; }
"""


def state_badge(_: Any, state: str) -> Any:
    """A state as a coloured word."""
    return html.span({"class": f"wl-state {state}", "data-state": state},
                     _(STATES.get(state, state)))


EDITABLE = ("information", "night")
"""Purposes an editor sets in the matrix (advertising has its switch on the consent card)."""


@component
def ConsentRecordsCard(services: Any, external_id: str, zone: ZoneInfo,  # noqa: N802
                       labels: dict[str, str], version: int, can_edit: bool = False) -> Any:
    """The matrix and the history (editors set information and night-time consent in it);
    loaded again when `version` changes (a switch saved) or an editor sets a purpose."""
    _ = use_words()
    page, set_page = use_state(None)
    error, set_error = use_state(None)
    edits, set_edits = use_state(0)

    def setter(channel: str, purpose: str) -> Any:
        async def handle_set(event: Any, *_: Any) -> None:
            try:
                await asyncio.to_thread(services.set_consent_purpose, external_id, channel,
                                        purpose, event_value(event) == "granted")
            except UiError as problem:
                set_error(problem.message)
                return
            set_edits(lambda count: count + 1)
        return handle_set

    @use_async_effect(dependencies=[external_id, version, edits])
    async def load() -> None:
        try:
            set_page(await asyncio.to_thread(services.customer_consent_history, external_id,
                                             None))
        except UiError as problem:
            set_error(problem.message)

    async def handle_older(_event: Any) -> None:
        more = await asyncio.to_thread(services.customer_consent_history, external_id,
                                       page["next"])
        set_page({**more, "items": page["items"] + more["items"]})

    if error:
        body: Any = html.p({"class": "wl-alert error"}, error)
    elif page is None:
        body = html.p({"class": "wl-muted"}, _("Loading consent records…"))
    else:
        editing = setter if can_edit else None
        body = html.div(ConsentMatrix(page["matrix"], labels, editing),
                        ConsentHistory(page, labels, zone, handle_older))
    return html.section({"class": "wl-card-block", "data-card": "consent-records"},
                        html.style(RECORDS_STYLE), html.h2(_("Consent records")), body)


@component
def ConsentMatrix(cells: list[dict[str, str]], labels: dict[str, str],  # noqa: N802
                  setter: Any = None) -> Any:
    """Channels down, purposes across, each cell's state; with a `setter`, information and
    night-time cells are a choice of granted or refused."""
    _ = use_words()
    states = {(cell["channel"], cell["purpose"]): cell["state"] for cell in cells}
    channels = list(dict.fromkeys(cell["channel"] for cell in cells))
    head = html.thead(html.tr(html.th(_("Channel")),
                              *[html.th({"key": key}, _(word)) for key, word in PURPOSES.items()]))
    rows = [html.tr({"key": channel, "data-matrix-channel": channel},
                    html.td(_(labels.get(channel, channel))),
                    *[html.td({"key": purpose, "data-cell": f"{channel}:{purpose}"},
                              state_badge(_, states[(channel, purpose)]),
                              StateChoice(states[(channel, purpose)], setter(channel, purpose))
                              if setter and purpose in EDITABLE else "")
                      for purpose in PURPOSES])
            for channel in channels]
    return html.table({"class": "wl-table wl-consent-matrix", "data-consent-matrix": ""},
                      head, html.tbody(rows))


@component
def StateChoice(state: str, on_change: Any) -> Any:  # noqa: N802
    """Granted or refused, for an editor (unknown only until someone says)."""
    _ = use_words()
    options = ([html.option({"value": "unknown", "disabled": True, "key": "unknown"},
                            _(STATES["unknown"]))] if state == "unknown" else []) + [
        html.option({"value": value, "key": value}, _(STATES[value]))
        for value in ("granted", "refused")]
    return html.select({"class": "wl-input wl-state-choice", "value": state,
                        "data-set-state": "", "onChange": on_change}, options)


@component
def ConsentHistory(page: dict[str, Any], labels: dict[str, str], zone: ZoneInfo,  # noqa: N802
                   older: Any) -> Any:
    """Every change, newest first, with a button for older ones."""
    _ = use_words()
    if not page["items"]:
        return html.p({"class": "wl-muted", "data-consent-history": ""},
                      _("No consent changes recorded yet."))
    head = html.thead(html.tr(html.th(_("When")), html.th(_("Channel")), html.th(_("Purpose")),
                              html.th(_("Change")), html.th(_("How"))))
    rows = [html.tr(
        {"key": str(item["id"]), "data-history-row": str(item["id"])},
        html.td(moment(_, item["at"], zone)),
        html.td(_(labels.get(item["channel"], item["channel"]))),
        html.td(_(PURPOSES.get(item["purpose"], item["purpose"]))),
        html.td(state_badge(_, item["before"]), " → ", state_badge(_, item["after"])),
        html.td({"data-source": item["source"]},
                _(SOURCES.get(item["source"], item["source"])),
                f" · {item['actor']}" if item["actor"] else "",
                html.div({"class": "wl-muted"}, item["note"]) if item["note"] else ""))
        for item in page["items"]]
    return html.div(
        {"data-consent-history": ""},
        html.h3(_("History ({count} changes)", count=_.number(page["total"]))),
        html.table({"class": "wl-table wl-consent-history"}, head, html.tbody(rows)),
        html.button({"class": "wl-button", "data-action": "older-consent",
                     "onClick": older}, _("Show older")) if page.get("next") else "")
