"""Customers in flight when a new version is published: the map's preview, publishing with
it, and the moves made (`runtime.run.flight` does the moving)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.compiled import CompiledJourney, compile_journey
from builder.validation import has_errors
from runtime.errors import InvalidInputError, WrongStateError
from runtime.run import flight, lifecycle
from runtime.run.flight import StepMove
from runtime.store.models import FlightMove, Journey, JourneyVersion
from runtime.store.versions import load_compiled
from server.context import Wayline
from server.schemas.flight import FlightMoveOut, FlightPreview, FlightStep, FlightTarget


def preview_flight(wl: Wayline, journey_id: int,
                   moves: Mapping[str, StepMove] | None = None) -> FlightPreview:
    """What publishing the draft would do to the customers in flight: the given map over the
    defaults, per step of the live version, per step of the draft, and the messages that would
    follow at once. 409 when the draft can't be published."""
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        new = _draft_plan(wl, session, journey)
        if journey.live_version_id is None:
            return FlightPreview(live_version=None, steps=[], targets=[], moving=0, leaving=0,
                                 staying=0, restarting=0, messages_at_once=0, estimated=False,
                                 summary="No one is in flight: this is the first version.",
                                 problems=[])
        live = session.get(JourneyVersion, journey.live_version_id)
        old = load_compiled(session, {live.id})[live.id]
        return _preview(session, old, live, new, moves, wl.now())


def flight_plan(session: Session, live_version_id: int, new: CompiledJourney,
                moves: Mapping[str, StepMove], now: datetime
                ) -> tuple[JourneyVersion, CompiledJourney, dict[str, StepMove], flight.Preview]:
    """For a publish with a map: the version customers are in, its plan, the full map and its
    preview; 422 listing every problem with the map."""
    live = session.get(JourneyVersion, live_version_id)
    old = load_compiled(session, {live.id})[live.id]
    issues = flight.check_moves(old, new, live.number, moves)
    if issues:
        raise InvalidInputError("The map for customers in flight has problems.", issues)
    if session.scalar(select(FlightMove.id).where(FlightMove.journey_id == live.journey_id,
                                                  FlightMove.finished_at.is_(None)).limit(1)):
        raise WrongStateError("Customers in flight are still being moved to the live version: "
                              "publish with a map again when that move has finished.")
    full = flight.completed(old, new, moves)
    return live, old, full, flight.preview(session, old, live.id, new, full, now, walk=False)


def list_moves(wl: Wayline, journey_id: int) -> list[FlightMoveOut]:
    """The moves of customers in flight made when publishing, newest first."""
    with wl.reading() as session:
        lifecycle.get_journey(session, journey_id)
        numbers = dict(session.execute(select(JourneyVersion.id, JourneyVersion.number)
                                       .where(JourneyVersion.journey_id == journey_id)).all())
        moves = session.scalars(select(FlightMove).where(FlightMove.journey_id == journey_id)
                                .order_by(FlightMove.id.desc()).limit(100))
        return [FlightMoveOut(
            id=move.id, from_version=numbers.get(move.from_version_id, 0),
            to_version=numbers.get(move.to_version_id, 0),
            moves=flight.stored_moves(move),
            expected=dict((move.expected or {}).get("targets") or {}),
            moved=sum(step.get("moved", 0) for step in (move.done or {}).values()),
            left=sum(step.get("left", 0) for step in (move.done or {}).values()),
            created_by=move.created_by, created_at=move.created_at,
            finished_at=move.finished_at) for move in moves]


def describe(preview: flight.Preview, new: CompiledJourney, number: int) -> str:
    """The preview in a sentence, for the publish dialog and the audit trail."""
    moving = sum(preview.targets.values())
    parts = []
    if moving:
        where = ", ".join(f"{count:,} to '{new.label(node_id)}'"
                          for node_id, count in sorted(preview.targets.items(),
                                                       key=lambda item: -item[1])[:4])
        parts.append(f"{moving:,} customers in flight move to version {number} ({where})")
    if preview.leaving:
        parts.append(f"{preview.leaving:,} leave the journey")
    if preview.staying:
        parts.append(f"{preview.staying:,} stay on the version they are in")
    if preview.messages:
        parts.append(f"{'about ' if preview.sampled else ''}{preview.messages:,} messages go "
                     "out at once")
    return "; ".join(parts) or "No one is in flight."


def _draft_plan(wl: Wayline, session: Session, journey: Journey) -> CompiledJourney:
    issues = lifecycle.check_journey(session, journey.draft, wl.registry)
    if has_errors(issues):
        raise WrongStateError(f"'{journey.name}' has problems to fix before publishing.",
                              [issue for issue in issues if issue.severity == "error"])
    return compile_journey(journey.draft, wl.registry)


def _preview(session: Session, old: CompiledJourney, live: JourneyVersion, new: CompiledJourney,
             moves: Mapping[str, StepMove] | None, now: datetime) -> FlightPreview:
    problems = flight.check_moves(old, new, live.number, moves or {})
    defaults = flight.default_moves(old, new)
    full = flight.completed(old, new, moves or {})
    counted = flight.preview(session, old, live.id, new, full, now)
    number = live.number + 1
    steps = [FlightStep(node_id=node_id, label=old.label(node_id), kind=old.specs[node_id].label,
                        customers=counted.steps.get(node_id, 0),
                        waiting=counted.waiting.get(node_id, 0),
                        choice=full[node_id], default=defaults[node_id],
                        keeps_wait=flight.keeps_wait(old, node_id, new, full[node_id]),
                        entry=node_id == old.entry_id)
             for node_id in _in_order(old)]
    targets = [FlightTarget(node_id=node_id, label=new.label(node_id),
                            kind=new.specs[node_id].label,
                            customers=counted.targets.get(node_id, 0),
                            entry=node_id == new.entry_id)
               for node_id in _in_order(new)]
    return FlightPreview(
        live_version=live.number, steps=steps, targets=targets,
        moving=sum(counted.targets.values()), leaving=counted.leaving,
        staying=counted.staying, restarting=counted.restarting,
        messages_at_once=counted.messages, estimated=counted.sampled,
        summary=describe(counted, new, number), problems=problems)


def _in_order(plan: CompiledJourney) -> list[str]:
    """Steps as the document lists them (the canvas's order)."""
    return [node.id for node in plan.document.nodes if node.id in plan.specs]
