"""A journey's versions side by side, and a version back as the draft.

A comparison takes two sides, each a published version's number, `live` (the live version)
or `draft`, and says what changed from the first to the second with builder.diff: step by step,
field by field, and in a sentence. Restoring copies a version's document into the draft (its
steps brought up to their kinds' current versions, as a clone is), writes the audit row with
what that changed against the draft it replaced, and leaves publishing to the usual path.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from builder.diff import diff_documents, summarize_changes
from builder.document import upgraded
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.run import lifecycle
from runtime.store.audit import Actor, record
from runtime.store.models import Journey, JourneyStatus, JourneyVersion
from server.context import Wayline
from server.schemas.journeys import ComparedSide, Comparison, JourneyDetail
from server.services import journeys

LIVE, DRAFT = "live", "draft"
"""The sides a comparison names by role instead of by number."""

NUMBER_LIMIT = 2**31 - 1
"""Version numbers fit the column; a larger one names no version."""


def compare(wl: Wayline, journey_id: int, old: str = LIVE, new: str = DRAFT,
            documents: bool = False) -> Comparison:
    """What changed from side `old` to side `new` (a version's number, `live` or `draft`);
    with `documents`, each side carries its document (the canvas draws them)."""
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        before, old_side = _side(session, journey, old, "from", documents)
        after, new_side = _side(session, journey, new, "to", documents)
    return Comparison(old=old_side, new=new_side,
                      diff=diff_documents(before, after, wl.registry))


def restore_version(wl: Wayline, actor: Actor, journey_id: int, number: int) -> JourneyDetail:
    """Make version `number` the draft (draft revision + 1, audited with what that changed
    against the draft it replaces); refused (409) for an archived journey. Restoring what the
    draft already is changes nothing."""
    with wl.writing() as session:
        journey = lifecycle.get_journey(session, journey_id, lock=True)
        if journey.status is JourneyStatus.ARCHIVED:
            raise WrongStateError(f"'{journey.name}' is archived and can't be edited; "
                                  "clone it to work on a copy.")
        version = journeys.find_version(session, journey, number)
        document = upgraded(copy.deepcopy(version.document), wl.registry)
        if document != journey.draft:
            changes = summarize_changes(journey.draft, document, wl.registry)
            before = journey.draft_revision
            journey.draft = document
            journey.draft_revision += 1
            journey.updated_at = wl.now()
            record(session, actor, "journey.restored", object_kind="journey",
                   object_id=journey.id, object_name=journey.name, at=wl.now(),
                   before={"revision": before},
                   after={"revision": journey.draft_revision, "version": number},
                   summary=f"restored version {number} as the draft: {changes}")
            session.flush()
    return journeys.get_journey(wl, journey_id)


def _side(session: Session, journey: Journey, ref: str, name: str,
          documents: bool) -> tuple[Any, ComparedSide]:
    """The document a side names, and how the comparison describes it."""
    ref = ref.strip().lower()
    if ref == DRAFT:
        return journey.draft, ComparedSide(ref=DRAFT, label="Draft",
                                           document=journey.draft if documents else None)
    if ref == LIVE:
        if journey.live_version_id is None:
            raise WrongStateError(f"'{journey.name}' has no live version yet: compare "
                                  "version numbers, or publish it first.")
        version = session.get(JourneyVersion, journey.live_version_id)
    elif ref.isascii() and ref.isdigit():
        number = int(ref)
        if number > NUMBER_LIMIT:
            raise NotFoundError(f"version of '{journey.name}'", number)
        version = journeys.find_version(session, journey, number)
    else:
        raise InvalidInputError(f"'{name}' must be a version's number, 'live' or 'draft', "
                                f"not '{ref[:40]}'.", [])
    live = " (live)" if version.id == journey.live_version_id else ""
    return version.document, ComparedSide(
        ref=str(version.number), label=f"Version {version.number}{live}",
        number=version.number, document=version.document if documents else None)
