"""/api/segments: saved audience rules, used by journeys by id."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from server.api.params import ActorDep, WaylineDep
from server.errors import errors
from server.schemas.previews import AudiencePreview
from server.schemas.segments import SegmentCreate, SegmentDetail, SegmentPage, SegmentUpdate
from server.services import segments

SegmentId = Annotated[int, PathParameter(ge=1, le=2**62, description="The segment's id.")]


class SegmentController(Controller):
    """Create, list, read, change and delete segments; see who is in one."""

    path = "/api/segments"
    tags = ["segments"]

    @get("/", sync_to_thread=True, responses=errors(422))
    def index(self, wayline: WaylineDep,
              search: Annotated[str | None, QueryParameter(max_length=200)] = None,
              counts: Annotated[bool, QueryParameter(description=(
                  "Also count the customers in each segment now (one audience count each)."
              ))] = False,
              limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
              offset: Annotated[int, QueryParameter(ge=0, le=2**31)] = 0) -> SegmentPage:
        """Segments by name, with how many journeys use each."""
        return segments.list_segments(wayline, search, counts, limit, offset)

    @post("/", sync_to_thread=True, responses=errors(422))
    def create(self, wayline: WaylineDep, actor: ActorDep,
               data: JSONBody[SegmentCreate]) -> SegmentDetail:
        """Save a segment (422 listing each problem in the rule, or a name already taken)."""
        return segments.create_segment(wayline, actor, data)

    @get("/{segment_id:int}", sync_to_thread=True, responses=errors(404, 422))
    def read(self, wayline: WaylineDep, segment_id: SegmentId) -> SegmentDetail:
        """A segment, how many customers are in it now, and the journeys that use it."""
        return segments.get_segment(wayline, segment_id)

    @patch("/{segment_id:int}", sync_to_thread=True, responses=errors(404, 422))
    def update(self, wayline: WaylineDep, actor: ActorDep, segment_id: SegmentId,
               data: JSONBody[SegmentUpdate]
               ) -> SegmentDetail:
        """Rename it, describe it or change its rule (journeys using it follow the new rule)."""
        return segments.update_segment(wayline, actor, segment_id, data)

    @delete("/{segment_id:int}", sync_to_thread=True, responses=errors(404, 409, 422))
    def remove(self, wayline: WaylineDep, actor: ActorDep, segment_id: SegmentId) -> None:
        """Delete a segment; refused (409, naming them) while journeys use it."""
        segments.delete_segment(wayline, actor, segment_id)

    @get("/{segment_id:int}/audience", sync_to_thread=True, responses=errors(404, 422))
    def audience(self, wayline: WaylineDep, segment_id: SegmentId,
                 limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
                 after: Annotated[int | None, QueryParameter(ge=0, le=2**62, description=(
                     "Show customers after this one (`next_after` of the previous page)."
                 ))] = None) -> AudiencePreview:
        """Who is in the segment now: the exact count and a page of customers."""
        return segments.segment_audience(wayline, segment_id, limit, after)
