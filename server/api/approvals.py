"""/api/publish-requests: an editor asks to publish, a publisher approves or rejects."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from runtime.store.team_models import RequestStatus
from server.api.params import ActorDep, JourneyId, PrincipalDep, WaylineDep
from server.errors import errors
from server.schemas.team import ApproveIn, DecisionIn, PublishRequestIn, PublishRequestOut
from server.security.permissions import may
from server.services import approvals

RequestId = Annotated[int, PathParameter(ge=1, le=2**62, description="The request's id.")]


class PublishRequestController(Controller):
    """Requests to publish a journey's draft, and publishers' decisions on them."""

    path = "/api"
    tags = ["journeys"]

    @post("/journeys/{journey_id:int}/publish-requests", sync_to_thread=True,
          responses=errors(404, 409, 422))
    def create(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId,
               data: JSONBody[PublishRequestIn | None] = None) -> PublishRequestOut:
        """Ask a publisher to publish the draft as it is now (409 listing the issues when it
        has errors); a waiting request for the same journey is replaced."""
        return approvals.request_publish(wayline, actor, journey_id, data.comment if data else "")

    @get("/publish-requests", sync_to_thread=True, responses=errors(422))
    def index(self, wayline: WaylineDep,
              status: FromQuery[RequestStatus | None] = RequestStatus.PENDING,
              journey_id: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None
              ) -> list[PublishRequestOut]:
        """Requests, newest first (the waiting ones unless `status` says otherwise)."""
        return approvals.list_requests(wayline, status, journey_id)

    @get("/publish-requests/{request_id:int}", sync_to_thread=True, responses=errors(404, 422))
    def read(self, wayline: WaylineDep, principal: PrincipalDep,
             request_id: RequestId) -> PublishRequestOut:
        """One request: what changed since the live version and (for roles that may preview)
        how many customers enter."""
        return approvals.get_request(wayline, request_id, count=may(principal, "previews"))

    @post("/publish-requests/{request_id:int}/approve", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def approve(self, wayline: WaylineDep, actor: ActorDep, request_id: RequestId,
                data: JSONBody[ApproveIn | None] = None) -> PublishRequestOut:
        """Publish the requested revision (409 when the draft changed since, or the request
        is your own); `moves` maps the customers in flight, as publishing does."""
        return approvals.approve(wayline, actor, request_id, data.comment if data else "",
                                 data.moves if data else None)

    @post("/publish-requests/{request_id:int}/reject", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def reject(self, wayline: WaylineDep, actor: ActorDep, request_id: RequestId,
               data: JSONBody[DecisionIn]) -> PublishRequestOut:
        """Turn the request down with a comment saying why."""
        return approvals.reject(wayline, actor, request_id, data.comment)

    @post("/publish-requests/{request_id:int}/withdraw", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def withdraw(self, wayline: WaylineDep, actor: ActorDep,
                 request_id: RequestId) -> PublishRequestOut:
        """Take your own request back."""
        return approvals.withdraw(wayline, actor, request_id)
