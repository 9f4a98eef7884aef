"""/api/events and /api/journeys/{id}/entries: what integrators send in (API key required)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody

from server.api.params import JourneyId, WaylineDep
from server.body_limits import BATCH_BODY, ONE_CUSTOMER_BODY
from server.errors import errors
from server.schemas.events import (
    EntryIn,
    EntryResult,
    EventBatchIn,
    EventBatchResult,
    EventIn,
    EventResult,
)
from server.services import events


class EventController(Controller):
    """Events in: each is stored, then starts, wakes or ends customers' journeys at once."""

    path = "/api/events"
    tags = ["events"]

    @post("/", sync_to_thread=True, status_code=200, request_max_body_size=ONE_CUSTOMER_BODY,
          responses=errors(401, 413, 422))
    def ingest(self, wayline: WaylineDep, data: JSONBody[EventIn]) -> EventResult:
        """Record one event and apply it to journeys (needs the API key)."""
        return events.ingest_one(wayline, data)

    @post("/batch", sync_to_thread=True, status_code=200, request_max_body_size=BATCH_BODY,
          responses=errors(401, 413, 422))
    def ingest_batch(self, wayline: WaylineDep, data: JSONBody[EventBatchIn]) -> EventBatchResult:
        """Record up to 1,000 events in order; each is reported (needs the API key)."""
        return events.ingest_batch(wayline, data)


class JourneyEntryController(Controller):
    """API entries: put a named customer into a journey that starts by API call."""

    path = "/api/journeys/{journey_id:int}/entries"
    tags = ["journeys"]

    @post("/", sync_to_thread=True, status_code=200, request_max_body_size=ONE_CUSTOMER_BODY,
          responses=errors(401, 404, 409, 413, 422))
    def enter(self, wayline: WaylineDep, journey_id: JourneyId, data: JSONBody[EntryIn]
              ) -> EntryResult:
        """Enter a customer with a payload: the new run, or why they were not admitted
        (needs the API key)."""
        return events.enter_journey(wayline, journey_id, data)
