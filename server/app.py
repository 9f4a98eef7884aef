"""The Litestar app: REST API under /api, OpenAPI at /schema, errors mapped in one place.

`create_app(wayline)` takes the application context so tests and `wayline up` decide what it
runs on; without one it is built from the WAYLINE_* settings.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from server.api.customers import CustomerController
from server.api.events import EventController, JourneyEntryController
from server.api.journeys import JourneyController
from server.api.ops import OpsController
from server.api.previews import AudienceController, JourneyPreviewController
from server.api.receipts import ReceiptController
from server.api.results import ResultsController
from server.api.segments import SegmentController
from server.api.starters import StarterController
from server.api.templates import TemplateController
from server.api.timeline import TimelineController
from server.api.tracking import TrackingController
from server.api.unsubscribe import UnsubscribeController
from server.api.workspace import WorkspaceController
from server.context import Wayline, build_wayline
from server.errors import EXCEPTION_HANDLERS
from server.pages import PAGE_HANDLERS, with_ui

CONTROLLERS = [JourneyController, StarterController, AudienceController, JourneyPreviewController,
               CustomerController, EventController, JourneyEntryController]
CONTROLLERS += [SegmentController, TemplateController, UnsubscribeController]
CONTROLLERS += [OpsController]
CONTROLLERS += [TimelineController, WorkspaceController]
CONTROLLERS += [TrackingController, ReceiptController, ResultsController]


def provide_wayline(state: State) -> Wayline:
    """The application context, for handlers."""
    return state.wayline


def create_app(wayline: Wayline | None = None) -> Litestar:
    """The web application on `wayline` (default: built from the environment)."""
    if wayline is None:
        from runtime.redis_server import redis_url_for
        from runtime.settings import load_settings

        settings = load_settings()
        url, _embedded = redis_url_for(settings)
        wayline = build_wayline(settings, url)
    return Litestar(
        route_handlers=[*CONTROLLERS, *PAGE_HANDLERS],
        dependencies={"wayline": Provide(provide_wayline, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"wayline": wayline}),
        logging_config=None,  # Wayline's own (runtime/logs.py): text or JSON, one handler
        openapi_config=OpenAPIConfig(
            title="Wayline", version="0.1.0", path="/schema",
            description="Journeys, customers, events, audiences and previews."),
    )


def create_web_app(wayline: Wayline | None = None) -> Any:
    """What `wayline server` serves: `create_app` (API, pages) behind ReactPy's middleware,
    which renders the journeys page and the canvas over its websocket."""
    app = create_app(wayline)
    return with_ui(app, app.state.wayline)
