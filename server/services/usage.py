"""Which journeys use a saved segment or template, found through each node kind's `refs()`.

A stored object is "in use" by a journey that is not archived when its draft names it, or when a
published version that can still act names it: the live version (live or paused journeys), and
any older version that still holds customers in flight (they stay on the version they entered
with, and a send step of theirs would fail without its template). Nothing here knows which node
kinds hold references: every kind says so itself through `refs()`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from nodes import Registry
from runtime.store.models import Journey, JourneyStatus, JourneyVersion, Run, RunStatus
from runtime.store.references import document_refs
from server.schemas.usage import JourneyUse

UNFINISHED = (RunStatus.ACTIVE, RunStatus.WAITING)
"""Run statuses of customers still in a journey version."""


@dataclass
class _Use:
    journey: Journey
    nodes: dict[str, str] = field(default_factory=dict)  # node id → label, in document order
    where: set[str] = field(default_factory=set)  # "draft", "live version", "version 2 …"


def usage(session: Session, registry: Registry, kind: str) -> dict[int | str, list[JourneyUse]]:
    """Every object of `kind` ("segment" or "template") in use, with the journeys using it."""
    uses: dict[int | str, dict[int, _Use]] = defaultdict(dict)
    for journey, where, document in _documents(session):
        for node_id, label, ref in document_refs(document, registry):
            if ref.kind != kind:
                continue
            use = uses[ref.id].setdefault(journey.id, _Use(journey))
            use.nodes.setdefault(node_id, label)
            use.where.add(where)
    return {key: [_out(use) for use in sorted(found.values(), key=lambda u: u.journey.id)]
            for key, found in uses.items()}


def journeys_using(session: Session, registry: Registry, kind: str,
                   key: int) -> list[JourneyUse]:
    """The journeys that use one segment or template (empty when none does)."""
    return usage(session, registry, kind).get(key, [])


def _documents(session: Session):
    """(journey, which document, document) for every document that can still act."""
    journeys = session.scalars(select(Journey).where(Journey.status != JourneyStatus.ARCHIVED)
                               .order_by(Journey.id)).all()
    by_id = {journey.id: journey for journey in journeys}
    for journey in journeys:
        yield journey, "draft", journey.draft
    # Per version, on the runs (version, node, status) index: never a scan of every run.
    in_flight = exists().where(Run.journey_version_id == JourneyVersion.id,
                               Run.status.in_(UNFINISHED))
    live_ids = [journey.live_version_id for journey in journeys if journey.live_version_id]
    versions = session.scalars(select(JourneyVersion).where(
        JourneyVersion.journey_id.in_(list(by_id)),
        JourneyVersion.id.in_(live_ids) | in_flight))
    for version in versions:
        journey = by_id[version.journey_id]
        where = ("live version" if version.id == journey.live_version_id
                 else f"version {version.number} (customers still in it)")
        yield journey, where, version.document


def _out(use: _Use) -> JourneyUse:
    order = ["draft", "live version"]
    where = sorted(use.where, key=lambda w: (order.index(w) if w in order else 2, w))
    return JourneyUse(id=use.journey.id, name=use.journey.name, status=use.journey.status.value,
                      nodes=list(use.nodes.values()), node_ids=list(use.nodes), where=where)


def in_use_message(what: str, uses: list[JourneyUse]) -> str:
    """"Can't delete … it is used by 'A' (live), 'B' (draft)", for a 409."""
    named = ", ".join(f"'{use.name}' ({use.status}: {', '.join(use.nodes)})" for use in uses[:10])
    more = f" and {len(uses) - 10} more" if len(uses) > 10 else ""
    return (f"Can't delete {what}: it is used by {named}{more}. Change those steps to use "
            "something else (or archive the journeys), then delete it.")
