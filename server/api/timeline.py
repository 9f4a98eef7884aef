"""/api/customers/{external_id}/timeline: what happened to one customer, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import PathParameter, QueryParameter

from server.api.params import PrincipalDep, WaylineDep
from server.errors import errors
from server.schemas.timeline import CustomerTimeline
from server.security.masking import timeline_for
from server.services import timeline


class TimelineController(Controller):
    """One customer's timeline: events, journeys, steps and messages (with why not sent)."""

    path = "/api/customers"
    tags = ["customers"]

    @get("/{external_id:str}/timeline", sync_to_thread=True, responses=errors(404, 422))
    def read(self, wayline: WaylineDep, principal: PrincipalDep,
             external_id: Annotated[str, PathParameter(min_length=1, max_length=255,
                                                       description="The customer's external id.")],
             limit: Annotated[int, QueryParameter(ge=1, le=200, description=(
                 "Items per page (a page never splits one instant, so it may hold a few more)."
             ))] = 50,
             before: Annotated[datetime | None, QueryParameter(description=(
                 "Only items before this time: `next_before` of the previous page."))] = None,
             ) -> CustomerTimeline:
        """Events, journeys entered and left, steps, and messages with their status, the reason
        one was held back or failed and its next attempt — newest first, paged."""
        return timeline_for(principal,
                            timeline.customer_timeline(wayline, external_id, limit, before))
