"""The browser pages: the journeys list and the canvas editor, the canvas bundle, downloads.

Pages are Litestar routes returning the HTML shell; ReactPy renders them over its websocket.
`UiServicesForWayline` hands the UI the same application services the REST API calls (one
service path, two faces), as plain data, with domain errors turned into the UI's `UiError`.
`with_ui(app, wayline)` wraps the Litestar app with ReactPy's middleware.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from litestar import Controller, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.static_files import create_static_files_router

from builder.ui import reactpy_glue
from builder.ui.services import UiError
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.workspace import SendPolicy
from server.api.params import WaylineDep
from server.context import Wayline
from server.errors import issue_out
from server.schemas.journeys import JourneyCreate, JourneyExport, JourneyUpdate
from server.schemas.previews import DryRunIn, PathIn
from server.schemas.templates import DraftRenderIn, TemplateCreate, TemplateUpdate
from server.schemas.workspace import IndexedAttributeIn
from server.services import (
    customers,
    dry_runs,
    journeys,
    previews,
    segments,
    starters,
    stats,
    templates,
    timeline,
    workspace,
)
from server.services.results import journey_results

T = TypeVar("T")

PICKER_LIMIT = 500
"""The most segments or templates a picker offers."""


class PageController(Controller):
    """The pages marketers open in the browser."""

    include_in_schema = False

    @get("/", sync_to_thread=False)
    def journeys_page(self) -> Response[str]:
        """The journeys list."""
        return _html(reactpy_glue.page_html("Journeys", "journeys"))

    @get("/journeys/{journey_id:int}", sync_to_thread=True)
    def editor_page(self, wayline: WaylineDep, journey_id: FromPath[int]) -> Response[str]:
        """The canvas editor for one journey (404 for an unknown one)."""
        try:
            name = journeys.get_journey(wayline, journey_id).journey.name
        except NotFoundError as error:
            raise NotFoundException(error.message) from None
        return _html(reactpy_glue.page_html(name, "editor"))

    @get("/customers", sync_to_thread=False)
    def customers_page(self) -> Response[str]:
        """The customers list."""
        return _html(reactpy_glue.page_html("Customers", "customers"))

    @get("/customers/{external_id:str}", sync_to_thread=False)
    def customer_page(self, external_id: FromPath[str]) -> Response[str]:
        """One customer's timeline (the page says so when there is no such customer)."""
        return _html(reactpy_glue.page_html(external_id, "customer"))

    @get("/messages", sync_to_thread=False)
    def messages_page(self) -> Response[str]:
        """The message templates: write, preview and manage them."""
        return _html(reactpy_glue.page_html("Messages", "messages"))

    @get("/settings", sync_to_thread=False)
    def settings_page(self) -> Response[str]:
        """The workspace's send rules."""
        return _html(reactpy_glue.page_html("Send rules", "settings"))

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


