"""The lifecycle stage board: the workspace's stages (read, changed with every problem listed
and an audit row), the board's figures from the summary the `stages` roller keeps, and a roll
on demand. Semantics: `runtime.insight.stages`."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from runtime import insight
from runtime.errors import InvalidInputError
from runtime.insight import stage_reads
from runtime.insight.stages import (
    NO_STAGE,
    SETTING_KEY,
    StageDefinitions,
    changed_stages,
    definition_problems,
    fingerprints,
    load_stages,
)
from runtime.run import lifecycle
from runtime.store.audit import Actor, record
from runtime.store.models import WorkspaceSetting
from runtime.store.stage_models import StageDay, StageMove
from server.context import Wayline
from server.schemas.stages import (
    StageBoard,
    StageCard,
    StageHistoryDay,
    StageStep,
    TransitionJourney,
)

PERIOD_DAYS = 30
"""The period conversions, stays and journeys cover by default: the last 30 days."""

HISTORY_DAYS = 90
"""How many local days the board's chart of stage sizes goes back."""


def get_definitions(wl: Wayline) -> StageDefinitions:
    """The stages in force."""
    with wl.reading() as session:
        return load_stages(session)


def update_definitions(wl: Wayline, actor: Actor, data: StageDefinitions) -> StageDefinitions:
    """Replace the stages (422 listing every problem); the history of the stages that changed
    restarts, and the change goes in the audit trail."""
    data = StageDefinitions(stages=[msgspec.structs.replace(stage, name=stage.name.strip())
                                    for stage in data.stages])
    problems = definition_problems(data, lifecycle.current_limits().max_rule_depth)
    if problems:
        raise InvalidInputError(
            "The stages have problems: " + "; ".join(f"{field}: {message}"
                                                     for field, message in problems[:5]),
            [{"code": "stages.invalid", "field": field, "message": message}
             for field, message in problems])
    with wl.writing() as session:
        old = load_stages(session)
        before, after = msgspec.to_builtins(old), msgspec.to_builtins(data)
        row = session.get(WorkspaceSetting, SETTING_KEY)
        if row is None:
            session.add(WorkspaceSetting(key=SETTING_KEY, value=after, updated_at=wl.now()))
        else:
            row.value, row.updated_at = after, wl.now()
        if before != after:
            restarted = changed_stages(fingerprints(old), fingerprints(data))
            _restart_history(session, restarted)
            record(session, actor, "stages.changed", object_kind="workspace",
                   object_id=SETTING_KEY, object_name="Lifecycle stages", at=wl.now(),
                   before=before, after={**after, "restarted": sorted(restarted)})
    return data


def refresh(wl: Wayline, days: int = PERIOD_DAYS) -> StageBoard:
    """Roll the stages now (whatever the roller's interval), then the board."""
    insight.roll_up(wl.runtime.sessions, wl.now(), ZoneInfo(wl.settings.timezone),
                    keys=["stages"], force=True)
    return get_board(wl, days)


def get_board(wl: Wayline, days: int = PERIOD_DAYS) -> StageBoard:
    """The board over the last `days` days: sizes, history, conversions, stays, journeys."""
    until = wl.now()
    since = until - timedelta(days=days)
    zone = ZoneInfo(wl.settings.timezone)
    with wl.reading() as session:
        definitions = load_stages(session)
        as_of, sizes = stage_reads.stage_sizes(session)
        today = until.astimezone(zone).date()
        history = stage_reads.stage_history(session, today - timedelta(days=HISTORY_DAYS - 1),
                                            today)
        advanced = stage_reads.stage_conversions(session, since, until)
        stays = stage_reads.time_in_stage(session, since, until)
        credited = stage_reads.moving_journeys(session, since, until)
        rolled_at = insight.rolled_at(session, "stages")
    keys = [stage.key for stage in definitions.stages]
    total = sum(sizes.values())
    cards = [StageCard(key=stage.key, name=stage.name, customers=sizes.get(stage.key, 0),
                       share=sizes.get(stage.key, 0) / total if total else 0.0,
                       entered=_moves(stays, stage.key), left=_timed(stays, stage.key),
                       median_stay_seconds=_median(stays, stage.key))
             for stage in definitions.stages]
    return StageBoard(stages=cards, not_in_stage=sizes.get(NO_STAGE, 0), total=total,
                      as_of=as_of, rolled_at=rolled_at, since=since, until=until,
                      steps=_steps(keys, advanced), history=_history(keys, history),
                      journeys=[TransitionJourney(**vars(row)) for row in credited
                                if row.from_stage in keys or row.from_stage == NO_STAGE])


def _restart_history(session: Session, stages: set[str]) -> None:
    """Forget the moves and daily sizes of stages whose definition changed."""
    if not stages:
        return
    keys = sorted(stages)
    moves = StageMove.__table__
    session.execute(delete(moves).where(or_(moves.c.from_stage.in_(keys),
                                            moves.c.to_stage.in_(keys))))
    session.execute(delete(StageDay.__table__).where(StageDay.__table__.c.stage.in_(keys)))


def _steps(keys: list[str], advanced: dict[str, stage_reads.StageFigure]) -> list[StageStep]:
    steps = []
    for here, there in zip(keys, keys[1:], strict=False):
        entered, reached = _moves(advanced, here), _timed(advanced, here)
        steps.append(StageStep(from_stage=here, to_stage=there, entered=entered,
                               reached=reached,
                               conversion=reached / entered if entered else None,
                               median_seconds=_median(advanced, here)))
    return steps


def _history(keys: list[str], rows: list[tuple]) -> list[StageHistoryDay]:
    by_day: dict = {}
    for day, stage, count in rows:
        by_day.setdefault(day, {})[stage] = count
    return [StageHistoryDay(day=day, customers=[counts.get(key, 0) for key in keys],
                            none=counts.get(NO_STAGE, 0)) for day, counts in by_day.items()]


def _moves(figures: dict[str, stage_reads.StageFigure], key: str) -> int:
    return figures[key].moves if key in figures else 0


def _timed(figures: dict[str, stage_reads.StageFigure], key: str) -> int:
    return figures[key].timed if key in figures else 0


def _median(figures: dict[str, stage_reads.StageFigure], key: str) -> float | None:
    figure = figures.get(key)
    return round(figure.median_seconds, 3) if figure and figure.median_seconds is not None \
        else None
