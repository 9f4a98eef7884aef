"""A journey's life: publish, pause, resume, archive — one transition table, one function.

Publishing validates the draft and freezes it as an immutable version, with the templates it
sends as they are now (`runtime.messaging.pinned`); runs keep the version they entered with
unless the publisher's map moves them (`runtime.run.flight`). Pausing admits no one, holds every
run where it is (a due timer stays due) and holds every unsent message
(`runtime.messaging.brakes`); resuming lets the sweeper re-drive them and releases the messages,
each judged afresh when it would go. Archiving ends every unfinished run and suppresses every
unsent message, each with a reason.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from builder.document import upgraded
from builder.limits import DEFAULT_LIMITS, Limits
from builder.validation import Issue, has_errors, validate_journey
from nodes import Registry, default_registry
from nodes.kit.spec import Ref
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.flow.run_status import changeable
from runtime.messaging import brakes, pinned
from runtime.messaging.send_checks import send_issues
from runtime.store import references
from runtime.store.models import (
    Journey,
    JourneyStatus,
    JourneyVersion,
    Run,
    RunStatus,
)

TRANSITIONS: dict[tuple[JourneyStatus, str], JourneyStatus] = {
    (JourneyStatus.DRAFT, "publish"): JourneyStatus.LIVE,
    (JourneyStatus.LIVE, "publish"): JourneyStatus.LIVE,
    (JourneyStatus.PAUSED, "publish"): JourneyStatus.PAUSED,
    (JourneyStatus.LIVE, "pause"): JourneyStatus.PAUSED,
    (JourneyStatus.PAUSED, "resume"): JourneyStatus.LIVE,
    (JourneyStatus.DRAFT, "archive"): JourneyStatus.ARCHIVED,
    (JourneyStatus.LIVE, "archive"): JourneyStatus.ARCHIVED,
    (JourneyStatus.PAUSED, "archive"): JourneyStatus.ARCHIVED,
}
"""(status, action) → new status. Anything not listed is refused with a reason."""

WHY_NOT = {
    "pause": "only a live journey can be paused",
    "resume": "only a paused journey can be resumed",
    "publish": "an archived journey can't be published; clone it instead",
    "archive": "it is archived already",
}


def next_status(journey: Journey, action: str) -> JourneyStatus:
    """The status an action would lead to, or WrongStateError saying why it can't be done."""
    new = TRANSITIONS.get((journey.status, action))
    if new is None:
        raise WrongStateError(f"Can't {action} '{journey.name}': it is {journey.status.value}; "
                              f"{WHY_NOT[action]}.")
    return new


def change_status(journey: Journey, action: str) -> JourneyStatus:
    """Apply an action to a journey's status by the transition table, or refuse it."""
    journey.status = next_status(journey, action)
    return journey.status


def get_journey(session: Session, journey_id: int, lock: bool = False) -> Journey:
    """A journey by id (locked for update when asked), or NotFoundError."""
    query = select(Journey).where(Journey.id == journey_id)
    journey = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if journey is None:
        raise NotFoundError("journey", journey_id)
    return journey


def missing_refs(session: Session):
    """A `missing_refs` function for the validator that asks this database, for every
    reference kind (`runtime.store.references`)."""
    def missing(refs: Sequence[Ref]) -> set[tuple[str, int | str]]:
        return references.missing(session, refs)
    return missing


_limits = DEFAULT_LIMITS  # the settings' limits, once the app is built (server.context.Wayline)

OVER_LIMITS = frozenset({"journey.too_large", "rule.too_deep"})
"""Issues that mean the document was not walked in full (so nothing else should walk it)."""


def install_limits(limits: Limits) -> Limits:
    """Make `limits` (from the settings) what drafts are checked against in this process;
    returns the previous ones."""
    global _limits
    previous, _limits = _limits, limits
    return previous


def current_limits() -> Limits:
    """The limits drafts are checked against in this process."""
    return _limits


def check_journey(session: Session, document: Any, registry: Registry | None = None,
                  limits: Limits | None = None) -> list[Issue]:
    """Every issue in a journey document as publishing sees it: the validator's, with templates
    and segments looked up, and the warnings on its sends (`runtime.messaging.send_checks`). Size
    and rule depth are held to `limits`, by default this process's (`install_limits`)."""
    registry = registry or default_registry()
    issues = validate_journey(document, registry, missing_refs(session), limits or _limits)
    if isinstance(document, dict) and not any(issue.code in OVER_LIMITS for issue in issues):
        issues += send_issues(session, document, registry)
    return issues