def _html(body: str) -> Response[str]:
    return Response(body, media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


static_files = create_static_files_router(
    path=reactpy_glue.STATIC_URL, directories=[reactpy_glue.DIST], include_in_schema=False,
    name="canvas-bundle")
"""The built canvas bundle (React, React Flow, our canvas code and styles)."""

PAGE_HANDLERS = [PageController, static_files]


def ui_call(function: Callable[..., T]) -> Callable[..., T]:
    """Domain errors → UiError (the UI shows the message, and the issues on their nodes)."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        except NotFoundError as error:
            raise UiError("not_found", error.message) from None
        except WrongStateError as error:
            raise UiError("wrong_state", error.message, _issues(error.issues)) from None
        except InvalidInputError as error:
            raise UiError("invalid", error.message, _issues(error.issues)) from None

    return call


def _issues(issues: list[Any]) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(issue_out(issue)) for issue in issues]


def _data(value: Any) -> Any:
    return msgspec.to_builtins(value)


class UiServicesForWayline:
    """builder.ui.services.UiServices over the server's application services."""

    def __init__(self, wl: Wayline) -> None:
        self.wl = wl
        self.registry = wl.registry
        self.timezone = wl.settings.timezone

    @ui_call
    def list_journeys(self) -> list[dict[str, Any]]:
        return _data(journeys.list_journeys(self.wl, limit=200).items)

    @ui_call
    def create_journey(self, name: str) -> dict[str, Any]:
        return _data(journeys.create_journey(self.wl, JourneyCreate(name=name)))

    @ui_call
    def get_journey(self, journey_id: int) -> dict[str, Any]:
        return _data(journeys.get_journey(self.wl, journey_id))

    @ui_call
    def save_draft(self, journey_id: int, document: dict[str, Any],
                   revision: int) -> dict[str, Any]:
        return _data(journeys.update_journey(
            self.wl, journey_id, JourneyUpdate(document=document, revision=revision)))

    @ui_call
    def draft_revision(self, journey_id: int) -> int:
        return journeys.draft_revision(self.wl, journey_id)

    @ui_call
    def check_draft(self, document: dict[str, Any]) -> list[dict[str, Any]]:
        return _data(journeys.validate_document(self.wl, document).issues)

    @ui_call
    def rename_journey(self, journey_id: int, name: str) -> dict[str, Any]:
        return _data(journeys.update_journey(self.wl, journey_id, JourneyUpdate(name=name)))

    @ui_call
    def publish_journey(self, journey_id: int) -> dict[str, Any]:
        return _data(journeys.publish_journey(self.wl, journey_id))

    @ui_call
    def pause_journey(self, journey_id: int) -> dict[str, Any]:
        return _data(journeys.pause_journey(self.wl, journey_id))

    @ui_call
    def resume_journey(self, journey_id: int) -> dict[str, Any]:
        return _data(journeys.resume_journey(self.wl, journey_id))

    @ui_call
    def archive_journey(self, journey_id: int) -> dict[str, Any]:
        return _data(journeys.archive_journey(self.wl, journey_id))

    @ui_call
    def clone_journey(self, journey_id: int) -> dict[str, Any]:
        return _data(journeys.clone_journey(self.wl, journey_id))

    @ui_call
    def export_journey(self, journey_id: int) -> dict[str, Any]:
        return _data(journeys.export_journey(self.wl, journey_id))

    @ui_call
    def import_journey(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            export = msgspec.convert(data, JourneyExport)
        except msgspec.ValidationError as error:
            raise UiError("invalid", f"This file isn't a Wayline journey export ({error}).") \
                from None
        return _data(journeys.import_journey(self.wl, export))

    @ui_call
    def list_segments(self) -> list[dict[str, Any]]:
        page = segments.list_segments(self.wl, limit=PICKER_LIMIT)
        return [{"id": item.id, "name": item.name} for item in page.items]

    @ui_call
    def list_templates(self) -> list[dict[str, Any]]:
        page = templates.list_templates(self.wl, limit=PICKER_LIMIT)
        return [{"id": item.id, "name": item.name, "channel": item.channel.value,
                 "subject": item.subject, "version": item.version, "journeys": item.journeys}
                for item in page.items]

    @ui_call
    def get_template(self, template_id: int) -> dict[str, Any]:
        return _data(templates.get_template(self.wl, template_id))

    @ui_call
    def save_template(self, template_id: int | None, template: dict[str, Any]) -> dict[str, Any]:
        if template_id is None:
            return _data(templates.create_template(
                self.wl, _convert(template, TemplateCreate, "message")))
        return _data(templates.update_template(
            self.wl, template_id, _convert(template, TemplateUpdate, "message")))

    @ui_call
    def delete_template(self, template_id: int) -> None:
        templates.delete_template(self.wl, template_id)

    @ui_call
    def preview_template(self, template: dict[str, Any],
                         external_id: str | None) -> dict[str, Any]:
        request = _convert({"template": template, "external_id": external_id or None,
                            "strict": True}, DraftRenderIn, "message")
        return _data(templates.render_draft(self.wl, request))

    @ui_call
    def journey_stats(self, journey_id: int) -> dict[str, Any]:
        return _data(stats.journey_stats(self.wl, journey_id))

    @ui_call
    def journey_results(self, journey_id: int) -> dict[str, Any]:
        return _data(journey_results(self.wl, journey_id))

    @ui_call
    def list_starters(self) -> list[dict[str, Any]]:
        return [{key: value for key, value in _data(starter).items() if key != "document"}
                for starter in starters.list_starters()]

    @ui_call
    def create_from_starter(self, key: str, name: str | None) -> dict[str, Any]:
        return _data(starters.create_from_starter(self.wl, key, name))

    @ui_call
    def journey_audience(self, journey_id: int, limit: int,
                         after: int | None) -> dict[str, Any]:
        return _data(previews.journey_audience(self.wl, journey_id, limit, after))

    @ui_call
    def explain_customer(self, journey_id: int, external_id: str) -> dict[str, Any]:
        return _data(previews.explain_journey(self.wl, journey_id, external_id))

    @ui_call
    def preview_path(self, journey_id: int, external_id: str,
                     events: list[dict[str, Any]]) -> dict[str, Any]:
        request = _convert({"external_id": external_id, "events": events}, PathIn)
        return _data(previews.preview_path(self.wl, journey_id, request))

    @ui_call
    def dry_run(self, journey_id: int, horizon_days: int, sample_limit: int) -> dict[str, Any]:
        request = _convert({"horizon": {"amount": horizon_days, "unit": "days"},
                            "sample_limit": sample_limit}, DryRunIn)
        return _data(dry_runs.dry_run(self.wl, journey_id, request))

    @ui_call
    def list_customers(self, search: str) -> list[dict[str, Any]]:
        return _data(customers.list_customers(self.wl, search or None, 100, None).items)

    @ui_call
    def customer_timeline(self, external_id: str, before: str | None) -> dict[str, Any]:
        moment = datetime.fromisoformat(before) if before else None
        return _data(timeline.customer_timeline(self.wl, external_id, 100, moment))

    @ui_call
    def get_send_policy(self) -> dict[str, Any]:
        return _data(workspace.get_send_policy(self.wl))

    @ui_call
    def list_indexed_attributes(self) -> list[dict[str, Any]]:
        return _data(workspace.list_indexed_attributes(self.wl))

    @ui_call
    def index_attribute(self, name: str, kind: str) -> dict[str, Any]:
        request = _convert({"kind": kind}, IndexedAttributeIn, "attribute kind")
        return _data(workspace.index_attribute(self.wl, name, request))

    @ui_call
    def drop_indexed_attribute(self, name: str) -> None:
        workspace.drop_indexed_attribute(self.wl, name)

    @ui_call
    def save_send_policy(self, policy: dict[str, Any]) -> dict[str, Any]:
        try:
            rules = msgspec.convert(policy, SendPolicy)
        except msgspec.ValidationError as error:
            raise UiError("invalid", f"These send rules can't be saved: {error}.") from None
        return _data(workspace.update_send_policy(self.wl, rules))


def _convert(data: dict[str, Any], kind: type[T], what: str = "preview request") -> T:
    """Data from a page as a request struct; what is wrong with it as a UiError."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as error:
        raise UiError("invalid", f"The {what} is not valid: {error}.") from None


def with_ui(app: Any, wayline: Wayline) -> Any:
    """The web app behind ReactPy's middleware, the UI given the services on `wayline`."""
    return reactpy_glue.mount(app, UiServicesForWayline(wayline))
