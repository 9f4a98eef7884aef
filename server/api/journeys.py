"""/api/journeys: the journey lifecycle."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from runtime.store.models import JourneyStatus
from server.api.params import ActorDep, JourneyId, WaylineDep
from server.errors import errors
from server.schemas.flight import FlightMoveOut, FlightPreview, FlightPreviewIn, PublishIn
from server.schemas.journeys import (
    Archived,
    CloneIn,
    Comparison,
    DocumentIn,
    JourneyCreate,
    JourneyDetail,
    JourneyExport,
    JourneyPage,
    JourneySummary,
    JourneyUpdate,
    PauseIn,
    Published,
    ValidationReport,
    VersionDetail,
    VersionSummary,
)
from server.services import flight, journeys, versions

VersionNumber = Annotated[int, PathParameter(ge=1, le=2**31, description=(
    "A published version's number (1 for the first)."))]
SIDE = "A version's number, `live` (the live version) or `draft`."

NodeId = Annotated[str, PathParameter(min_length=1, max_length=64, description=(
    "A step's id in the journey document."))]


class JourneyController(Controller):
    """Create, edit, check, publish, pause, resume, archive, clone, export and import journeys."""

    path = "/api/journeys"
    tags = ["journeys"]

    @get("/", sync_to_thread=True, responses=errors(422))
    def index(self, wayline: WaylineDep, status: FromQuery[JourneyStatus | None] = None,
             search: Annotated[str | None, QueryParameter(max_length=200)] = None,
             limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
             offset: Annotated[int, QueryParameter(ge=0, le=2**31)] = 0) -> JourneyPage:
        """Journeys, most recently edited first, with how many customers each holds."""
        return journeys.list_journeys(wayline, status, search, limit, offset)

    @post("/", sync_to_thread=True, responses=errors(422))
    def create(self, wayline: WaylineDep, actor: ActorDep,
               data: JSONBody[JourneyCreate]) -> JourneyDetail:
        """Create a draft journey."""
        return journeys.create_journey(wayline, actor, data)

    @post("/validate", sync_to_thread=True, status_code=200, responses=errors(422))
    def validate_document(self, wayline: WaylineDep, data: JSONBody[DocumentIn]
                          ) -> ValidationReport:
        """Check a document without saving it (every issue, with node and field)."""
        return journeys.validate_document(wayline, data.document)

    @post("/import", sync_to_thread=True, responses=errors(422))
    def import_file(self, wayline: WaylineDep, actor: ActorDep,
                    data: JSONBody[JourneyExport]) -> JourneyDetail:
        """Create a draft from an exported journey file."""
        return journeys.import_journey(wayline, actor, data)

    @get("/{journey_id:int}", sync_to_thread=True, responses=errors(404, 422))
    def read(self, wayline: WaylineDep, journey_id: JourneyId) -> JourneyDetail:
        """A journey, its draft document and the draft's issues."""
        return journeys.get_journey(wayline, journey_id)

    @patch("/{journey_id:int}", sync_to_thread=True, responses=errors(404, 409, 422))
    def update(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId,
               data: JSONBody[JourneyUpdate]) -> JourneyDetail:
        """Rename it or save its draft (send `revision` to refuse overwriting newer work)."""
        return journeys.update_journey(wayline, actor, journey_id, data)

    @post("/{journey_id:int}/validate", sync_to_thread=True, status_code=200,
          responses=errors(404, 422))
    def validate(self, wayline: WaylineDep, journey_id: JourneyId) -> ValidationReport:
        """Every issue in the saved draft."""
        return journeys.validate_draft(wayline, journey_id)

    @post("/{journey_id:int}/publish", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def publish(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId,
                data: JSONBody[PublishIn | None] = None) -> Published:
        """Publish the draft as a new version (409 listing the issues when it has errors).
        With `moves`, customers in flight on the live version move as the map says (422
        listing every problem with it); without, they stay on the version they are in."""
        return journeys.publish_journey(wayline, actor, journey_id,
                                        data.moves if data else None)

    @post("/{journey_id:int}/flight-preview", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def flight_preview(self, wayline: WaylineDep, journey_id: JourneyId,
                       data: JSONBody[FlightPreviewIn | None] = None) -> FlightPreview:
        """What publishing the draft would do to the customers in flight: per step of the live
        version its customers and the map's choice (defaults where none is given), customers
        per step of the draft, who leaves and stays, and the messages that would go at once."""
        return flight.preview_flight(wayline, journey_id, data.moves if data else None)

    @get("/{journey_id:int}/flight-moves", sync_to_thread=True, responses=errors(404, 422))
    def flight_moves(self, wayline: WaylineDep, journey_id: JourneyId) -> list[FlightMoveOut]:
        """Moves of customers in flight made by publishing, newest first, with their progress."""
        return flight.list_moves(wayline, journey_id)

    @post("/{journey_id:int}/pause", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def pause(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId,
              data: JSONBody[PauseIn | None] = None) -> JourneySummary:
        """Admit no one; customers hold where they are and no unsent message goes (queued,
        deferred or retrying) until it resumes. The reason shows on the list and the canvas."""
        return journeys.pause_journey(wayline, actor, journey_id, data.reason if data else "")

    @post("/{journey_id:int}/steps/{node_id:str}/pause", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def pause_step(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId,
                   node_id: NodeId) -> JourneySummary:
        """Pause one step of the live journey: customers hold before it, its messages wait."""
        return journeys.pause_step(wayline, actor, journey_id, node_id)

    @post("/{journey_id:int}/steps/{node_id:str}/resume", sync_to_thread=True,
          status_code=200, responses=errors(404, 409, 422))
    def resume_step(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId,
                    node_id: NodeId) -> JourneySummary:
        """Let a paused step run again: the customers held before it move on."""
        return journeys.resume_step(wayline, actor, journey_id, node_id)

    @post("/{journey_id:int}/resume", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def resume(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId) -> JourneySummary:
        """Admit customers again; held customers move on (overdue waits fire now)."""
        return journeys.resume_journey(wayline, actor, journey_id)

    @post("/{journey_id:int}/archive", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def archive(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId) -> Archived:
        """End the journey; everyone still in it leaves with a reason."""
        return journeys.archive_journey(wayline, actor, journey_id)

    @delete("/{journey_id:int}", sync_to_thread=True, status_code=200,
            responses=errors(404, 409, 422))
    def remove(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId) -> Archived:
        """The same as archive: journeys are never deleted, so their history stays readable."""
        return journeys.archive_journey(wayline, actor, journey_id)

    @post("/{journey_id:int}/clone", sync_to_thread=True, responses=errors(404, 422))
    def clone(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId,
              data: JSONBody[CloneIn | None] = None) -> JourneyDetail:
        """A new draft with the same document and no customers."""
        return journeys.clone_journey(wayline, actor, journey_id, data.name if data else None)

    @get("/{journey_id:int}/versions", sync_to_thread=True, responses=errors(404, 422))
    def versions(self, wayline: WaylineDep, journey_id: JourneyId) -> list[VersionSummary]:
        """Published versions, newest first."""
        return journeys.list_versions(wayline, journey_id)

    @get("/{journey_id:int}/versions/{number:int}", sync_to_thread=True,
         responses=errors(404, 422))
    def version(self, wayline: WaylineDep, journey_id: JourneyId,
                number: VersionNumber) -> VersionDetail:
        """One published version with its frozen document."""
        return journeys.get_version(wayline, journey_id, number)

    @post("/{journey_id:int}/versions/{number:int}/restore", sync_to_thread=True,
          status_code=200, responses=errors(404, 409, 422))
    def restore(self, wayline: WaylineDep, actor: ActorDep, journey_id: JourneyId,
                number: VersionNumber) -> JourneyDetail:
        """Make a published version the draft again (publish it as usual to make it live);
        the audit trail says what that changed in the draft. 409 for an archived journey."""
        return versions.restore_version(wayline, actor, journey_id, number)

    @get("/{journey_id:int}/diff", sync_to_thread=True, responses=errors(404, 409, 422))
    def diff(self, wayline: WaylineDep, journey_id: JourneyId,
             old: Annotated[str, QueryParameter(name="from", max_length=20, description=(
                 f"{SIDE} The older side (default: live)."))] = "live",
             new: Annotated[str, QueryParameter(name="to", max_length=20, description=(
                 f"{SIDE} The newer side (default: the draft)."))] = "draft") -> Comparison:
        """What changed from one version to another (or the draft): steps added, removed and
        changed field by field, wires, settings, and a sentence. 409 when `live` is asked of a
        journey never published."""
        return versions.compare(wayline, journey_id, old, new)

    @get("/{journey_id:int}/export", sync_to_thread=True, responses=errors(404, 422))
    def export(self, wayline: WaylineDep, journey_id: JourneyId) -> Response[JourneyExport]:
        """The journey as a JSON file (import it with POST /api/journeys/import)."""
        exported = journeys.export_journey(wayline, journey_id)
        return Response(exported, headers={"Content-Disposition": _attachment(exported.name)})


def _attachment(name: str) -> str:
    """A download header for `name`.json: an ASCII fallback name (headers are Latin-1), and
    the real name, UTF-8 encoded (RFC 6266), for browsers to use (e.g. Korean names)."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name)
    return (f'attachment; filename="{fallback.strip("-") or "journey"}.json"; '
            f"filename*=UTF-8''{quote(name + '.json', safe='')}")
