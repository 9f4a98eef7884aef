"""The `stages` roller: places every customer in the furthest lifecycle stage whose rule they
match, records who moved (and which journey moved them), and snapshots today's stage sizes.

The semantics are in `runtime.insight.stages`. One roll, in one transaction:
1. every customer's stage now, from one CASE over all stage rules (last stage first) compiled
   to SQL by `runtime.audience.query`, compared with `customer_stages`; the customers whose
   stage differs go to the scratch table `stage_changes` (a handful, after the first roll);
2. their open moves are closed (`left_at`), their earlier moves into a stage before the new one
   marked advanced, and a move written for each (unless it is the first roll, or the change
   involves a stage whose definition changed);
3. `customer_stages` takes the new stages; today's `stage_days` rows are replaced.
Rolling twice at the same time changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from runtime.audience.query import customers, plan_audience_queries, session_clause
from runtime.insight import RollContext, Roller
from runtime.insight.stages import (
    NO_STAGE,
    StageDefinitions,
    changed_stages,
    fingerprints,
    load_stages,
    stage_positions,
)
from runtime.store.models import Run
from runtime.store.stage_models import CustomerStage, StageChange, StageDay, StageMove

placed = CustomerStage.__table__
moves = StageMove.__table__
changes = StageChange.__table__
days = StageDay.__table__


def roll(session: Session, context: RollContext) -> dict[str, Any]:
    """Re-place every customer; the fingerprints of the stages rolled with, and counts."""
    definitions = load_stages(session)
    now = context.now
    prints = fingerprints(definitions)
    before = context.state.get("fingerprints")
    session.execute(delete(changes))
    found = _find_changes(session, definitions, now)
    moved = 0
    if before is not None and found:
        changed = changed_stages(before, prints)
        _close_moves(session, definitions, now)
        moved = _write_moves(session, changed, now)
    session.execute(delete(placed).where(placed.c.customer_id.in_(select(changes.c.customer_id))))
    session.execute(insert(placed).from_select(
        ["customer_id", "stage", "since"],
        select(changes.c.customer_id, changes.c.to_stage, literal(now, placed.c.since.type))))
    session.execute(delete(changes))
    _snapshot(session, context)
    return {"fingerprints": prints, "changed": found, "moves": moved}


def _find_changes(session: Session, definitions: StageDefinitions, now: datetime) -> int:
    """Fill `stage_changes` with the customers whose stage is not the one they are in; how many."""
    plan_audience_queries(session)
    whens = [(session_clause(session, stage.rule, now), stage.key)
             for stage in reversed(definitions.stages)]
    stage_now = case(*whens, else_=literal(NO_STAGE)) if whens else literal(NO_STAGE)
    current = (select(customers.c.id.label("customer_id"), placed.c.stage.label("from_stage"),
                      stage_now.label("to_stage"))
               .select_from(customers.outerjoin(placed, placed.c.customer_id == customers.c.id))
               .subquery())
    session.execute(insert(changes).from_select(
        ["customer_id", "from_stage", "to_stage"],
        select(current.c.customer_id, current.c.from_stage, current.c.to_stage)
        .where(current.c.to_stage.is_distinct_from(current.c.from_stage))))
    # Counted, not the INSERT's rowcount: not every driver reports one for INSERT … SELECT.
    return session.scalar(select(func.count()).select_from(changes)) or 0


def _close_moves(session: Session, definitions: StageDefinitions, now: datetime) -> None:
    """The changed customers left the stage of their open move, and got further than every
    stage before their new one."""
    changed_ids = select(changes.c.customer_id)
    session.execute(update(moves).where(moves.c.left_at.is_(None),
                                        moves.c.customer_id.in_(changed_ids))
                    .values(left_at=now))
    positions = stage_positions(definitions)
    new_position = (select(case(positions, value=changes.c.to_stage, else_=-1))
                    .where(changes.c.customer_id == moves.c.customer_id).scalar_subquery())
    session.execute(update(moves).where(
        moves.c.advanced_at.is_(None), moves.c.customer_id.in_(changed_ids),
        case(positions, value=moves.c.to_stage, else_=-1) < new_position)
        .values(advanced_at=now))


def _write_moves(session: Session, changed: set[str], now: datetime) -> int:
    """One move per changed customer whose change involves no redefined stage, credited to the
    journey they were most recently in; how many."""
    runs = Run.__table__
    left_stage = func.coalesce(changes.c.from_stage, NO_STAGE)
    journey = (select(runs.c.journey_id)
               .where(runs.c.customer_id == changes.c.customer_id, runs.c.entered_at <= now,
                      or_(placed.c.since.is_(None), runs.c.ended_at.is_(None),
                          runs.c.ended_at >= placed.c.since))
               .order_by(runs.c.entered_at.desc(), runs.c.id.desc()).limit(1)
               .scalar_subquery())
    counted = and_(left_stage != changes.c.to_stage, left_stage.not_in(sorted(changed)),
                   changes.c.to_stage.not_in(sorted(changed)))
    session.execute(insert(moves).from_select(
        ["customer_id", "from_stage", "to_stage", "moved_at", "journey_id"],
        select(changes.c.customer_id, left_stage, changes.c.to_stage,
               literal(now, moves.c.moved_at.type), journey)
        .select_from(changes.outerjoin(placed, placed.c.customer_id == changes.c.customer_id))
        .where(counted)))
    return session.scalar(select(func.count()).select_from(moves)
                          .where(moves.c.moved_at == now)) or 0


def _snapshot(session: Session, context: RollContext) -> None:
    """Today's customers per stage, replacing what an earlier roll today wrote."""
    today = context.today()
    session.execute(delete(days).where(days.c.day == today))
    session.execute(insert(days).from_select(
        ["day", "stage", "customers"],
        select(literal(today, days.c.day.type), placed.c.stage, func.count())
        .group_by(placed.c.stage)))


ROLLER = Roller("stages", timedelta(minutes=10), roll)
