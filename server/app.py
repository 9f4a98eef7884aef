"""The Litestar app: REST API under /api, OpenAPI at /schema, errors mapped in one place.

`create_app(wayline)` takes the application context so tests and `wayline up` decide what it
runs on; without one it is built from the WAYLINE_* settings.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig

from runtime.store.audit import Actor
from server.api.approvals import PublishRequestController
from server.api.assets import AssetController
from server.api.content import ContentController
from server.api.coupons import CouponController
from server.api.coverage import CoverageController
from server.api.customers import CustomerController
from server.api.dashboard import DashboardController
from server.api.events import EventController, JourneyEntryController
from server.api.fatigue import FatigueController
from server.api.journeys import JourneyController
from server.api.ops import OpsController
from server.api.previews import AudienceController, JourneyPreviewController
from server.api.providers import ProviderReportController
from server.api.receipts import ReceiptController
from server.api.results import ResultsController
from server.api.segments import SegmentController
from server.api.senders import SenderController, TemplateReviewController
from server.api.session import SessionController, SignInPages
from server.api.stages import StageController
from server.api.starters import StarterController
from server.api.team import AuditController, KeyController, UserController
from server.api.templates import TemplateController
from server.api.timeline import TimelineController
from server.api.tracking import TrackingController
from server.api.unsubscribe import UnsubscribeController
from server.api.workspace import WorkspaceController
from server.body_limits import DEFAULT_BODY
from server.context import Wayline, build_wayline
from server.errors import EXCEPTION_HANDLERS, document_refusals
from server.pages import PAGE_HANDLERS, page_of, with_ui
from server.security.guard import authorize, principal_of
from server.security.middleware import Gate
from server.security.principal import Principal

CONTROLLERS = [JourneyController, StarterController, AudienceController, JourneyPreviewController,
               CustomerController, EventController, JourneyEntryController]
CONTROLLERS += [SegmentController, TemplateController, UnsubscribeController, CouponController]
CONTROLLERS += [OpsController, ContentController]
CONTROLLERS += [TimelineController, WorkspaceController]
CONTROLLERS += [StageController]
CONTROLLERS += [SenderController, TemplateReviewController]
CONTROLLERS += [TrackingController, ReceiptController, ResultsController]
CONTROLLERS += [CoverageController]
CONTROLLERS += [DashboardController]
CONTROLLERS += [FatigueController]
CONTROLLERS += [ProviderReportController]
CONTROLLERS += [AssetController]
CONTROLLERS += [SessionController, SignInPages, UserController, KeyController, AuditController,
                PublishRequestController]


DESCRIPTION = (
    "Journeys, customers, events, audiences and previews. Every operation needs a credential: "
    "an API key (`X-Api-Key` or `Authorization: Bearer`, scoped ingest, read or manage; admins "
    "make them on the Team page or with `wayline key add`), or a signed-in session (the "
    "`wayline_session` cookie, with the session's `X-CSRF-Token` on changes).")


def provide_wayline(state: State) -> Wayline:
    """The application context, for handlers."""
    return state.wayline


def provide_principal(request: Request) -> Principal:
    """Who the request acts for (resolved by the front door, `server.security.middleware`)."""
    return principal_of(request)


def provide_actor(request: Request) -> Actor:
    """Who the request acts for, as the audit trail names them."""
    return principal_of(request).actor


def create_app(wayline: Wayline | None = None) -> Litestar:
    """The web application on `wayline` (default: built from the environment)."""
    if wayline is None:
        from runtime.redis_server import redis_url_for
        from runtime.settings import load_settings

        settings = load_settings()
        url, _embedded = redis_url_for(settings)
        wayline = build_wayline(settings, url)
    app = Litestar(
        route_handlers=[*CONTROLLERS, *PAGE_HANDLERS],
        dependencies={"wayline": Provide(provide_wayline, sync_to_thread=False),
                      "principal": Provide(provide_principal, sync_to_thread=False),
                      "actor": Provide(provide_actor, sync_to_thread=False)},
        # Every request passes the front door, then the permission table (deny by default).
        middleware=[DefineMiddleware(Gate, wayline=wayline, page_of=page_of)],
        guards=[authorize],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=DEFAULT_BODY,  # endpoints of other kinds set theirs (body_limits)
        state=State({"wayline": wayline}),
        logging_config=None,  # Wayline's own (runtime/logs.py): text or JSON, one handler
        openapi_config=OpenAPIConfig(
            title="Wayline", version="0.1.0", path="/schema",
            description=DESCRIPTION),
    )
    document_refusals(app)
    return app


def create_web_app(wayline: Wayline | None = None) -> Any:
    """What `wayline server` serves: `create_app` (API, pages) behind ReactPy's middleware,
    which renders the journeys page and the canvas over its websocket."""
    app = create_app(wayline)
    return with_ui(app, app.state.wayline)


def web_app_from_settings() -> Any:
    """`create_web_app` on the WAYLINE_* settings of this process: what each process of
    `wayline server --workers N` serves (the parent passes the Redis URL in effect)."""
    from runtime.settings import load_settings

    settings = load_settings()
    return create_web_app(build_wayline(settings, settings.redis_url))
