"""One coupon pool opened on the coupons page: its figures, the journeys that give its codes,
and (editors up) adding pasted codes, generating codes and deleting the pool."""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_state

from builder.ui.services import Json, UiError, UiServices
from builder.ui.text_field import text_field

GENERATE_DEFAULT = "100"
"""How many codes the generate form offers to make."""


@component
def PoolCard(services: UiServices, detail: Json, reload: Any,  # noqa: N802
             on_deleted: Any) -> Any:
    """The pool in `detail` ({pool, used_by}); `reload(pool_id)` lists and opens it again after
    a change, `on_deleted(name)` is told once it is gone."""
    pool, uses = detail["pool"], detail["used_by"]
    outcome, set_outcome = use_state(None)
    can_edit = services.may("coupons.edit")

    async def change(call: Any) -> None:
        """Run an upload or a generation, say what it did, and show the new figures."""
        try:
            added = await asyncio.to_thread(call)
        except UiError as error:
            set_outcome({"kind": "error", "text": error.message, "problems": []})
            return
        set_outcome(added_outcome(added))
        await reload(pool["id"])

    return html.section(
        {"class": "wl-card", "data-card": "pool", "data-pool-name": pool["name"]},
        html.h2(pool["name"]),
        html.p({"class": "hint"}, pool["description"]) if pool["description"] else "",
        Figures(pool),
        UsedBy(uses),
        html.fieldset({"class": "wl-form"},
                      AddCodes(services, pool["id"], change),
                      GenerateCodes(services, pool["id"], change)) if can_edit else html.p(
            {"class": "hint", "data-read-only": "pool"},
            "Editors add codes and delete pools; your role can see them."),
        Outcome(outcome),
        DeletePool(services, pool, on_deleted) if can_edit else "")


def added_outcome(added: Json) -> Json:
    """What an upload or a generation did, in words, with each refused line."""
    parts = [f"Added {added['added']:,} code{'' if added['added'] == 1 else 's'}"]
    if added["already_there"]:
        parts.append(f"{added['already_there']:,} already in the pool (skipped)")
    problems = added["problems"]
    if problems:
        parts.append(f"{len(problems):,} line{'' if len(problems) == 1 else 's'} refused")
    return {"kind": "error" if problems else "ok", "text": "; ".join(parts) + ".",
            "problems": [f"Line {item['line']}: {item['message']}" for item in problems]}


@component
def Figures(pool: Json) -> Any:  # noqa: N802
    """Codes given and left, and how many journeys give from the pool."""
    return html.div(
        {"class": "wl-pool-figures"},
        html.div({"data-figure": "given"}, html.strong(f"{pool['given']:,}"),
                 html.span("given")),
        html.div({"data-figure": "left", "class": "empty" if pool["left"] == 0 else ""},
                 html.strong(f"{pool['left']:,}"), html.span("left")),
        html.div({"data-figure": "journeys"}, html.strong(str(pool["journeys"])),
                 html.span("journey" if pool["journeys"] == 1 else "journeys")))


@component
def UsedBy(uses: list[Json]) -> Any:  # noqa: N802
    """The journeys that give the pool's codes, their steps, and in which of their versions."""
    if not uses:
        return html.p({"class": "hint", "data-used-by": ""},
                      "No journey gives codes from this pool yet.")
    return html.div(
        html.h3("Used by"),
        html.ul({"class": "wl-uses", "data-used-by": ", ".join(use["name"] for use in uses)}, [
            html.li({"key": str(use["id"])},
                    html.a({"href": f"/journeys/{use['id']}"}, use["name"]),
                    f" ({use['status']}): ", ", ".join(f"'{node}'" for node in use["nodes"]),
                    html.span({"class": "wl-where"}, " in the " + " and ".join(use["where"])))
            for use in uses]))


@component
def AddCodes(services: UiServices, pool_id: int, change: Any) -> Any:  # noqa: N802
    """A box to paste codes into, one a line or a CSV whose first column is the code."""
    text, set_text = use_state("")
    busy, set_busy = use_state(False)

    async def handle_add(_event: Any) -> None:
        set_busy(True)
        try:
            await change(lambda: services.add_coupon_codes(pool_id, text))
        finally:
            set_busy(False)
        set_text("")

    return html.form(
        {"data-form": "add-codes", "onSubmit": event(handle_add, prevent_default=True)},
        html.h3("Add codes"),
        html.p({"class": "hint"}, "Paste one code a line, or a CSV whose first column is the "
                                  "code (a header named \"code\" is skipped). Letters, digits, "
                                  "- and _. Codes the pool has already are skipped."),
        text_field({"class": "wl-input", "value": text, "data-field": "codes",
                    "placeholder": "WELCOME-7Q2M\nWELCOME-K9XD",
                    "onChange": lambda e, *_: set_text(e["target"]["value"])}, multiline=True),
        html.div({"class": "wl-row", "style": {"marginTop": "8px"}},
                 html.button({"class": "wl-button primary", "type": "submit",
                              "data-action": "add-codes", "disabled": busy or not text.strip()},
                             "Adding…" if busy else "Add codes")))


