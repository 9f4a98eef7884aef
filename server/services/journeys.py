"""Journeys: create, list, edit the draft, validate, publish, pause, resume, archive, clone,
versions, export and import."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from builder.compiled import compile_journey
from builder.diff import summarize_changes
from builder.document import empty_document, upgraded
from builder.i18n import fill
from builder.validation import Issue, has_errors, validate_journey
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.run import flight, lifecycle
from runtime.run.flight import StepMove
from runtime.store.audit import Actor, record
from runtime.store.models import (
    HELD_ONLY,
    Journey,
    JourneyStatus,
    JourneyVersion,
    Message,
    Run,
    RunStatus,
)
from runtime.store.team_models import AuditEvent
from server.context import Wayline
from server.errors import as_issue
from server.schemas.journeys import (
    Archived,
    JourneyCounts,
    JourneyCreate,
    JourneyDetail,
    JourneyExport,
    JourneyPage,
    JourneySummary,
    JourneyUpdate,
    Published,
    ValidationReport,
    VersionDetail,
    VersionSummary,
)
from server.services import flight as flight_service
from server.services.workspace_settings import approvals_required

log = logging.getLogger("wayline.server")

REFUSED_ON_IMPORT = ("document.invalid", "node.unknown_kind", "journey.too_large",
                     "rule.too_deep")
"""Issues that make a file unusable as a draft (unreadable, or past the workspace's limits);
anything else is imported and shown to fix."""


def list_journeys(wl: Wayline, status: JourneyStatus | None = None, search: str | None = None,
                  limit: int = 50, offset: int = 0) -> JourneyPage:
    """A page of journeys, most recently edited first, with their customer counts."""
    query = select(Journey)
    if status is not None:
        query = query.where(Journey.status == status)
    if search:
        query = query.where(func.lower(Journey.name).contains(search.lower(), autoescape=True))
    with wl.reading() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        journeys = session.scalars(query.order_by(Journey.updated_at.desc(), Journey.id.desc())
                                   .limit(limit).offset(offset)).all()
        items = summaries(session, journeys)
    return JourneyPage(items=items, total=total, limit=limit, offset=offset)


def create_journey(wl: Wayline, actor: Actor, data: JourneyCreate,
                   action: str = "journey.created") -> JourneyDetail:
    """A new draft journey (a blank canvas unless a document is given)."""
    document = data.document if data.document is not None else empty_document(wl.settings.timezone)
    _refuse_unreadable(wl, document)
    with wl.writing() as session:
        now = wl.now()
        journey = Journey(name=data.name.strip(), description=data.description, draft=document,
                          status=JourneyStatus.DRAFT, created_at=now, updated_at=now)
        session.add(journey)
        session.flush()
        _audit(session, actor, action, journey, now)
        return _detail(wl, session, journey)


def get_journey(wl: Wayline, journey_id: int) -> JourneyDetail:
    """One journey with its draft and the draft's issues."""
    with wl.reading() as session:
        return _detail(wl, session, lifecycle.get_journey(session, journey_id))


def update_journey(wl: Wayline, actor: Actor, journey_id: int,
                   data: JourneyUpdate) -> JourneyDetail:
    """Rename, describe or save the draft; a stale `revision` is refused (409), not overwritten.
    A saved document is validated once: that check both refuses an unreadable one and is the
    issues the answer carries (a canvas change is checked once, not once per step)."""
    with wl.writing() as session:
        issues = None
        if data.document is not None:
            issues = lifecycle.check_journey(session, data.document, wl.registry,
                                             wl.settings.limits)
            _refuse_issues(issues)
        journey = lifecycle.get_journey(session, journey_id, lock=True)
        if journey.status is JourneyStatus.ARCHIVED:
            raise WrongStateError(f"'{journey.name}' is archived and can't be edited; "
                                  "clone it to work on a copy.")
        if data.revision is not None and data.revision != journey.draft_revision:
            raise WrongStateError(
                f"'{journey.name}' was changed elsewhere (now at revision "
                f"{journey.draft_revision}, this change was made on {data.revision}); "
                "reload it and make the change again.")
        if data.name is not None and data.name.strip() != journey.name:
            _audit(session, actor, "journey.renamed", journey, wl.now(),
                   before={"name": journey.name}, after={"name": data.name.strip()})
            journey.name = data.name.strip()
        if data.description is not None and data.description != journey.description:
            _audit(session, actor, "journey.described", journey, wl.now(), coalesce=True,
                   before={"description": journey.description},
                   after={"description": data.description})
            journey.description = data.description
        if data.document is not None and data.document != journey.draft:
            journey.draft = data.document
            journey.draft_revision += 1
            _audit(session, actor, "journey.draft_saved", journey, wl.now(), coalesce=True,
                   after={"revision": journey.draft_revision})
        journey.updated_at = wl.now()
        session.flush()
        return _detail(wl, session, journey, issues)


def draft_revision(wl: Wayline, journey_id: int) -> int:
    """The draft's revision (open editors poll it to notice saves made elsewhere)."""
    with wl.reading() as session:
        revision = session.scalar(select(Journey.draft_revision).where(Journey.id == journey_id))
    if revision is None:
        raise NotFoundError("journey", journey_id)
    return revision


def validate_document(wl: Wayline, document: Any) -> ValidationReport:
    """Every issue in a document, as publishing would see it (templates and segments checked)."""
    with wl.reading() as session:
        return _report(lifecycle.check_journey(session, document, wl.registry))


def validate_draft(wl: Wayline, journey_id: int) -> ValidationReport:
    """Every issue in a journey's saved draft."""
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        return _report(lifecycle.check_journey(session, journey.draft, wl.registry))


def publish_journey(wl: Wayline, actor: Actor, journey_id: int,
                    moves: Mapping[str, StepMove] | None = None) -> Published:
    """Freeze the draft as a new live version; 409 with the issues when it has errors, or when
    the workspace publishes only through approved requests. With `moves`, customers in flight
    on the live version are moved as that map says (`server.services.flight`); 422 listing
    every problem with the map."""
    with wl.writing() as session:
        if approvals_required(session):
            raise WrongStateError("This workspace publishes through approvals: ask to publish, "
                                  "and a publisher approves the request.")
        result = publish_in(wl, session, actor, journey_id, moves=moves)
    published(wl, journey_id, result)
    return result


def publish_in(wl: Wayline, session: Session, actor: Actor, journey_id: int, *,
               approved: str = "", revision: int | None = None,
               moves: Mapping[str, StepMove] | None = None) -> Published:
    """Publish within the caller's transaction (an approval publishes and decides in one);
    409 when the draft has errors or is no longer at `revision`."""
    current = lifecycle.get_journey(session, journey_id, lock=True)
    if revision is not None and current.draft_revision != revision:
        raise WrongStateError(f"'{current.name}' changed after revision {revision} (the "
                              f"draft is at {current.draft_revision}): ask again.")
    before = _live_document(session, journey_id)
    live_version_id = current.live_version_id
    try:
        version = lifecycle.publish(session, journey_id, wl.now(), wl.registry)
    except InvalidInputError as error:
        raise WrongStateError(error.message, error.issues) from None
    version.published_by = actor.name
    moving = _move_in_flight(wl, session, actor, current, live_version_id, version, moves)
    entered = session.scalar(select(func.count()).select_from(Run)
                             .where(Run.journey_version_id == version.id))
    current.updated_at = wl.now()
    changes = summarize_changes(before, version.document, wl.registry)
    _audit(session, actor, "journey.published", current, wl.now(),
           after={"version": version.number, "entered": entered, "changes": changes,
                  **({"flight": moving[1]} if moving else {})},
           summary=f"published version {version.number}: {changes}" +
           (f"; {moving[1]}" if moving else "") + (f" ({approved})" if approved else ""))
    session.flush()
    return Published(journey=summaries(session, [current])[0], version=version.number,
                     entered=entered, moving=moving[0] if moving else 0)


def _move_in_flight(wl: Wayline, session: Session, actor: Actor, journey: Journey,
                    live_version_id: int | None, version: JourneyVersion,
                    moves: Mapping[str, StepMove] | None) -> tuple[int, str] | None:
    """Record the move of the customers in flight a map asks for; (how many move or leave,
    the preview in words), or None when no one does."""
    if live_version_id is None or moves is None:
        return None
    new = compile_journey(version.document, wl.registry)  # not cached: not committed yet
    plan = flight_service.flight_plan(session, live_version_id, new, moves, wl.now())
    live, _old, full, preview = plan
    move = flight.start(session, journey.id, live.id, version.id, full, preview, actor.name,
                        wl.now())
    if move is None:
        return None
    return (sum(preview.targets.values()) + preview.leaving,
            flight_service.describe(preview, new, version.number))


def published(wl: Wayline, journey_id: int, result: Published) -> None:
    """After a publish commits: log it and have the new version's customers moved soon."""
    log.info("journey %d published as version %d, %d customers entered", journey_id,
             result.version, result.entered, extra={
                 "journey_id": journey_id, "version": result.version,
                 "entered": result.entered})
    wl.sweep_soon()


def pause_journey(wl: Wayline, actor: Actor, journey_id: int,
                  reason: str = "") -> JourneySummary:
    """Admit no one; hold every customer where they are and every unsent message."""
    with wl.writing() as session:
        said = f"Paused by {actor.name}" + (f": {reason.strip()}" if reason.strip() else "")
        journey = lifecycle.pause(session, journey_id, wl.now(), said)
        _audit(session, actor, "journey.paused", journey, wl.now(), summary=said)
        session.flush()
        log.info("journey %d paused", journey_id, extra={"journey_id": journey_id})
        return summaries(session, [journey])[0]


def resume_journey(wl: Wayline, actor: Actor, journey_id: int) -> JourneySummary:
    """Admit customers again and move everyone held (overdue waits fire now)."""
    with wl.writing() as session:
        journey = lifecycle.resume(session, journey_id, wl.now())
        _audit(session, actor, "journey.resumed", journey, wl.now())
        session.flush()
        result = summaries(session, [journey])[0]
    log.info("journey %d resumed", journey_id, extra={"journey_id": journey_id})
    wl.sweep_soon()
    return result


def pause_step(wl: Wayline, actor: Actor, journey_id: int, node_id: str) -> JourneySummary:
    """Pause one step of a published journey: customers hold before it, its messages wait."""
    with wl.writing() as session:
        journey = lifecycle.pause_step(session, journey_id, node_id, wl.now())
        _audit(session, actor, "journey.step_paused", journey, wl.now(),
               summary=f"paused step '{node_id}'", after={"step": node_id})
        session.flush()
        return summaries(session, [journey])[0]


def resume_step(wl: Wayline, actor: Actor, journey_id: int, node_id: str) -> JourneySummary:
    """Let a paused step run again; the customers held before it move on."""
    with wl.writing() as session:
        journey = lifecycle.resume_step(session, journey_id, node_id, wl.now())
        _audit(session, actor, "journey.step_resumed", journey, wl.now(),
               summary=f"resumed step '{node_id}'", after={"step": node_id})
        session.flush()
        result = summaries(session, [journey])[0]
    wl.sweep_soon()
    return result


def archive_journey(wl: Wayline, actor: Actor, journey_id: int) -> Archived:
    """End the journey for good; every customer still in it leaves with a reason."""
    with wl.writing() as session:
        ended = lifecycle.archive(session, journey_id, wl.now())
        journey = lifecycle.get_journey(session, journey_id)
        _audit(session, actor, "journey.archived", journey, wl.now(),
               after={"ended_runs": ended})
        session.flush()
        log.info("journey %d archived, %d runs ended", journey_id, ended,
                 extra={"journey_id": journey_id, "ended_runs": ended})
        return Archived(journey=summaries(session, [journey])[0], ended_runs=ended)


COPY_OF = "Copy of {name}"
"""What a copy is called when no name is given; a page passes it in its reader's language
(builder.ui.reason_words.NAMES), and the name is stored as it was said."""


def clone_journey(wl: Wayline, actor: Actor, journey_id: int, name: str | None = None,
                  copy_of: str = COPY_OF) -> JourneyDetail:
    """A new draft with the same document (and no customers), named `copy_of` (with the
    source's {name}) unless `name` is given."""
    with wl.writing() as session:
        source = lifecycle.get_journey(session, journey_id)
        now = wl.now()
        clone = Journey(name=(name or fill(copy_of, {"name": source.name}))[:200].strip(),
                        description=source.description,
                        draft=upgraded(copy.deepcopy(source.draft), wl.registry),
                        status=JourneyStatus.DRAFT, created_at=now, updated_at=now)
        session.add(clone)
        session.flush()
        _audit(session, actor, "journey.cloned", clone, now,
               summary=f"cloned from '{source.name}' (#{source.id})")
        return _detail(wl, session, clone)


def list_versions(wl: Wayline, journey_id: int) -> list[VersionSummary]:
    """Every published version of a journey, newest first, with how many customers each holds."""
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        customers = dict(session.execute(
            select(Run.journey_version_id, func.count()).where(Run.journey_id == journey_id,
                                                               Run.ended_at.is_(None))
            .group_by(Run.journey_version_id)).all())
        versions = session.scalars(select(JourneyVersion).where(
            JourneyVersion.journey_id == journey_id).order_by(JourneyVersion.number.desc()))
        said = _publish_summaries(session, journey_id)
        return [_version(version, journey, customers.get(version.id, 0),
                         said.get(version.number)) for version in versions]


def get_version(wl: Wayline, journey_id: int, number: int) -> VersionDetail:
    """One published version (by its number) with its frozen document."""
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        version = find_version(session, journey, number)
        customers = session.scalar(select(func.count()).select_from(Run).where(
            Run.journey_version_id == version.id, Run.ended_at.is_(None)))
        said = _publish_summaries(session, journey_id).get(number)
        return VersionDetail(version=_version(version, journey, customers, said),
                             document=version.document)


def find_version(session: Session, journey: Journey, number: int) -> JourneyVersion:
    """A journey's published version by its number; NotFoundError naming both."""
    version = session.scalar(select(JourneyVersion).where(
        JourneyVersion.journey_id == journey.id, JourneyVersion.number == number))
    if version is None:
        raise NotFoundError(f"version of '{journey.name}'", number)
    return version


def export_journey(wl: Wayline, journey_id: int) -> JourneyExport:
    """The journey's draft as a file another Wayline can import."""
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        return JourneyExport(name=journey.name, description=journey.description,
                             document=journey.draft, exported_at=wl.now())


def import_journey(wl: Wayline, actor: Actor, data: JourneyExport) -> JourneyDetail:
    """A new draft from an exported file. Unreadable documents and unknown node kinds are
    refused (422, each named); other problems come back as issues to fix on the canvas."""
    document = upgraded(data.document, wl.registry) if isinstance(data.document, dict) \
        else data.document  # a file made from a published version may hold older kinds
    return create_journey(wl, actor, JourneyCreate(name=data.name, description=data.description,
                                                   document=document), "journey.imported")


# --- shared -----------------------------------------------------------------------------------


def summaries(session: Session, journeys: Iterable[Journey]) -> list[JourneySummary]:
    """List rows for journeys, counting their customers in one query."""
    journeys = list(journeys)
    counts = _counts(session, [journey.id for journey in journeys])
    held = _held(session, [journey.id for journey in journeys
                           if journey.status is JourneyStatus.PAUSED or journey.paused_steps])
    live = _live_versions(session, [j.live_version_id for j in journeys if j.live_version_id])
    return [JourneySummary(
        id=journey.id, name=journey.name, description=journey.description,
        status=journey.status.value,
        live_version=live[journey.live_version_id].number if journey.live_version_id else None,
        draft_revision=journey.draft_revision,
        has_unpublished_changes=_changed(journey, live.get(journey.live_version_id)),
        counts=counts.get(journey.id, JourneyCounts()),
        created_at=journey.created_at, updated_at=journey.updated_at,
        paused_reason=journey.paused_reason, paused_steps=list(journey.paused_steps or ()),
        held_messages=held.get(journey.id, 0)) for journey in journeys]


def _held(session: Session, journey_ids: list[int]) -> dict[int, int]:
    """Held messages per journey (the partial index on held messages answers it)."""
    if not journey_ids:
        return {}
    return dict(session.execute(select(Message.journey_id, func.count())
                                .where(HELD_ONLY, Message.journey_id.in_(journey_ids))
                                .group_by(Message.journey_id)).all())


def _counts(session: Session, journey_ids: list[int]) -> dict[int, JourneyCounts]:
    if not journey_ids:
        return {}
    rows = session.execute(select(
        Run.journey_id, func.count(),
        func.sum(case((Run.ended_at.is_(None), 1), else_=0)),
        func.sum(case((Run.status == RunStatus.DONE, 1), else_=0)),
        func.sum(case((Run.status == RunStatus.EXITED, 1), else_=0)),
        func.sum(case((Run.exit_reason.startswith("converted"), 1), else_=0)),
    ).where(Run.journey_id.in_(journey_ids)).group_by(Run.journey_id))
    return {journey_id: JourneyCounts(active=int(active or 0), entered=entered,
                                      completed=int(done or 0), exited=int(exited or 0),
                                      converted=int(converted or 0))
            for journey_id, entered, active, done, exited, converted in rows}


def _live_versions(session: Session, ids: list[int]) -> dict[int, JourneyVersion]:
    if not ids:
        return {}
    return {version.id: version for version in
            session.scalars(select(JourneyVersion).where(JourneyVersion.id.in_(ids)))}


def _changed(journey: Journey, live: JourneyVersion | None) -> bool:
    """True when the draft differs from the live version (publishing adds node versions)."""
    if live is None:
        return journey.status is not JourneyStatus.ARCHIVED
    return _unversioned(live.document) != _unversioned(journey.draft)


def _unversioned(document: Mapping[str, Any]) -> Any:
    if not isinstance(document, Mapping) or not isinstance(document.get("nodes"), list):
        return document
    nodes = [{key: value for key, value in node.items() if key != "version"}
             if isinstance(node, Mapping) else node for node in document["nodes"]]
    return {**document, "nodes": nodes}


def _detail(wl: Wayline, session: Session, journey: Journey,
            issues: list[Issue] | None = None) -> JourneyDetail:
    """The journey's detail; `issues` are its draft's when the caller has just checked it."""
    if issues is None:
        issues = lifecycle.check_journey(session, journey.draft, wl.registry)
    return JourneyDetail(journey=summaries(session, [journey])[0], document=journey.draft,
                         issues=[as_issue(issue) for issue in issues])


def _report(issues: list[Any]) -> ValidationReport:
    errors = sum(issue.severity == "error" for issue in issues)
    return ValidationReport(issues=[as_issue(issue) for issue in issues], errors=errors,
                            warnings=len(issues) - errors, publishable=not has_errors(issues))


def _refuse_unreadable(wl: Wayline, document: Any) -> None:
    """A draft may be unfinished, but it must be a journey document of known node kinds within
    the workspace's limits. A refusal lists every problem, as validating does: the refusing
    ones first, then the rest, so one import attempt shows everything to fix."""
    issues = validate_journey(document, wl.registry, limits=wl.settings.limits)
    if not any(issue.code in REFUSED_ON_IMPORT for issue in issues):
        return
    with wl.reading() as session:  # templates and segments looked up too, as validate does
        _refuse_issues(lifecycle.check_journey(session, document, wl.registry,
                                               wl.settings.limits))


def _refuse_issues(issues: list[Issue]) -> None:
    """Refuse a document whose issues (all of them, as checking found them) make it
    unreadable; the refusal lists the refusing ones first, then the rest."""
    if not any(issue.code in REFUSED_ON_IMPORT for issue in issues):
        return
    fatal = [issue for issue in issues if issue.code in REFUSED_ON_IMPORT]
    rest = [issue for issue in issues if issue.code not in REFUSED_ON_IMPORT]
    also = f" (and {len(rest)} other problem(s), listed)" if rest else ""
    raise InvalidInputError("This isn't a journey Wayline can open: " +
                            "; ".join(issue.message for issue in fatal[:5]) + also, fatal + rest)


def _audit(session: Session, actor: Actor, action: str, journey: Journey, at: Any,
           **details: Any) -> None:
    record(session, actor, action, object_kind="journey", object_id=journey.id,
           object_name=journey.name, at=at, **details)


def _live_document(session: Session, journey_id: int) -> Any:
    """The live version's document before a publish (None for a first version)."""
    return session.scalar(select(JourneyVersion.document)
                          .join(Journey, Journey.live_version_id == JourneyVersion.id)
                          .where(Journey.id == journey_id))


def _version(version: JourneyVersion, journey: Journey, customers: int,
             summary: str | None) -> VersionSummary:
    is_live = version.id == journey.live_version_id
    status = "live" if is_live and journey.status is not JourneyStatus.ARCHIVED \
        else "holding" if customers else "retired"
    return VersionSummary(id=version.id, number=version.number,
                          published_at=version.published_at, published_by=version.published_by,
                          is_live=is_live, customers=customers, status=status, summary=summary)


def _publish_summaries(session: Session, journey_id: int) -> dict[int, str]:
    """Version number → what publishing it changed, from the journey's publish audit rows (rows
    written before they kept the changes apart say them after "published version N: ")."""
    rows = session.execute(select(AuditEvent.after, AuditEvent.summary).where(
        AuditEvent.action == "journey.published", AuditEvent.object_kind == "journey",
        AuditEvent.object_id == str(journey_id)))
    return {after["version"]: after.get("changes") or summary.split(": ", 1)[-1]
            for after, summary in rows
            if isinstance(after, Mapping) and isinstance(after.get("version"), int)}



