"""The "fast audiences" card of the customers page: the attributes kept in typed, indexed
columns (runtime.audience.indexed_attributes), added and removed by an admin (other roles see the
list). Audience counts on them stay quick over millions of customers; the card says how many
hold a value of each kind.
"""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import N_
from builder.ui.reactpy_glue import event_value, use_words
from builder.ui.services import UiError, UiServices
from builder.ui.settings_page import CARD_STYLE, Notice
from builder.ui.text_field import text_field

KINDS = (("text", N_("Text (also dates)")), ("number", N_("Number")))
"""The kinds of indexed column: key, label (translated at render)."""
KIND_NAMES = {"text": N_("text"), "number": N_("number")}
"""A column kind in the table, as people read it (lower case: it names a kind, as the API
does)."""

STYLE = CARD_STYLE + """
.wl-card[data-card="indexed-attributes"] { margin-top: 20px; }
.wl-card[data-card="indexed-attributes"] form { margin-top: 12px; }
"""


@component
def IndexedAttributesCard(services: UiServices) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The indexed attributes, a form to index one more, and a Remove button on each."""
    _ = use_words()
    found, set_found = use_state(None)
    name, set_name = use_state("")
    kind, set_kind = use_state("text")
    busy, set_busy = use_state(False)
    notice, set_notice = use_state(None)
    can_edit = services.may("indexed_attributes.edit")

    @use_async_effect(dependencies=[])
    async def load() -> None:
        set_found(await asyncio.to_thread(services.list_indexed_attributes))

    async def change(call: Any, done: str) -> bool:
        """Run a change; say how it went, and list the attributes again when it worked."""
        set_busy(True)
        try:
            await asyncio.to_thread(call)
        except UiError as error:
            set_notice({"kind": "error", "text": error.message,
                        "issues": [issue["message"] for issue in error.issues]})
            return False
        finally:
            set_busy(False)
        set_notice({"kind": "ok", "text": done, "issues": []})
        set_found(await asyncio.to_thread(services.list_indexed_attributes))
        return True

    async def handle_index(_event: Any) -> None:
        wanted = name.strip()
        if await change(lambda: services.index_attribute(wanted, kind),
                        _("'{name}' is indexed: audience rules on it use its column now.",
                          name=wanted)):
            set_name("")

    def handle_remove(attribute: str) -> Any:
        async def remove(*_args: Any) -> None:
            await change(lambda: services.drop_indexed_attribute(attribute),
                         _("'{name}' is no longer indexed; its values are all still there.",
                           name=attribute))
        return remove

    rows = [html.tr({"key": item["name"], "data-indexed": item["name"]},
                    html.td(html.code(item["name"])),
                    html.td(_(KIND_NAMES[item["kind"]]) if item["kind"] in KIND_NAMES
                            else item["kind"]),
                    html.td(_.number(item["customers"])),
                    html.td(html.button({"class": "wl-button", "type": "button",
                                         "data-action": "unindex", "disabled": busy,
                                         "onClick": handle_remove(item["name"])}, _("Remove"))
                            if can_edit else ""))
            for item in found or []]
    listing = html.table({"class": "wl-table"}, html.thead(html.tr(
        html.th(_("Attribute")), html.th(_("Kind")), html.th(_("Customers with one")),
        html.th(""))),
        html.tbody(rows)) if rows else html.p(
        {"class": "hint"}, _("Loading…") if found is None else _("No attribute is indexed yet."))
    form = html.form(
        {"class": "wl-row", "data-form": "index-attribute",
         "onSubmit": event(handle_index, prevent_default=True)},
        text_field({"class": "wl-input", "value": name,
                    "placeholder": _("Attribute, e.g. country"),
                    "data-field": "attribute-name",
                    "onChange": lambda e, *_: set_name(e["target"]["value"])}),
        html.select({"class": "wl-input", "value": kind, "data-field": "attribute-kind",
                     "onChange": lambda e, *_: set_kind(event_value(e))},
                    [html.option({"key": key, "value": key}, _(label)) for key, label in KINDS]),
        html.button({"class": "wl-button primary", "type": "submit", "disabled": busy,
                     "data-action": "index"}, _("Indexing…") if busy else _("Index"))
    ) if can_edit else html.p({"class": "hint", "data-read-only": "indexed-attributes"},
                              _("Admins choose which attributes are indexed."))
    return html.section(
        {"class": "wl-card", "data-card": "indexed-attributes"}, html.style(STYLE),
        html.h2(_("Fast audiences")),
        html.p({"class": "hint"}, _("Index the attributes your audiences filter on most: counts "
                                    "and previews on them stay quick over millions of "
                                    "customers. Indexing holds the customers table for a few "
                                    "seconds per million customers, so do it at a quiet time.")),
        listing, form, Notice(notice))

