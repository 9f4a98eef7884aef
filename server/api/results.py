"""/api/journeys/{journey_id}/results: conversions, and each A/B split's paths tested."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from server.context import Wayline
from server.errors import errors
from server.schemas.results import JourneyResults
from server.services import results

JourneyId = Annotated[int, PathParameter(ge=1, le=2**62, description="The journey's id.")]
Version = Annotated[int | None, QueryParameter(ge=1, le=2**31, description=(
    "Only this published version (default: every version together)."))]


class ResultsController(Controller):
    """A/B test results of a published journey."""

    path = "/api/journeys/{journey_id:int}/results"
    tags = ["stats"]

    @get("/", sync_to_thread=True, responses=errors(404, 422))
    def read(self, wayline: NamedDependency[Wayline], journey_id: JourneyId,
             version: Version = None) -> JourneyResults:
        """Per random split: entered, converted, rate, uplift against the control group, and
        a two-proportion z-test with its p-value and verdict."""
        return results.journey_results(wayline, journey_id, version)
