"""/api/templates: Liquid message templates, one channel each, used by send steps by id."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from nodes.kit.fields import Channel
from server.api.params import ActorDep, PrincipalDep, WaylineDep
from server.errors import errors
from server.schemas.templates import (
    DraftRenderIn,
    Rendered,
    RenderIn,
    TemplateCreate,
    TemplateDetail,
    TemplatePage,
    TemplateUpdate,
    TestSendIn,
    TestSendReport,
)
from server.security.masking import template_for
from server.services import templates, test_sends

TemplateId = Annotated[int, PathParameter(ge=1, le=2**62, description="The template's id.")]


class TemplateController(Controller):
    """Create, list, read, change, delete and render message templates."""

    path = "/api/templates"
    tags = ["templates"]

    @get("/", sync_to_thread=True, responses=errors(422))
    def index(self, wayline: WaylineDep, channel: FromQuery[Channel | None] = None,
              search: Annotated[str | None, QueryParameter(max_length=200)] = None,
              limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
              offset: Annotated[int, QueryParameter(ge=0, le=2**31)] = 0) -> TemplatePage:
        """Templates by channel and name (filter by `channel`), with how many journeys use each."""
        return templates.list_templates(wayline, channel, search, limit, offset)

    @post("/", sync_to_thread=True, responses=errors(422))
    def create(self, wayline: WaylineDep, actor: ActorDep,
               data: JSONBody[TemplateCreate]) -> TemplateDetail:
        """Save a template (422 naming each problem, Liquid errors with their line)."""
        return templates.create_template(wayline, actor, data)

    @post("/render", sync_to_thread=True, status_code=200, responses=errors(404, 422))
    def render_draft(self, wayline: WaylineDep, data: JSONBody[DraftRenderIn]) -> Rendered:
        """Render an unsaved template for a customer (the editor's live preview)."""
        return templates.render_draft(wayline, data)

    @get("/{template_id:int}", sync_to_thread=True, responses=errors(404, 422))
    def read(self, wayline: WaylineDep, principal: PrincipalDep,
             template_id: TemplateId) -> TemplateDetail:
        """A template, its source and the journeys that send it."""
        return template_for(principal, templates.get_template(wayline, template_id))

    @patch("/{template_id:int}", sync_to_thread=True, responses=errors(404, 422))
    def update(self, wayline: WaylineDep, actor: ActorDep, template_id: TemplateId,
               data: JSONBody[TemplateUpdate]
               ) -> TemplateDetail:
        """Rename or rewrite it (`options`, when sent, replace the old ones); a change to what
        it says bumps `version`, and journeys send the new version from then on."""
        return templates.update_template(wayline, actor, template_id, data)

    @delete("/{template_id:int}", sync_to_thread=True, responses=errors(404, 409, 422))
    def remove(self, wayline: WaylineDep, actor: ActorDep, template_id: TemplateId) -> None:
        """Delete a template; refused (409, naming them) while journeys send it."""
        templates.delete_template(wayline, actor, template_id)

    @post("/{template_id:int}/render", sync_to_thread=True, status_code=200,
          responses=errors(404, 422))
    def render(self, wayline: WaylineDep, template_id: TemplateId, data: JSONBody[RenderIn]
               ) -> Rendered:
        """The message as it would be stored for a customer (`external_id`) or a sample one;
        `error` says why it could not be rendered for them (no email address, …)."""
        return templates.render_template(wayline, template_id, data)

    @post("/{template_id:int}/test", sync_to_thread=True, status_code=200,
          responses=errors(404, 422))
    def test_send(self, wayline: WaylineDep, actor: ActorDep, template_id: TemplateId,
                  data: JSONBody[TestSendIn]) -> TestSendReport:
        """Send the message as the customer (or sample) would get it — advertising label and
        opt-out line included — to you ("me") or the workspace's test recipients ("team"),
        through its real channel, marked as a test. Never counted in stats or caps."""
        return test_sends.send_test(wayline, actor, template_id, data)
