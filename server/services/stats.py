"""Live stats of a published journey, per node and per output, in a handful of grouped queries.

Every query filters runs by `journey_version_id IN (…)`, which the runs index
(journey_version_id, node_id, status) serves; steps and messages are reached from runs through
their (run_id, …) keys, so no query scans a whole table of another journey's history.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec
from sqlalchemy import case, false, func, select
from sqlalchemy.orm import Session

from builder.document import Document, Goal, port_of
from runtime.errors import NotFoundError
from runtime.insight import rolled_at
from runtime.insight.rollers.journey_days import KEY as JOURNEY_DAYS
from runtime.insight.steps import StepFigures, step_figures
from runtime.run import lifecycle
from runtime.store.models import Journey, JourneyVersion, Run, RunStatus
from server.context import Wayline
from server.schemas.stats import (
    JourneyStats,
    MessageCounts,
    NodeStats,
    PortStats,
    RunTotals,
    StepEngagement,
)
from server.services.step_counts import StepCounts, converted_runs, read_step_counts


def journey_stats(wl: Wayline, journey_id: int, number: int | None = None) -> JourneyStats:
    """Per node: entered, there now, ended there, outputs taken, messages and conversions."""
    with wl.reading() as session:
        journey = lifecycle.get_journey(session, journey_id)
        version_ids, document = versions_in_scope(session, journey, number)
        goal = document.settings.goal if document else None
        in_scope = Run.journey_version_id.in_(version_ids) if version_ids else false()
        runs = session.execute(
            select(Run.node_id, Run.status, func.count(),
                   func.sum(case((converted_runs(goal), 1), else_=0)))
            .where(in_scope).group_by(Run.node_id, Run.status)).all()
        earned = step_figures(session, journey_id, version_ids)
        as_of = rolled_at(session, JOURNEY_DAYS)
    totals = _totals(runs)
    counts = read_step_counts(wl, journey_id, number, version_ids, goal, totals.entered)
    nodes = _nodes(wl, document, counts, runs)
    for node in nodes:
        node.engagement = _engagement(earned.get(node.node_id))
        node.ports = _with_lift(wl, document, node.node_id, node.ports, goal)
    return JourneyStats(journey_id=journey_id, version=number,
                        goal=goal.event if goal else None, totals=totals, nodes=nodes,
                        generated_at=wl.now(), insight_as_of=as_of,
                        counted_at=counts.counted_at,
                        revenue=sum(figures.revenue for figures in earned.values()))


def versions_in_scope(session: Session, journey: Journey, number: int | None
              ) -> tuple[list[int], Document | None]:
    """The version ids in scope and the document that names the nodes (that version's, or
    the live one's, or the latest published)."""
    rows = session.execute(select(JourneyVersion.id, JourneyVersion.number)
                           .where(JourneyVersion.journey_id == journey.id)
                           .order_by(JourneyVersion.number.desc())).all()
    if number is not None:
        rows = [row for row in rows if row.number == number]
        if not rows:
            raise NotFoundError(f"published version of '{journey.name}'", number)
    if not rows:
        return [], None
    shown = journey.live_version_id if number is None and journey.live_version_id else rows[0].id
    raw = session.scalar(select(JourneyVersion.document).where(JourneyVersion.id == shown))
    return [row.id for row in rows], msgspec.convert(raw, Document)


def _totals(runs: list[Any]) -> RunTotals:
    totals = RunTotals()
    for _node, status, count, converted in runs:
        totals.entered += count
        totals.converted += int(converted or 0)
        field = {RunStatus.ACTIVE: "active", RunStatus.WAITING: "waiting",
                 RunStatus.DONE: "completed", RunStatus.EXITED: "exited"}[RunStatus(status)]
        setattr(totals, field, getattr(totals, field) + count)
    return totals


def _nodes(wl: Wayline, document: Document | None, counts: StepCounts,
           runs: list[Any]) -> list[NodeStats]:
    entered: dict[str, int] = defaultdict(int)
    converted: dict[str, int] = defaultdict(int)
    ports: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for node_id, port, count, won in counts.steps:
        entered[node_id] += count
        converted[node_id] += won
        if port is not None:
            ports[node_id][port] = (count, int(won or 0))
    here: dict[str, dict[RunStatus, int]] = defaultdict(lambda: defaultdict(int))
    for node_id, status, count, _won in runs:
        here[node_id][RunStatus(status)] += count
    sent: dict[str, MessageCounts] = defaultdict(MessageCounts)
    for node_id, status, count in counts.messages:
        setattr(sent[node_id], status, count)
    known = [node.id for node in document.nodes] if document else []
    seen = sorted((set(entered) | set(here) | set(sent)) - set(known))
    return [NodeStats(
        node_id=node_id, label=_label(wl, document, node_id), kind=_kind(document, node_id),
        entered=entered[node_id], active=here[node_id][RunStatus.ACTIVE],
        waiting=here[node_id][RunStatus.WAITING], completed=here[node_id][RunStatus.DONE],
        exited=here[node_id][RunStatus.EXITED], converted=converted[node_id],
        ports=_ports(wl, document, node_id, ports[node_id]),
        messages=sent.get(node_id), median_seconds=counts.medians.get(node_id))
        for node_id in known + seen]


def _ports(wl: Wayline, document: Document | None, node_id: str,
           taken: dict[str, tuple[int, int]]) -> list[PortStats]:
    """Every output of the node (taken or not), then any output only older versions had."""
    node = _node(document, node_id)
    declared: list[tuple[str, str]] = []
    edges: dict[str, tuple[str, str]] = {}
    if node is not None and node.type in wl.registry:
        spec = wl.registry[node.type]
        config = _config(spec, node)
        declared = [(port.key, port.label) for port in spec.ports_for(config)]
        edges = {port_of(edge, spec, config): (edge.id, edge.target)
                 for edge in document.edges if edge.source == node_id}
    names = dict(declared)
    names.update({port: port for port in taken if port not in names})
    return [PortStats(port=port, label=label, edge_id=edges.get(port, (None, None))[0],
                      target=edges.get(port, (None, None))[1], count=taken.get(port, (0, 0))[0],
                      converted=taken.get(port, (0, 0))[1]) for port, label in names.items()]


def _node(document: Document | None, node_id: str):
    if document is None:
        return None
    return next((node for node in document.nodes if node.id == node_id), None)


def _config(spec, node):
    try:
        return spec.parse(node.data.config)
    except msgspec.ValidationError:
        return None


def _engagement(figures: StepFigures | None) -> StepEngagement | None:
    """A send step's earnings with rates; None for a step that sends nothing."""
    if figures is None or not figures.messages:
        return None
    sent, failed = figures.sent, figures.messages.get("failed", 0)

    def of(count: int, whole: int) -> float | None:
        return count / whole if whole else None

    delivered = figures.messages.get("delivered", 0)
    return StepEngagement(
        sent=sent, delivered=delivered, failed=failed, opened=figures.opened,
        clicked=figures.clicked, unsubscribed=figures.unsubscribed,
        converted=figures.converted, revenue=figures.revenue,
        delivered_rate=of(delivered, sent), open_rate=of(figures.opened, sent),
        click_rate=of(figures.clicked, sent), unsubscribe_rate=of(figures.unsubscribed, sent),
        failure_rate=of(failed, sent + failed), conversion_rate=of(figures.converted, sent))


def _with_lift(wl: Wayline, document: Document | None, node_id: str, ports: list[PortStats],
               goal: Goal | None) -> list[PortStats]:
    """Each output's conversion rate, and a random split's paths' lift against its control
    group (the same comparison as the A/B results, server.services.results)."""
    if goal is None:
        return ports
    for port in ports:
        port.rate = port.converted / port.count if port.count else None
    node = _node(document, node_id)
    spec = wl.registry.resolve(node.type, node.version) if node is not None else None
    config = _config(spec, node) if spec is not None and spec.arms is not None else None
    controls = {arm.port for arm in spec.arms(config) if arm.control} if config else set()
    control = next((port for port in ports if port.port in controls), None)
    if control is None:
        return ports
    control.control = True
    for port in ports:
        if port is not control and port.rate is not None and control.rate:
            port.lift = port.rate / control.rate - 1
    return ports


def _label(wl: Wayline, document: Document | None, node_id: str) -> str:
    node = _node(document, node_id)
    if node is None:
        return node_id
    return node.data.label or (wl.registry[node.type].label if node.type in wl.registry
                               else node.type)


def _kind(document: Document | None, node_id: str) -> str | None:
    node = _node(document, node_id)
    return node.type if node else None



