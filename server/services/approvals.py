"""Requests to publish: an editor asks, a publisher sees what changed and who it reaches, then
approves (it publishes) or rejects with a comment.

A request is for one revision of the draft: if the draft changes afterwards, the request
can't be approved (the publisher would approve something they haven't seen) and the editor
asks again. One request per journey waits at a time: asking again replaces the waiting one.
Nobody approves their own request.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.diff import summarize_changes
from builder.validation import Issue, has_errors
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.run import lifecycle
from runtime.run.flight import StepMove
from runtime.store.audit import Actor, record
from runtime.store.models import Journey, JourneyVersion
from runtime.store.team_models import PublishRequest, RequestStatus
from server.context import Wayline
from server.schemas.team import PublishRequestOut
from server.services import audience_preview, journeys

LISTED = 200
"""The most requests one list shows."""


def request_publish(wl: Wayline, actor: Actor, journey_id: int,
                    comment: str) -> PublishRequestOut:
    """Ask to publish the draft as it is now (409 with the issues when it has errors)."""
    with wl.writing() as session:
        journey = lifecycle.get_journey(session, journey_id, lock=True)
        issues = lifecycle.check_journey(session, journey.draft, wl.registry)
        if has_errors(issues):
            raise WrongStateError(f"'{journey.name}' has problems to fix before it can be "
                                  "published; fix them, then ask again.", issues)
        for waiting in _pending(session, journey_id):
            waiting.status = RequestStatus.WITHDRAWN
            waiting.decided_by, waiting.decided_at = actor.name, wl.now()
            waiting.decision_comment = "replaced by a newer request"
        request = PublishRequest(
            journey_id=journey_id, draft_revision=journey.draft_revision,
            requested_by=actor.name, requested_at=wl.now(), comment=comment.strip(),
            requested_by_id=int(actor.id) if actor.kind == "user" and actor.id else None)
        session.add(request)
        session.flush()
        _audit(session, actor, "journey.publish_requested", journey, request, wl,
               comment.strip())
        request_id = request.id
    return get_request(wl, request_id)


def list_requests(wl: Wayline, status: RequestStatus | None = RequestStatus.PENDING,
                  journey_id: int | None = None) -> list[PublishRequestOut]:
    """Requests, newest first: waiting ones by default, without their audiences (each is a
    count over every customer: `get_request` counts one)."""
    query = select(PublishRequest).order_by(PublishRequest.id.desc()).limit(LISTED)
    if status is not None:
        query = query.where(PublishRequest.status == status)
    if journey_id is not None:
        query = query.where(PublishRequest.journey_id == journey_id)
    with wl.reading() as session:
        ids = list(session.scalars(query.with_only_columns(PublishRequest.id)))
    return [get_request(wl, request_id, count=False) for request_id in ids]


def get_request(wl: Wayline, request_id: int, count: bool = True) -> PublishRequestOut:
    """One request, with what changed since the live version and (`count`) how many would
    enter."""
    with wl.reading() as session:
        request = _request(session, request_id)
        journey = session.get(Journey, request.journey_id)
        live = session.scalar(select(JourneyVersion.document).where(
            JourneyVersion.id == journey.live_version_id)) if journey.live_version_id else None
        changes = summarize_changes(live, journey.draft, wl.registry)
        out = PublishRequestOut(
            id=request.id, journey_id=journey.id, journey_name=journey.name,
            requested_by_id=request.requested_by_id,
            draft_revision=request.draft_revision, status=request.status.value,
            requested_by=request.requested_by, requested_at=request.requested_at,
            comment=request.comment, changes=changes, audience=None,
            decided_by=request.decided_by, decided_at=request.decided_at,
            decision_comment=request.decision_comment,
            version_number=request.version_number,
            current=journey.draft_revision == request.draft_revision)
    if count and out.status == RequestStatus.PENDING.value:
        out.audience = _audience(wl, out.journey_id)
    return out


def approve(wl: Wayline, actor: Actor, request_id: int, comment: str,
            moves: Mapping[str, StepMove] | None = None) -> PublishRequestOut:
    """Publish the requested revision and mark the request approved, in one transaction, so
    two publishers approving at once publish once (409 if the draft changed since, or the
    request is your own). `moves` is the approving publisher's map for the customers in
    flight, as publishing takes it."""
    with wl.writing() as session:
        # The journey is locked before the request, as asking to publish does (no deadlock).
        lifecycle.get_journey(session, _request(session, request_id).journey_id, lock=True)
        request = _waiting(session, request_id, actor, deciding=True)
        result = journeys.publish_in(
            wl, session, actor, request.journey_id, revision=request.draft_revision,
            approved=f"approved request #{request_id} by {request.requested_by}", moves=moves)
        request.status, request.version_number = RequestStatus.APPROVED, result.version
        _decide(session, request, actor, wl, comment, "journey.publish_approved")
        journey_id = request.journey_id
    journeys.published(wl, journey_id, result)
    return get_request(wl, request_id)


def reject(wl: Wayline, actor: Actor, request_id: int, comment: str) -> PublishRequestOut:
    """Turn the request down, saying why (the comment is required)."""
    if not comment.strip():
        message = "Say why the request is rejected, so the editor knows what to change."
        raise InvalidInputError(message, [Issue(code="request.invalid", field="comment",
                                                   message=message)])
    with wl.writing() as session:
        request = _waiting(session, request_id, actor, deciding=True)
        request.status = RequestStatus.REJECTED
        _decide(session, request, actor, wl, comment, "journey.publish_rejected")
    return get_request(wl, request_id)


def withdraw(wl: Wayline, actor: Actor, request_id: int) -> PublishRequestOut:
    """Take one's own request back."""
    with wl.writing() as session:
        request = _waiting(session, request_id, actor, deciding=False)
        request.status = RequestStatus.WITHDRAWN
        _decide(session, request, actor, wl, "", "journey.publish_withdrawn")
    return get_request(wl, request_id)


