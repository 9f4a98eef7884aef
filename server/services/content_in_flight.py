"""Content in flight: the templates saved since the live version was published, and updating
the live version's customers to them without publishing again.

A published version sends its templates as they were at publishing (`runtime.messaging.pinned`);
a template saved afterwards changes nothing for the customers in it. A publisher who wants them
to get the new content (a typo fixed, a price changed) updates the content in flight: the live
version pins the templates as they are now, audited with each template's old and new version.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from runtime.errors import WrongStateError
from runtime.messaging import pinned
from runtime.run import lifecycle
from runtime.store.audit import Actor, record
from runtime.store.models import Journey, JourneyStatus, JourneyVersion
from server.context import Wayline
from server.schemas.content import ContentChanges, ContentUpdated, TemplateChange
from server.services.workspace_settings import approvals_required


def content_changes(wl: Wayline, journey_id: int) -> ContentChanges:
    """The live version's templates saved since it pinned them (none without a live version)."""
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        version = _live_version(session, journey)
        found = pinned.changes(session, version) if version is not None else []
        return ContentChanges(journey_id=journey.id,
                              version=version.number if version is not None else None,
                              changes=[_change(change) for change in found])


def update_content_in_flight(wl: Wayline, actor: Actor, journey_id: int) -> ContentUpdated:
    """Pin the live version's templates as they are saved now; 409 without a live version,
    when none was saved since, or when the workspace publishes through approvals (what customers
    receive changes only through an approved publish there)."""
    with wl.writing() as session:
        if approvals_required(session):
            raise WrongStateError("This workspace publishes through approvals: ask to publish, "
                                  "and the new version sends the saved templates.")
        journey = lifecycle.get_journey(session, journey_id, lock=True)
        version = _live_version(session, journey)
        if version is None:
            raise WrongStateError(f"'{journey.name}' has no published version, so no customer "
                                  "is in flight: publish it first.")
        found = pinned.changes(session, version)
        if not found:
            raise WrongStateError(f"No template of '{journey.name}' changed since version "
                                  f"{version.number} was published: customers in flight "
                                  "already get the saved content.")
        before = dict(version.contents or {})
        pinned.pin(session, version, wl.registry)
        journey.updated_at = wl.now()
        record(session, actor, "journey.content_updated", object_kind="journey",
               object_id=journey.id, object_name=journey.name, at=wl.now(),
               summary="updated content in flight: " + ", ".join(
                   f"'{change.name}' v{change.pinned_version} → v{change.current_version}"
                   for change in found),
               before={key: before[key]["version"] for key in sorted(before)},
               after={key: value["version"] for key, value in sorted(version.contents.items())})
        return ContentUpdated(journey_id=journey.id, version=version.number,
                              updated=[_change(change) for change in found])


def _live_version(session: Session, journey: Journey) -> JourneyVersion | None:
    """The version customers are in flight on (an archived journey has none left)."""
    if journey.live_version_id is None or journey.status is JourneyStatus.ARCHIVED:
        return None
    return session.get(JourneyVersion, journey.live_version_id)


def _change(change: pinned.ContentChange) -> TemplateChange:
    return TemplateChange(id=change.id, name=change.name, channel=change.channel,
                          pinned_version=change.pinned_version,
                          current_version=change.current_version)
