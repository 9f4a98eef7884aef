"""/api/insight/stages: the lifecycle stage board, the stages themselves, and a roll on demand."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post, put
from litestar.params import JSONBody, QueryParameter

from server.api.params import ActorDep, WaylineDep
from server.errors import errors
from server.schemas.stages import StageBoard, StageDefinitions
from server.services import stages

Days = Annotated[int, QueryParameter(ge=1, le=365, description=(
    "The period conversions, stays and journeys cover: the last this many days."))]


class StageController(Controller):
    """Customers per lifecycle stage now and over time, conversion between stages, time in
    stage, and the journeys that move customers; the stages' definitions."""

    path = "/api/insight/stages"
    tags = ["insight"]

    @get("/", sync_to_thread=True, responses=errors(422))
    def board(self, wayline: WaylineDep, days: Days = stages.PERIOD_DAYS) -> StageBoard:
        """The board, from the summary the `stages` roller keeps (at most ten minutes old)."""
        return stages.get_board(wayline, days)

    @get("/definitions", sync_to_thread=True)
    def definitions(self, wayline: WaylineDep) -> StageDefinitions:
        """The stages in funnel order: key, name and audience rule of each."""
        return stages.get_definitions(wayline)

    @put("/definitions", sync_to_thread=True, responses=errors(422))
    def update_definitions(self, wayline: WaylineDep, actor: ActorDep,
                           data: JSONBody[StageDefinitions]) -> StageDefinitions:
        """Replace the stages (422 listing each problem); the history of every stage whose rule
        or place changed restarts. The change goes in the audit trail."""
        return stages.update_definitions(wayline, actor, data)

    @post("/refresh", sync_to_thread=True, status_code=200, responses=errors(422))
    def refresh(self, wayline: WaylineDep, days: Days = stages.PERIOD_DAYS) -> StageBoard:
        """Place every customer in their stage now (a roll of the summary), then the board."""
        return stages.refresh(wayline, days)