def _waiting(session: Session, request_id: int, actor: Actor, *,
             deciding: bool) -> PublishRequest:
    request = _request(session, request_id, lock=True)
    if request.status is not RequestStatus.PENDING:
        raise WrongStateError(f"Request #{request_id} is {request.status.value} already.")
    own = actor.kind == "user" and str(request.requested_by_id) == actor.id
    if deciding and own:
        raise WrongStateError("You asked for this publish yourself: another publisher "
                              "approves or rejects it.")
    if not deciding and not own:
        raise WrongStateError("Only the person who asked can withdraw a request; a publisher "
                              "rejects it instead.")
    return request


def _decide(session: Session, request: PublishRequest, actor: Actor, wl: Wayline,
            comment: str, action: str) -> None:
    request.decided_by, request.decided_at = actor.name, wl.now()
    request.decision_comment = comment.strip()
    _audit(session, actor, action, session.get(Journey, request.journey_id), request, wl,
           comment.strip())


def _audit(session: Session, actor: Actor, action: str, journey: Journey,
           request: PublishRequest, wl: Wayline, comment: str) -> None:
    record(session, actor, action, object_kind="journey", object_id=journey.id,
           object_name=journey.name, at=wl.now(),
           after={"request": request.id, "revision": request.draft_revision,
                  "status": request.status.value},
           summary=f"request #{request.id} (revision {request.draft_revision})" +
           (f": {comment}" if comment else ""))


def _pending(session: Session, journey_id: int) -> list[PublishRequest]:
    return list(session.scalars(select(PublishRequest).where(
        PublishRequest.journey_id == journey_id,
        PublishRequest.status == RequestStatus.PENDING)))


def _request(session: Session, request_id: int, lock: bool = False) -> PublishRequest:
    query = select(PublishRequest).where(PublishRequest.id == request_id)
    if lock:  # read again, locked, even when the session has seen the row already
        query = query.with_for_update().execution_options(populate_existing=True)
    request = session.scalars(query).first()
    if request is None:
        raise NotFoundError("publish request", request_id)
    return request


def _audience(wl: Wayline, journey_id: int) -> int | None:
    """How many customers the draft's entry admits now (None: an event or API entry)."""
    try:
        return audience_preview.journey_audience(wl, journey_id, limit=1).count
    except (WrongStateError, InvalidInputError):
        return None
