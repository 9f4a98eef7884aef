"""/api/journeys/{journey_id}/content-…: the templates saved since the live version was
published, and updating its customers in flight to them."""

from __future__ import annotations

from litestar import Controller, get, post

from server.api.params import ActorDep, JourneyId, WaylineDep
from server.errors import errors
from server.schemas.content import ContentChanges, ContentUpdated
from server.services import content_in_flight


class ContentController(Controller):
    """What a live journey's customers in flight are sent, and updating it."""

    path = "/api/journeys/{journey_id:int}"
    tags = ["journeys"]

    @get("/content-changes", sync_to_thread=True, responses=errors(404, 422))
    def changes(self, wayline: WaylineDep, journey_id: JourneyId) -> ContentChanges:
        """The live version's templates saved since it was published: its customers in flight
        still get the published content (each template's pinned and current version)."""
        return content_in_flight.content_changes(wayline, journey_id)

    @post("/content-in-flight", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def update(self, wayline: WaylineDep, actor: ActorDep,
               journey_id: JourneyId) -> ContentUpdated:
        """Send the live version's customers in flight the templates as they are saved now,
        without publishing again (409 when none changed or nothing is published)."""
        return content_in_flight.update_content_in_flight(wayline, actor, journey_id)
