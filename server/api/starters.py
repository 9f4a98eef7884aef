"""/api/starters: ready-made journeys to start from."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, PathParameter

from server.api.params import ActorDep, WaylineDep
from server.errors import errors
from server.schemas.journeys import JourneyDetail
from server.schemas.starters import FromStarter, StarterOut
from server.services import starters


class StarterController(Controller):
    """Welcome series, cart abandonment, win-back and birthday coupon, ready to adapt."""

    path = "/api/starters"
    tags = ["journeys"]

    @get("/", sync_to_thread=False)
    def index(self) -> list[StarterOut]:
        """Every starter journey."""
        return starters.list_starters()

    @post("/{key:str}/journeys", sync_to_thread=True, responses=errors(404, 422))
    def create(self, wayline: WaylineDep, actor: ActorDep,
               key: Annotated[str, PathParameter(max_length=64, description="The starter's key.")],
               data: JSONBody[FromStarter | None] = None) -> JourneyDetail:
        """Create a draft journey from a starter (its message templates are created too)."""
        return starters.create_from_starter(wayline, actor, key, data.name if data else None)
