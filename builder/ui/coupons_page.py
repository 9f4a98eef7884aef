"""The coupons page: the pools of unique codes that "Give a coupon" steps hand out.

A list of every pool (codes given and left, how many journeys give from it) beside the opened
pool: the journeys and steps that use it, a box to paste codes into (one a line, or a CSV's
first column; each refused line is reported with its number, the others load), codes generated
with an optional prefix, and deleting the pool, refused while a journey uses it. Saved through
the same services as /api/coupons. Viewers read the pools; editors and up change them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from reactpy import component, event, html, use_async_effect, use_state

from builder.i18n import Words
from builder.ui.coupon_pool_card import PoolCard
from builder.ui.nav import AppBar
from builder.ui.reactpy_glue import use_services, use_words
from builder.ui.service_words import said
from builder.ui.services import Json, UiError
from builder.ui.settings_page import CARD_STYLE, Notice
from builder.ui.text_field import text_field

STYLE = CARD_STYLE + """
.wl-coupons { display: grid; grid-template-columns: minmax(0, 1fr) 420px; gap: 16px;
              align-items: start; }
.wl-coupons .wl-table tr.on td { background: var(--brand-soft); }
.wl-coupons .wl-table button.wl-link { border: 0; background: none; padding: 0; font: inherit;
    font-weight: 600; color: var(--ink); cursor: pointer; text-align: left; }
.wl-coupons .wl-table button.wl-link:hover { color: var(--brand); }
.wl-pool-figures { display: flex; gap: 18px; margin: 10px 0 4px; }
.wl-pool-figures div { display: flex; flex-direction: column; }
.wl-pool-figures strong { font-size: 20px; font-variant-numeric: tabular-nums; }
.wl-pool-figures span { color: var(--muted); font-size: 12px; }
.wl-pool-figures .empty strong { color: var(--err); }
.wl-card textarea.wl-input { width: 100%; min-height: 110px; font-family: ui-monospace, monospace;
                             font-size: 13px; }
.wl-card h3 { margin: 16px 0 6px; font-size: 14px; }
.wl-uses { margin: 6px 0 0; padding-left: 18px; }
.wl-uses li { margin-bottom: 4px; }
.wl-uses .wl-where { color: var(--muted); font-size: 12.5px; }
.wl-generate { display: grid; grid-template-columns: 96px minmax(0, 1fr) auto; gap: 4px 10px;
               align-items: center; }
