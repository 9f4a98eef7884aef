"""/api/audience and the journey previews: who enters, why, one path, a dry run, live stats."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from server.api.params import JourneyId, WaylineDep
from server.errors import errors
from server.schemas.previews import (
    AudienceIn,
    AudiencePreview,
    DryRun,
    DryRunIn,
    ExplainIn,
    Explanation,
    PathIn,
    PathPreview,
)
from server.schemas.stats import JourneyStats
from server.services import audience_preview, dry_runs, explanation, path_preview, stats

PageSize = Annotated[int, QueryParameter(ge=1, le=100, description="Customers per page.")]
Cursor = Annotated[int | None, QueryParameter(ge=0, le=2**62, description=(
    "Show customers after this one (`next_after` of the previous page)."))]
ExternalId = Annotated[str, PathParameter(min_length=1, max_length=255,
                                     description="The customer's id in your systems.")]


class AudienceController(Controller):
    """Count and list the customers an audience rule matches, and explain one customer."""

    path = "/api/audience"
    tags = ["previews"]

    @post("/preview", sync_to_thread=True, status_code=200, responses=errors(422))
    def preview(self, wayline: WaylineDep, data: JSONBody[AudienceIn]) -> AudiencePreview:
        """The exact number of matching customers and a page of them."""
        return audience_preview.preview_audience(wayline, data)

    @post("/explain", sync_to_thread=True, status_code=200, responses=errors(404, 422))
    def explain(self, wayline: WaylineDep, data: JSONBody[ExplainIn]) -> Explanation:
        """Whether one customer matches the rule, clause by clause."""
        return explanation.explain_rule(wayline, data)


class JourneyPreviewController(Controller):
    """What a journey's draft would do, and what a live journey is doing."""

    path = "/api/journeys/{journey_id:int}"
    tags = ["previews"]

    @get("/audience", sync_to_thread=True, responses=errors(404, 409, 422))
    def audience(self, wayline: WaylineDep, journey_id: JourneyId, limit: PageSize = 20,
                 after: Cursor = None) -> AudiencePreview:
        """Who enters the draft: its entry's audience, counted, with a page of customers."""
        return audience_preview.journey_audience(wayline, journey_id, limit, after)

    @get("/audience/{external_id:str}", sync_to_thread=True, responses=errors(404, 409, 422))
    def audience_member(self, wayline: WaylineDep, journey_id: JourneyId,
                        external_id: ExternalId) -> Explanation:
        """Whether one customer would enter the draft, and why or why not."""
        return explanation.explain_journey(wayline, journey_id, external_id)

    @post("/preview/path", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def path_preview(self, wayline: WaylineDep, journey_id: JourneyId, data: JSONBody[PathIn]
                     ) -> PathPreview:
        """One customer's path through the draft in simulated time; nothing is sent or saved."""
        return path_preview.preview_path(wayline, journey_id, data)

    @post("/preview/dry-run", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def dry_run(self, wayline: WaylineDep, journey_id: JourneyId,
                data: JSONBody[DryRunIn | None] = None) -> DryRun:
        """The whole entry audience simulated: per node and output, how many and by when."""
        return dry_runs.dry_run(wayline, journey_id, data or DryRunIn())

    @get("/stats", sync_to_thread=True, responses=errors(404, 422))
    def stats(self, wayline: WaylineDep, journey_id: JourneyId,
              version: Annotated[int | None, QueryParameter(ge=1, le=2**31, description=(
                  "Only this published version (default: every version)."))] = None
              ) -> JourneyStats:
        """Live numbers per node: entered, there now, finished, exited, messages, conversions."""
        return stats.journey_stats(wayline, journey_id, version)