def publish(session: Session, journey_id: int, now: datetime,
            registry: Registry | None = None) -> JourneyVersion:
    """Freeze the draft as a new version and make it live; enrol the audience if it asks."""
    from runtime.flow.enrollment import enroll_audience

    registry = registry or default_registry()
    journey = get_journey(session, journey_id, lock=True)
    next_status(journey, "publish")
    if (draft := upgraded(journey.draft, registry)) != journey.draft:
        journey.draft = draft  # a draft copied from an older version holds older kinds
    issues = check_journey(session, journey.draft, registry)
    if has_errors(issues):
        raise InvalidInputError(f"'{journey.name}' has problems to fix before publishing.",
                                [issue for issue in issues if issue.severity == "error"])
    document = copy.deepcopy(journey.draft)
    for node in document["nodes"]:
        node["version"] = registry[node["type"]].version
    number = (session.scalar(select(func.max(JourneyVersion.number))
                             .where(JourneyVersion.journey_id == journey.id)) or 0) + 1
    version = JourneyVersion(journey_id=journey.id, number=number, document=document,
                             published_at=now)
    pinned.pin(session, version, registry)  # its customers get these templates as they are now
    session.add(version)
    session.flush()
    journey.live_version_id = version.id
    change_status(journey, "publish")
    if journey.status is JourneyStatus.LIVE:
        enroll_audience(session, journey, version, now)
    return version


def pause(session: Session, journey_id: int, now: datetime, reason: str = "") -> Journey:
    """Stop admitting customers; runs hold where they are, unsent messages are held."""
    journey = get_journey(session, journey_id, lock=True)
    change_status(journey, "pause")
    journey.updated_at = now
    journey.paused_reason = reason[:2000] or None
    brakes.hold(session, journey.id, now)
    return journey


def resume(session: Session, journey_id: int, now: datetime) -> Journey:
    """Admit customers again; held runs continue (overdue waits fire at once)."""
    from runtime.flow.enrollment import enroll_audience

    journey = get_journey(session, journey_id, lock=True)
    change_status(journey, "resume")
    journey.updated_at = now
    journey.paused_reason = None
    brakes.release(session, journey.id, now, list(journey.paused_steps or ()))
    brakes.wake_held_runs(session, journey.id, now, list(journey.paused_steps or ()))
    version = session.get(JourneyVersion, journey.live_version_id)
    enroll_audience(session, journey, version, now)
    return journey


def archive(session: Session, journey_id: int, now: datetime) -> int:
    """End the journey: every unfinished run exits and every unsent message is suppressed, each
    with a reason. Returns how many runs."""
    journey = get_journey(session, journey_id, lock=True)
    change_status(journey, "archive")
    journey.updated_at = now
    journey.paused_reason = None
    brakes.cancel(session, journey.id, now)
    ended = session.execute(
        update(Run).where(Run.journey_id == journey.id, Run.ended_at.is_(None),
                          changeable("exit"))
        .values(status=RunStatus.EXITED, ended_at=now, exit_reason="journey archived",
                wake_at=None, waiting_for=None, claimed_by=None, claimed_at=None,
                version=Run.version + 1))
    return ended.rowcount


def pause_step(session: Session, journey_id: int, node_id: str, now: datetime) -> Journey:
    """Pause one step of a published journey: customers hold before it, its messages wait."""
    journey = get_journey(session, journey_id, lock=True)
    _live_step(session, journey, node_id)
    if node_id not in (journey.paused_steps or []):
        journey.paused_steps = [*(journey.paused_steps or []), node_id]
        journey.updated_at = now
        brakes.pause_step(session, journey.id, node_id, now)
    return journey


def resume_step(session: Session, journey_id: int, node_id: str, now: datetime) -> Journey:
    """Let a paused step run again: the customers held before it go on, its messages are
    released (each judged afresh when it would go; held still while the journey is paused)."""
    journey = get_journey(session, journey_id, lock=True)
    if node_id not in (journey.paused_steps or []):
        raise WrongStateError(f"Step '{node_id}' of '{journey.name}' is not paused.")
    journey.paused_steps = [step for step in journey.paused_steps if step != node_id]
    journey.updated_at = now
    if journey.status is JourneyStatus.PAUSED:
        return journey  # the journey's own pause still holds them; its resume releases them
    brakes.resume_step(session, journey.id, node_id, now)
    return journey


def _live_step(session: Session, journey: Journey, node_id: str) -> None:
    if journey.status not in (JourneyStatus.LIVE, JourneyStatus.PAUSED):
        raise WrongStateError(f"Can't pause a step of '{journey.name}': it is "
                              f"{journey.status.value}; only a published journey's steps run.")
    version = session.get(JourneyVersion, journey.live_version_id)
    if node_id not in {node["id"] for node in version.document.get("nodes", [])}:
        raise NotFoundError("step", node_id)
