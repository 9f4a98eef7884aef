"""One coupon pool opened on the coupons page: its figures, the journeys that give its codes,
and (editors up) adding pasted codes, generating codes and deleting the pool."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from reactpy import component, event, html, use_state

from builder.i18n import N_, Words
from builder.ui.reactpy_glue import use_words
from builder.ui.service_words import said
from builder.ui.services import Json, UiError, UiServices
from builder.ui.text_field import text_field

GENERATE_DEFAULT = "100"
"""How many codes the generate form offers to make."""

GENERATE_MOST = 100_000
"""The most codes one generation makes (server.schemas.coupons.GenerateCodes)."""

PREFIX = re.compile(r"[A-Za-z0-9_-]{0,20}")
"""A prefix generated codes may start with (as GenerateCodes takes it)."""

EXAMPLE_CODES = "WELCOME-7Q2M\nWELCOME-K9XD"
"""Codes as a shop hands them out (the paste box's example; codes, not words)."""


@component
def PoolCard(services: UiServices, detail: Json, reload: Any,  # noqa: N802
             on_deleted: Any) -> Any:
    """The pool in `detail` ({pool, used_by}); `reload(pool_id)` lists and opens it again after
    a change, `on_deleted(name)` is told once it is gone."""
    pool, uses = detail["pool"], detail["used_by"]
    outcome, set_outcome = use_state(None)
    _ = use_words()
    can_edit = services.may("coupons.edit")

    async def change(call: Any) -> None:
        """Run an upload or a generation, say what it did, and show the new figures."""
        try:
            added = await asyncio.to_thread(call)
        except UiError as error:
            set_outcome({"kind": "error", "text": said(_, error.message), "problems": []})
            return
        set_outcome(added_outcome(_, added))
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
            _("Editors add codes and delete pools; your role can see them.")),
        Outcome(outcome),
        DeletePool(services, pool, on_deleted) if can_edit else "")


def added_outcome(_: Words, added: Json) -> Json:
    """What an upload or a generation did, in words, with each refused line."""
    problems = added["problems"]
    holes = {"added": _.n("{n} code", "{n} codes", added["added"]),
             "skipped": _.number(added["already_there"]),
             "refused": _.n("{n} line", "{n} lines", len(problems))}
    text = _(OUTCOMES[bool(added["already_there"]), bool(problems)], **holes)
    return {"kind": "error" if problems else "ok", "text": text,
            "problems": [_("Line {line}: {problem}", line=item["line"],
                           problem=said(_, item["message"])) for item in problems]}


OUTCOMES = {
    (False, False): N_("Added {added}."),
    (True, False): N_("Added {added}; {skipped} already in the pool (skipped)."),
    (False, True): N_("Added {added}; {refused} refused."),
    (True, True): N_("Added {added}; {skipped} already in the pool (skipped); {refused} "
                     "refused."),
}
"""What an upload did, by (were some codes there already, were some lines refused)."""


@component
def Figures(pool: Json) -> Any:  # noqa: N802
    """Codes given and left, and how many journeys give from the pool."""
    _ = use_words()
    return html.div(
        {"class": "wl-pool-figures"},
        html.div({"data-figure": "given"}, html.strong(_.number(pool["given"])),
                 html.span(_("given"))),
        html.div({"data-figure": "left", "class": "empty" if pool["left"] == 0 else ""},
                 html.strong(_.number(pool["left"])), html.span(_("left"))),
        html.div({"data-figure": "journeys"}, html.strong(_.number(pool["journeys"])),
                 html.span(_("journey") if pool["journeys"] == 1 else _("journeys"))))


@component
def UsedBy(uses: list[Json]) -> Any:  # noqa: N802
    """The journeys that give the pool's codes, their steps, and in which of their versions."""
    _ = use_words()
    if not uses:
        return html.p({"class": "hint", "data-used-by": ""},
                      _("No journey gives codes from this pool yet."))
    return html.div(
        html.h3(_("Used by")),
        html.ul({"class": "wl-uses", "data-used-by": ", ".join(use["name"] for use in uses)}, [
            html.li({"key": str(use["id"])},
                    html.a({"href": f"/journeys/{use['id']}"}, use["name"]),
                    " ", _("({status}): {steps}", status=_(STATUSES.get(use["status"],
                                                                        use["status"])),
                           steps=", ".join(f"'{node}'" for node in use["nodes"])),
                    html.span({"class": "wl-where"}, " ", where_text(_, use["where"])))
            for use in uses]))


STATUSES = {"draft": N_("draft"), "live": N_("live"), "paused": N_("paused"),
            "archived": N_("archived")}
"""A journey's status as the pool card says it."""

WHERES = {"draft": N_("the draft"), "live version": N_("the live version")}
"""Where in a journey a pool is used, as the service names it (usage.JourneyUse.where; an
older version still carrying customers is said by `said`)."""


def where_text(_: Words, where: list[str]) -> str:
    """'in the draft', 'in the draft and the live version'."""
    named = [_(WHERES[part]) if part in WHERES else said(_, part) for part in where]
    if len(named) == 1:
        return _("in {where}", where=named[0])
    return _("in {first} and {second}", first=", ".join(named[:-1]), second=named[-1])


