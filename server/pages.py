"""The browser pages: journeys, the canvas editor, messages, coupons, customers, send rules, the
team and the audit trail; the canvas bundle; downloads.

Pages are Litestar routes returning the HTML shell (with the request's CSP nonce on its inline
scripts); ReactPy renders them over its socket. `with_ui(app, wayline)` puts ReactPy's
middleware around the Litestar app, and the front door (`server.security.middleware.Gate`)
around ReactPy's own paths: each socket is checked (origin, session, the page's permission)
and gets UI services made for the person signed in (`server.ui_services`).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.static_files import create_static_files_router

from builder.i18n import LANGUAGES, N_, negotiate, words
from builder.ui import reactpy_glue
from runtime.errors import NotFoundError
from server.api.params import WaylineDep
from server.context import Wayline
from server.security.middleware import NONCE_KEY, Gate
from server.security.principal import SCOPE_KEY, anonymous
from server.services import journeys
from server.ui_services import UiServicesForWayline

page_of = reactpy_glue.page_of
"""Which page a socket's path renders (the front door checks the page's permission)."""

PAGE_TITLES = {"journeys": N_("Journeys"), "customers": N_("Customers"),
               "messages": N_("Messages"), "coupons": N_("Coupons"),
               "settings": N_("Send rules"), "team": N_("Team"), "audit": N_("Audit trail"),
               "stages": N_("Lifecycle"),
               "coverage": N_("Coverage"),
               "fatigue": N_("Message fatigue")}
"""Titles of the pages that need nothing from the path."""


class PageController(Controller):
    """The pages marketers open in the browser."""

    include_in_schema = False

    @get("/", sync_to_thread=False)
    def journeys_page(self, request: Request) -> Response[str]:
        """The journeys list."""
        return _page(request, "journeys")

    @get("/journeys/{journey_id:int}", sync_to_thread=True)
    def editor_page(self, request: Request, wayline: WaylineDep,
                    journey_id: FromPath[int]) -> Response[str]:
        """The canvas editor for one journey (404 for an unknown one)."""
        try:
            name = journeys.get_journey(wayline, journey_id).journey.name
        except NotFoundError as error:
            raise NotFoundException(error.message) from None
        return _page(request, "editor", name)

    @get("/journeys/{journey_id:int}/dashboard", sync_to_thread=True)
    def dashboard_page(self, request: Request, wayline: WaylineDep,
                       journey_id: FromPath[int]) -> Response[str]:
        """A journey's dashboard: its figures and charts over a range of days (404 for an
        unknown journey)."""
        try:
            name = journeys.get_journey(wayline, journey_id).journey.name
        except NotFoundError as error:
            raise NotFoundException(error.message) from None
        title = words(language_of(request.scope))("{name} · Dashboard", name=name)
        return _page(request, "dashboard", title)

    @get("/customers", sync_to_thread=False)
    def customers_page(self, request: Request) -> Response[str]:
        """The customers list."""
        return _page(request, "customers")

    @get("/customers/{external_id:str}", sync_to_thread=False)
    def customer_page(self, request: Request, external_id: FromPath[str]) -> Response[str]:
        """One customer's timeline (the page says so when there is no such customer)."""
        return _page(request, "customer", external_id)

    @get("/coverage", sync_to_thread=False)
    def coverage_page(self, request: Request) -> Response[str]:
        """The customers no journey and no message reached lately."""
        return _page(request, "coverage")

    @get("/messages", sync_to_thread=False)
    def messages_page(self, request: Request) -> Response[str]:
        """The message templates: write, preview and manage them."""
        return _page(request, "messages")

    @get("/coupons", sync_to_thread=False)
    def coupons_page(self, request: Request) -> Response[str]:
        """Coupon pools: make them, fill them with codes, see what is left."""
        return _page(request, "coupons")

    @get("/settings", sync_to_thread=False)
    def settings_page(self, request: Request) -> Response[str]:
        """The workspace's send rules."""
        return _page(request, "settings")

    @get("/insight/fatigue", sync_to_thread=False)
    def fatigue_page(self, request: Request) -> Response[str]:
        """Message fatigue: messages per customer per week, the caps' intent, unsubscribes."""
        return _page(request, "fatigue")

    @get("/team", sync_to_thread=False)
    def team_page(self, request: Request) -> Response[str]:
        """People, API keys and workspace settings (admins)."""
        return _page(request, "team")

    @get("/audit", sync_to_thread=False)
    def audit_page(self, request: Request) -> Response[str]:
        """Who changed what: the audit trail with filters and CSV export."""
        return _page(request, "audit")

    @get("/insight/stages", sync_to_thread=False)
    def stages_page(self, request: Request) -> Response[str]:
        """The lifecycle stage board: customers per stage, conversions, and what moves them."""
        return _page(request, "stages")

    @get("/journeys/{journey_id:int}/export.json", sync_to_thread=True)
    def download_export(self, wayline: WaylineDep, journey_id: FromPath[int]) -> Response[bytes]:
        """The journey as a file to import into another Wayline."""
        try:
            export = journeys.export_journey(wayline, journey_id)
        except NotFoundError as error:
            raise NotFoundException(error.message) from None
        filename = "".join(c if c.isalnum() or c in "-_" else "-" for c in export.name)[:60]
        return Response(msgspec.json.encode(export), media_type="application/json", headers={
            "Content-Disposition": f'attachment; filename="{filename or "journey"}.json"'})


def _page(request: Request, page: str, title: str | None = None) -> Response[str]:
    language = language_of(request.scope)
    return html_response(reactpy_glue.page_html(title or words(language)(PAGE_TITLES[page]),
                                                page, request.scope[NONCE_KEY], language))


def language_of(scope: dict[str, Any]) -> str:
    """The language a page or socket speaks: the person's choice, else what the browser asks."""
    principal = scope.get(SCOPE_KEY)
    chosen = getattr(principal, "language", None)
    if chosen in LANGUAGES:
        return chosen
    headers = dict(scope.get("headers") or [])
    return negotiate(headers.get(b"accept-language", b"").decode("latin-1"))


def html_response(body: str, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response[str]:
    """A page of ours: HTML that no cache keeps (it depends on who is signed in)."""
    return Response(body, status_code=status, media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store", **(headers or {})})


static_files = create_static_files_router(
    path=reactpy_glue.STATIC_URL, directories=[reactpy_glue.DIST], include_in_schema=False,
    name="canvas-bundle")
"""The built canvas bundle (React, React Flow, our canvas code and styles)."""

PAGE_HANDLERS = [PageController, static_files]


def with_ui(app: Any, wayline: Wayline) -> Any:
    """The web app behind ReactPy's middleware; ReactPy's own paths behind the front door."""

    def services_for(scope: dict[str, Any]) -> UiServicesForWayline:
        return UiServicesForWayline(wayline, scope.get(SCOPE_KEY) or anonymous())

    ui = reactpy_glue.mount(app, services_for, language_of)
    gate = Gate(ui, wayline, page_of, reactpy_glue.SIGNED_OUT_PATH)

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await gate(scope, receive, send)
        elif scope["type"] == "http" and scope["path"].startswith("/reactpy/"):
            await gate.static(scope, receive, send)  # refused unless the table lists it
        else:  # Litestar's routes pass the front door inside Litestar (create_app)
            await ui(scope, receive, send)

    return asgi
