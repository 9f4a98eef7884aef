"""/api/senders and /api/templates/{id}/review: the workspace's sender numbers and Kakao sender
profiles, and AlimTalk templates' review by Kakao (the same services as the Send rules and
Messages pages)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.params import JSONBody, PathParameter

from server.api.params import ActorDep, WaylineDep
from server.api.templates import TemplateId
from server.errors import errors
from server.schemas.senders import ReviewOut, ReviewSet, SenderIn, SenderOut
from server.services import senders, template_reviews

SenderId = Annotated[int, PathParameter(ge=1, le=2**62, description="The sender's id.")]


class SenderController(Controller):
    """Registered sender numbers and Kakao sender profiles: their status and the defaults."""

    path = "/api/senders"
    tags = ["senders"]

    @get("/", sync_to_thread=True)
    def list(self, wayline: WaylineDep) -> list[SenderOut]:
        """Every sender, the environment's (WAYLINE_SMS_SENDER …) as registered defaults."""
        return senders.list_senders(wayline)

    @post("/", sync_to_thread=True, responses=errors(422))
    def add(self, wayline: WaylineDep, actor: ActorDep,
            data: JSONBody[SenderIn]) -> SenderOut:
        """Add a sender (422 listing every problem by field); audited."""
        return senders.save_sender(wayline, actor, data)

    @put("/{sender_id:int}", sync_to_thread=True, responses=errors(404, 422))
    def change(self, wayline: WaylineDep, actor: ActorDep, sender_id: SenderId,
               data: JSONBody[SenderIn]) -> SenderOut:
        """Change a sender: its status (and why), name, 080 number, default; audited."""
        return senders.save_sender(wayline, actor, data, sender_id)

    @delete("/{sender_id:int}", sync_to_thread=True, responses=errors(404, 422))
    def remove(self, wayline: WaylineDep, actor: ActorDep, sender_id: SenderId) -> None:
        """Remove a sender; steps that picked it are refused at their next publish."""
        senders.delete_sender(wayline, actor, sender_id)


class TemplateReviewController(Controller):
    """An AlimTalk template's review by Kakao: its status, a submission, a check, by hand."""

    path = "/api/templates/{template_id:int}/review"
    tags = ["templates"]

    @get("/", sync_to_thread=True, responses=errors(404, 409, 422))
    def review(self, wayline: WaylineDep, template_id: TemplateId) -> ReviewOut:
        """Where the template stands in Kakao's review."""
        return template_reviews.get_review(wayline, template_id)

    @post("/", sync_to_thread=True, status_code=200, responses=errors(404, 409, 422, 503))
    def submit(self, wayline: WaylineDep, actor: ActorDep, template_id: TemplateId) -> ReviewOut:
        """Submit it through the kakao provider (409 when that provider takes no review or
        refuses it, 503 when it is not answering)."""
        return template_reviews.submit_review(wayline, actor, template_id)

    @post("/refresh", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422, 503))
    def refresh(self, wayline: WaylineDep, actor: ActorDep,
                template_id: TemplateId) -> ReviewOut:
        """Ask the provider now where the review stands."""
        return template_reviews.refresh_review(wayline, actor, template_id)

    @put("/", sync_to_thread=True, responses=errors(404, 409, 422))
    def set_by_hand(self, wayline: WaylineDep, actor: ActorDep, template_id: TemplateId,
                    data: JSONBody[ReviewSet]) -> ReviewOut:
        """Set the status as the provider's console shows it (admins)."""
        return template_reviews.set_review(wayline, actor, template_id, data)