@component
def AddCodes(services: UiServices, pool_id: int, change: Any) -> Any:  # noqa: N802
    """A box to paste codes into, one a line or a CSV whose first column is the code."""
    text, set_text = use_state("")
    busy, set_busy = use_state(False)
    _ = use_words()

    async def handle_add(_event: Any) -> None:
        set_busy(True)
        try:
            await change(lambda: services.add_coupon_codes(pool_id, text))
        finally:
            set_busy(False)
        set_text("")

    return html.form(
        {"data-form": "add-codes", "onSubmit": event(handle_add, prevent_default=True)},
        html.h3(_("Add codes")),
        html.p({"class": "hint"}, _("Paste one code a line, or a CSV whose first column is the "
                                    "code (a header named \"code\" is skipped). Letters, "
                                    "digits, - and _. Codes the pool has already are skipped.")),
        text_field({"class": "wl-input", "value": text, "data-field": "codes",
                    "placeholder": EXAMPLE_CODES,
                    "onChange": lambda e, *_rest: set_text(e["target"]["value"])},
                   multiline=True),
        html.div({"class": "wl-row", "style": {"marginTop": "8px"}},
                 html.button({"class": "wl-button primary", "type": "submit",
                              "data-action": "add-codes", "disabled": busy or not text.strip()},
                             _("Adding…") if busy else _("Add codes"))))


@component
def GenerateCodes(services: UiServices, pool_id: int, change: Any) -> Any:  # noqa: N802
    """Make N random codes, each starting with an optional prefix."""
    count, set_count = use_state(GENERATE_DEFAULT)
    prefix, set_prefix = use_state("")
    busy, set_busy = use_state(False)
    _ = use_words()

    async def handle_generate(_event: Any) -> None:
        problem = generate_problem(_, count, prefix)
        if problem:  # said here, in words: the service would refuse it in its own
            await change(_refuse(problem))
            return
        set_busy(True)
        try:
            await change(lambda: services.generate_coupon_codes(pool_id, int(count),
                                                                prefix.strip()))
        finally:
            set_busy(False)

    return html.form(
        {"data-form": "generate-codes", "onSubmit": event(handle_generate, prevent_default=True)},
        html.h3(_("Generate codes")),
        html.p({"class": "hint"}, _("Random codes of 10 letters and digits, without "
                                    "look-alikes such as 0 and O; up to {most} at a time.",
                                    most=_.number(GENERATE_MOST))),
        html.div({"class": "wl-generate"},
                 html.label({"class": "wl-label", "htmlFor": f"count-{pool_id}"}, _("How many")),
                 html.label({"class": "wl-label", "htmlFor": f"prefix-{pool_id}"},
                            _("Starting with (optional)")),
                 html.span(),
                 text_field({"class": "wl-input", "type": "number", "min": "1",
                             "max": str(GENERATE_MOST), "value": count, "data-field": "count",
                             "id": f"count-{pool_id}",
                             "onChange": lambda e, *_rest: set_count(e["target"]["value"])}),
                 text_field({"class": "wl-input", "value": prefix, "data-field": "prefix",
                             "id": f"prefix-{pool_id}", "placeholder": _("e.g. WELCOME-"),
                             "maxLength": "20",
                             "onChange": lambda e, *_rest: set_prefix(e["target"]["value"])}),
                 html.button({"class": "wl-button", "type": "submit",
                              "data-action": "generate-codes", "disabled": busy},
                             _("Generating…") if busy else _("Generate"))))


def generate_problem(_: Words, count: str, prefix: str) -> str | None:
    """What is wrong with a number of codes and a prefix to generate (None when nothing)."""
    if not count.strip().isdigit() or not 1 <= int(count) <= GENERATE_MOST:
        return _("How many codes: write a whole number from 1 to {most}, e.g. 500.",
                 most=_.number(GENERATE_MOST))
    if not PREFIX.fullmatch(prefix.strip()):
        return _("Starting with: letters, digits, - and _ only, up to 20 characters.")
    return None


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
    _ = use_words()

    async def handle_delete(*_event: Any) -> None:
        set_confirming(False)
        try:
            await asyncio.to_thread(services.delete_coupon_pool, pool["id"])
        except UiError as error:
            set_refused(said(_, error.message))
            return
        await on_deleted(pool["name"])

    codes = pool["given"] + pool["left"]
    return html.div(
        {"style": {"marginTop": "16px"}},
        html.div({"class": "wl-confirm", "data-confirm": "delete-pool"},
                 html.span(_.n("Delete '{name}' and its {n} code?",
                               "Delete '{name}' and its {n} codes?", codes, name=pool["name"])),
                 html.button({"class": "wl-button danger", "type": "button",
                              "data-action": "confirm", "onClick": handle_delete}, _("Delete")),
                 html.button({"class": "wl-button", "type": "button", "data-action": "cancel",
                              "onClick": lambda *_e: set_confirming(False)}, _("Cancel")))
        if confirming else html.button(
            {"class": "wl-button danger", "type": "button", "data-action": "delete-pool",
             "onClick": lambda *_e: (set_refused(None), set_confirming(True))},
            _("Delete pool")),
        html.div({"class": "wl-alert error", "role": "alert", "data-refused": "delete-pool",
                  "style": {"marginTop": "10px"}}, refused) if refused else "")
