"""A/B results: per path of each random split, how many entered and converted, and whether
the difference from the control group is real (server.services.significance).

A customer converts when they do the journey goal's event within its window after entering
(`runs.converted_at`, recorded as events are ingested). A path's customers are the runs whose
step at the split left through that path, so the counts agree with the live stats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from sqlalchemy import false, func, select

from builder.document import Document, Goal
from nodes.kit.spec import Arm
from runtime.run import lifecycle
from runtime.store.models import Run, Step
from server.context import Wayline
from server.schemas.results import GoalSummary, JourneyResults, SplitResult, VariantResult
from server.services.significance import CONFIDENCE_LEVEL, compare, verdict
from server.services.stats import versions_in_scope


def journey_results(wl: Wayline, journey_id: int, number: int | None = None) -> JourneyResults:
    """Conversions overall and per path of every random split, each tested against control."""
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        version_ids, document = versions_in_scope(session, journey, number)
        in_scope = Run.journey_version_id.in_(version_ids) if version_ids else false()
        entered, converted = session.execute(
            select(func.count(), func.count(Run.converted_at)).where(in_scope)).one()
        splits = _splits(wl, document)
        taken: dict[tuple[str, str], tuple[int, int]] = {}
        if splits:
            rows = session.execute(
                select(Step.node_id, Step.port, func.count(), func.count(Run.converted_at))
                .join(Run, Run.id == Step.run_id)
                .where(in_scope, Step.node_id.in_([node.id for node, _ in splits]))
                .group_by(Step.node_id, Step.port)).all()
            taken = {(node_id, port): (count, won) for node_id, port, count, won in rows}
    goal = document.settings.goal if document else None
    return JourneyResults(
        journey_id=journey_id, version=number, goal=_goal(goal), entered=entered,
        converted=converted, rate=converted / entered if entered else None,
        splits=[_split(node, config, taken, goal) for node, config in splits],
        confidence_level=CONFIDENCE_LEVEL, generated_at=wl.now())


def _goal(goal: Goal | None) -> GoalSummary | None:
    if goal is None:
        return None
    return GoalSummary(event=goal.event, within=goal.within.describe(), exit=goal.exit)


def _splits(wl: Wayline, document: Document | None) -> list[tuple[Any, list[Arm]]]:
    """The experiments of the document (steps whose kind has arms), with their arms."""
    found = []
    for node in document.nodes if document is not None else []:
        spec = wl.registry.resolve(node.type, node.version)
        if spec is not None and spec.arms is not None:
            try:
                found.append((node, spec.arms(spec.parse(node.data.config))))
            except msgspec.ValidationError:  # published versions always parse; be safe
                continue
    return found


def _split(node: Any, arms: list[Arm], taken: Mapping[tuple[str, str], tuple[int, int]],
           goal: Goal | None) -> SplitResult:
    paths = [(arm.port, arm.label, arm.percent) for arm in arms]
    # With a control group the paths are compared with it; without, with the first path.
    baseline = next(((arm.port, arm.label, arm.percent) for arm in arms if arm.control),
                    paths[0])
    base_entered, base_converted = taken.get((node.id, baseline[0]), (0, 0))
    variants = []
    for key, label, share in paths:
        entered, converted = taken.get((node.id, key), (0, 0))
        variants.append(_variant(key, label, share, entered, converted, baseline[1],
                                 key == baseline[0], base_entered, base_converted, goal))
    return SplitResult(node_id=node.id, label=node.data.label or "Random split",
                       baseline=baseline[0], baseline_label=baseline[1], variants=variants,
                       summary=_summary(variants, baseline[1], goal))


def _variant(key: str, label: str, share: float, entered: int, converted: int,
             baseline_label: str, is_baseline: bool, base_entered: int, base_converted: int,
             goal: Goal | None) -> VariantResult:
    rate = converted / entered if entered else None
    if is_baseline or goal is None:
        said = ("The baseline the other paths are compared with." if is_baseline else
                "Set a goal in the journey settings to measure conversions.")
        return VariantResult(key=key, label=label, share=share, is_baseline=is_baseline,
                             entered=entered, converted=converted, rate=rate, uplift=None,
                             difference=None, z=None, p_value=None, confidence=None,
                             significant=False, verdict=said)
    result = compare(converted, entered, base_converted, base_entered)
    return VariantResult(
        key=key, label=label, share=share, is_baseline=False, entered=entered,
        converted=converted, rate=rate, uplift=result.uplift, difference=result.difference,
        z=result.z, p_value=result.p_value, confidence=result.confidence,
        significant=result.significant,
        verdict=verdict(label, baseline_label, result, entered=entered,
                        baseline_entered=base_entered))


def _summary(variants: list[VariantResult], baseline_label: str, goal: Goal | None) -> str:
    if goal is None:
        return "This journey has no goal, so there are no conversions to compare: set one in " \
               "the journey settings."
    winners = sorted((variant for variant in variants if variant.significant and
                      (variant.difference or 0) > 0), key=lambda variant: -(variant.rate or 0))
    if winners:
        return winners[0].verdict
    losers = [variant for variant in variants if variant.significant]
    if losers:
        return losers[0].verdict
    challengers = [variant for variant in variants if not variant.is_baseline]
    if any("Too few" in variant.verdict or "No customers" in variant.verdict
           for variant in challengers):
        return f"Too few customers to compare with {baseline_label} yet; keep the test running."
    return f"No path differs clearly from {baseline_label} yet; keep the test running."