.wl-generate .wl-label { margin: 0; }
.wl-outcome { margin-top: 10px; }
.wl-outcome ul { margin: 6px 0 0; padding-left: 18px; }
.wl-left-low { color: var(--err); font-weight: 600; }
"""


@component
def CouponsPage() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """Every pool, a form for a new one (editors up) and the pool opened."""
    services = use_services()
    pools, set_pools = use_state(None)
    opened, set_opened = use_state(None)
    notice, set_notice = use_state(None)
    _ = use_words()
    can_edit = services.may("coupons.edit")

    async def reload(pool_id: int | None = None) -> None:
        """List the pools again, and (re)open `pool_id` when given."""
        set_pools(await asyncio.to_thread(services.list_coupon_pools))
        if pool_id is not None:
            set_opened(await asyncio.to_thread(services.get_coupon_pool, pool_id))

    @use_async_effect(dependencies=[])
    async def load() -> None:
        await reload()

    def on_open(pool_id: int) -> Any:
        async def handle(*_event: Any) -> None:
            try:
                set_opened(await asyncio.to_thread(services.get_coupon_pool, pool_id))
                set_notice(None)
            except UiError as error:
                set_notice({"kind": "error", "text": said(_, error.message)})
        return handle

    async def handle_created(detail: Json) -> None:
        set_opened(detail)
        set_notice({"kind": "ok", "text": _("Made the pool '{name}': add its codes on the right.",
                                            name=detail["pool"]["name"])})
        await reload()

    async def handle_deleted(name: str) -> None:
        set_opened(None)
        set_notice({"kind": "ok", "text": _("Deleted the pool '{name}' and its codes.",
                                            name=name)})
        await reload()

    return html.div(
        {"class": "wl-app"}, html.style(STYLE), AppBar("coupons"),
        html.main(
            {"class": "wl-page"},
            html.div({"class": "wl-page-head"},
                     html.div(html.h1(_("Coupons")),
                              html.p(_("Pools of unique codes. A \"Give a coupon\" step gives "
                                       "each customer one code of its pool, once; when none is "
                                       "left, customers take its \"Out of codes\" way."))),
                     NewPool(services, handle_created) if can_edit else ""),
            Notice(notice),
            html.div({"class": "wl-coupons"},
                     PoolTable(pools, opened["pool"]["id"] if opened else None, on_open),
                     PoolCard(services, opened, reload, handle_deleted,
                              key=str(opened["pool"]["id"])) if opened else html.div(
                         {"class": "wl-card", "data-card": "no-pool"},
                         html.p({"class": "hint"}, _(
                             "Open a pool to see the journeys that give its codes, add codes "
                             "or delete it.") if can_edit else _(
                             "Open a pool to see the journeys that give its codes. Viewers "
                             "see the pools; editors change them."))))))


@component
def NewPool(services: Any, on_created: Any) -> Any:  # noqa: N802
    """A name and a button that make an empty pool."""
    name, set_name = use_state("")
    problem, set_problem = use_state(None)
    _ = use_words()

    async def handle_create(_event: Any) -> None:
        try:
            detail = await asyncio.to_thread(services.create_coupon_pool, name.strip(), "")
        except UiError as error:
            set_problem(said(_, error.message))
            return
        set_name("")
        set_problem(None)
        await on_created(detail)

    return html.form(
        {"class": "wl-create", "data-form": "new-pool",
         "onSubmit": event(handle_create, prevent_default=True)},
        text_field({"class": "wl-input", "value": name, "data-field": "pool-name",
                    "placeholder": _("New pool, e.g. Welcome 10%"), "maxLength": "200",
                    "onChange": lambda e, *_rest: set_name(e["target"]["value"])}),
        html.button({"class": "wl-button primary", "type": "submit", "data-action": "create-pool",
                     "disabled": not name.strip()}, _("+ New pool")),
        html.div({"class": "wl-field-error", "data-problem": "new-pool"}, problem)
        if problem else "")


@component
def PoolTable(pools: list[Json] | None, current: int | None, on_open: Any) -> Any:  # noqa: N802
    """Every pool: its name, codes given and left, and how many journeys give from it."""
    _ = use_words()
    if pools is None:
        return html.div({"class": "wl-loading"}, _("Loading…"))
    if not pools:
        return html.div({"class": "wl-empty-card", "data-list": "pools"},
                        html.h2(_("No coupon pools yet")),
                        html.p(_("Make one, then paste the codes your shop gave you or let "
                                 "Wayline generate them.")))
    rows = [html.tr(
        {"key": str(pool["id"]), "data-pool": pool["name"],
         "class": "on" if pool["id"] == current else ""},
        html.td(html.button({"class": "wl-link", "type": "button", "data-action": "open-pool",
                             "onClick": on_open(pool["id"])}, pool["name"]),
                html.div({"class": "wl-sub"}, pool["description"]) if pool["description"]
                else ""),
        html.td({"class": "num", "data-given": str(pool["given"])}, _.number(pool["given"])),
        html.td({"class": "num", "data-left": str(pool["left"])},
                html.span({"class": "wl-left-low"} if pool["left"] == 0 else {},
                          _.number(pool["left"]))),
        html.td({"class": "num", "data-journeys": str(pool["journeys"])},
                journeys_text(_, pool["journeys"])))
        for pool in pools]
    return html.table(
        {"class": "wl-table", "data-list": "pools"},
        html.thead(html.tr(html.th(_("Pool")), html.th({"class": "num"}, _("Codes given")),
                           html.th({"class": "num"}, _("Codes left")),
                           html.th({"class": "num"}, _("Used by")))),
        html.tbody(rows))


def journeys_text(_: Words, count: int) -> str:
    """'no journey', '1 journey', '3 journeys'."""
    return _("no journey") if count == 0 else _.n("{n} journey", "{n} journeys", count)