@component
def GenerateCodes(services: UiServices, pool_id: int, change: Any) -> Any:  # noqa: N802
    """Make N random codes, each starting with an optional prefix."""
    count, set_count = use_state(GENERATE_DEFAULT)
    prefix, set_prefix = use_state("")
    busy, set_busy = use_state(False)

    async def handle_generate(_event: Any) -> None:
        if not count.strip().isdigit():
            await change(_refuse("How many codes: write a whole number, e.g. 500."))
            return
        set_busy(True)
        try:
            await change(lambda: services.generate_coupon_codes(pool_id, int(count),
                                                                prefix.strip()))
        finally:
            set_busy(False)

    return html.form(
        {"data-form": "generate-codes", "onSubmit": event(handle_generate, prevent_default=True)},
        html.h3("Generate codes"),
        html.p({"class": "hint"}, "Random codes of 10 letters and digits, without look-alikes "
                                  "such as 0 and O; up to 100,000 at a time."),
        html.div({"class": "wl-generate"},
                 html.label({"class": "wl-label", "htmlFor": f"count-{pool_id}"}, "How many"),
                 html.label({"class": "wl-label", "htmlFor": f"prefix-{pool_id}"},
                            "Starting with (optional)"),
                 html.span(),
                 text_field({"class": "wl-input", "type": "number", "min": "1",
                             "max": "100000", "value": count, "data-field": "count",
                             "id": f"count-{pool_id}",
                             "onChange": lambda e, *_: set_count(e["target"]["value"])}),
                 text_field({"class": "wl-input", "value": prefix, "data-field": "prefix",
                             "id": f"prefix-{pool_id}", "placeholder": "e.g. WELCOME-",
                             "maxLength": "20",
                             "onChange": lambda e, *_: set_prefix(e["target"]["value"])}),
                 html.button({"class": "wl-button", "type": "submit",
                              "data-action": "generate-codes", "disabled": busy},
                             "Generating…" if busy else "Generate")))


def _refuse(message: str) -> Any:
    def refuse() -> None:
        raise UiError("invalid", message)
    return refuse


@component
def Outcome(outcome: Json | None) -> Any:  # noqa: N802
    """What the last upload or generation did, each refused line with its number."""
    if not outcome:
        return html.div()
    return html.div(
        {"class": f"wl-alert {outcome['kind']} wl-outcome", "role": "status",
         "data-outcome": outcome["kind"], "style": {"display": "block"}},
        outcome["text"],
        html.ul({"data-problems": str(len(outcome["problems"]))},
                [html.li({"key": text}, text) for text in outcome["problems"]])
        if outcome["problems"] else "")


@component
def DeletePool(services: UiServices, pool: Json, on_deleted: Any) -> Any:  # noqa: N802
    """Delete, after a confirmation; the refusal names the journeys that still use the pool."""
    confirming, set_confirming = use_state(False)
    refused, set_refused = use_state(None)

    async def handle_delete(*_: Any) -> None:
        set_confirming(False)
        try:
            await asyncio.to_thread(services.delete_coupon_pool, pool["id"])
        except UiError as error:
            set_refused(error.message)
            return
        await on_deleted(pool["name"])

    codes = pool["given"] + pool["left"]
    return html.div(
        {"style": {"marginTop": "16px"}},
        html.div({"class": "wl-confirm", "data-confirm": "delete-pool"},
                 html.span(f"Delete '{pool['name']}' and its {codes:,} codes?"),
                 html.button({"class": "wl-button danger", "type": "button",
                              "data-action": "confirm", "onClick": handle_delete}, "Delete"),
                 html.button({"class": "wl-button", "type": "button", "data-action": "cancel",
                              "onClick": lambda *_: set_confirming(False)}, "Cancel"))
        if confirming else html.button(
            {"class": "wl-button danger", "type": "button", "data-action": "delete-pool",
             "onClick": lambda *_: (set_refused(None), set_confirming(True))}, "Delete pool"),
        html.div({"class": "wl-alert error", "role": "alert", "data-refused": "delete-pool",
                  "style": {"marginTop": "10px"}}, refused) if refused else "")
