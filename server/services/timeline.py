"""One customer's timeline: events, journeys entered and left, steps, and messages, newest first.

Each kind comes from its own table through an index on the customer (events and messages
directly, runs by customer, steps through the customer's runs), newest first and at most a
page of each; the page is the newest `limit` of them all. A page never splits the items of one
instant (a batch writes a customer's steps at the same instant), so it may run a little longer
than `limit`; the next page starts before that instant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from runtime.errors import NotFoundError
from runtime.messaging.policy import reason_kind
from runtime.store.models import Customer, Event, Journey, JourneyVersion, Message, Run, Step
from server.context import Wayline
from server.schemas.timeline import (
    CustomerTimeline,
    EndedItem,
    EnteredItem,
    EventItem,
    MessageItem,
    StepItem,
    TimelineCustomer,
    TimelineItem,
)

ORDER = {EndedItem: 0, MessageItem: 1, StepItem: 2, EnteredItem: 3, EventItem: 4}
"""Within one instant, newest first reads: left, message, steps, entered, the event."""



def customer_timeline(wl: Wayline, external_id: str, limit: int,
                      before: datetime | None) -> CustomerTimeline:
    """A page of the customer's timeline, newest first, everything before `before`."""
    with wl.reading() as session:
        customer = session.execute(
            select(Customer.id, Customer.external_id, Customer.email, Customer.phone,
                   Customer.timezone).where(Customer.external_id == external_id)).one_or_none()
        if customer is None:
            raise NotFoundError("customer", external_id)
        journeys = _Journeys(wl, session)
        items, more = _newest(session, customer.id, journeys, limit,
                              lambda column: column < before if before else column.isnot(None))
        if len(items) > limit:
            boundary = items[limit - 1].at
            items = [item for item in items if item.at > boundary]
            items += _all(session, customer.id, journeys, lambda column: column == boundary)
            more = True
        items.sort(key=_order)
    return CustomerTimeline(customer=TimelineCustomer(**customer._mapping), items=items,
                            next_before=items[-1].at if more and items else None)


def _order(item: TimelineItem) -> tuple:
    """Newest first; within an instant by kind, and a run's steps latest on its path first."""
    return (-item.at.timestamp(), ORDER[type(item)], -getattr(item, "depth", 0))


def _newest(session: Session, customer_id: int, journeys: _Journeys, limit: int,
            when: Callable[[Any], ColumnElement[bool]]) -> tuple[list[TimelineItem], bool]:
    """At most `limit` of each kind; True when some kind may have more."""
    items: list[TimelineItem] = []
    more = False
    for source in SOURCES:
        found = source(session, customer_id, when, limit + 1, journeys)
        more = more or len(found) > limit
        items += found[:limit]
    items.sort(key=_order)
    return items, more


def _all(session: Session, customer_id: int, journeys: _Journeys,
         when: Callable[[Any], ColumnElement[bool]]) -> list[TimelineItem]:
    return [item for source in SOURCES
            for item in source(session, customer_id, when, None, journeys)]


class _Journeys:
    """Journey names and node labels, read once per page."""

    def __init__(self, wl: Wayline, session: Session) -> None:
        self.wl, self.session = wl, session
        self.names: dict[int, str] = {}
        self.versions: dict[int, tuple[int, Mapping[str, Any]]] = {}

    def name(self, journey_id: int) -> str:
        if journey_id not in self.names:
            self.names[journey_id] = self.session.scalar(
                select(Journey.name).where(Journey.id == journey_id)) or f"#{journey_id}"
        return self.names[journey_id]

    def version(self, version_id: int) -> tuple[int, Mapping[str, Any]]:
        if version_id not in self.versions:
            row = self.session.execute(select(JourneyVersion.number, JourneyVersion.document)
                                       .where(JourneyVersion.id == version_id)).one_or_none()
            self.versions[version_id] = (row.number, row.document or {}) if row else (0, {})
        return self.versions[version_id]

    def depth(self, version_id: int, node_id: str) -> int:
        """How many steps from the entry a node is (journeys have no cycles)."""
        document = self.version(version_id)[1]
        edges = [(edge.get("source"), edge.get("target")) for edge in
                 document.get("edges", []) if isinstance(edge, Mapping)]
        targets = {target for _, target in edges}
        level = {node.get("id") for node in document.get("nodes", [])
                 if isinstance(node, Mapping) and node.get("id") not in targets}
        for distance in range(len(edges) + 1):
            if node_id in level:
                return distance
            level = {target for source, target in edges if source in level}
        return 0

    def label(self, version_id: int, node_id: str) -> str:
        """The node's label on the canvas, else its kind's name, else its id."""
        for node in self.version(version_id)[1].get("nodes", []):
            if isinstance(node, Mapping) and node.get("id") == node_id:
                label = (node.get("data") or {}).get("label")
                kind = node.get("type")
                registry = self.wl.registry
                return label or (registry[kind].label if kind in registry else node_id)
        return node_id


def _limited(query: Any, limit: int | None) -> Any:
    return query.limit(limit) if limit is not None else query


def _events(session, customer_id, when, limit, journeys) -> list[TimelineItem]:
    rows = session.execute(_limited(
        select(Event.id, Event.name, Event.properties, Event.occurred_at)
        .where(Event.customer_id == customer_id, when(Event.occurred_at))
        .order_by(Event.occurred_at.desc(), Event.id.desc()), limit))
    return [EventItem(at=row.occurred_at, event_id=row.id, name=row.name,
                      properties=dict(row.properties or {})) for row in rows]


def _entered(session, customer_id, when, limit, journeys) -> list[TimelineItem]:
    rows = session.execute(_limited(
        select(Run.id, Run.journey_id, Run.journey_version_id, Run.entered_at)
        .where(Run.customer_id == customer_id, when(Run.entered_at))
        .order_by(Run.entered_at.desc(), Run.id.desc()), limit))
    return [EnteredItem(at=row.entered_at, run_id=row.id, journey_id=row.journey_id,
                        journey_name=journeys.name(row.journey_id),
                        version=journeys.version(row.journey_version_id)[0]) for row in rows]


def _ended(session, customer_id, when, limit, journeys) -> list[TimelineItem]:
    rows = session.execute(_limited(
        select(Run.id, Run.journey_id, Run.status, Run.ended_at, Run.exit_reason)
        .where(Run.customer_id == customer_id, Run.ended_at.isnot(None), when(Run.ended_at))
        .order_by(Run.ended_at.desc(), Run.id.desc()), limit))
    return [EndedItem(at=row.ended_at, run_id=row.id, journey_id=row.journey_id,
                      journey_name=journeys.name(row.journey_id), status=row.status.value,
                      reason=row.exit_reason) for row in rows]


def _steps(session, customer_id, when, limit, journeys) -> list[TimelineItem]:
    rows = session.execute(_limited(
        select(Step, Run.journey_id, Run.journey_version_id)
        .join(Run, Run.id == Step.run_id)
        .where(Run.customer_id == customer_id, when(Step.entered_at))
        .order_by(Step.entered_at.desc(), Step.run_id.desc()), limit))
    return [StepItem(at=step.entered_at, run_id=step.run_id, journey_id=journey_id,
                     journey_name=journeys.name(journey_id), node_id=step.node_id,
                     node_label=journeys.label(version_id, step.node_id), outcome=step.outcome,
                     port=step.port, detail=step.detail or "", left_at=step.left_at,
                     depth=journeys.depth(version_id, step.node_id))
            for step, journey_id, version_id in rows]


def _messages(session, customer_id, when, limit, journeys) -> list[TimelineItem]:
    rows = session.execute(_limited(
        select(Message, Run.journey_version_id).join(Run, Run.id == Message.run_id)
        .where(Message.customer_id == customer_id, when(Message.created_at))
        .order_by(Message.created_at.desc(), Message.id.desc()), limit))
    return [MessageItem(
        at=message.created_at, message_id=message.id, run_id=message.run_id,
        journey_id=message.journey_id, journey_name=journeys.name(message.journey_id),
        node_id=message.node_id, node_label=journeys.label(version_id, message.node_id),
        channel=message.channel, purpose=message.purpose, status=message.status.value,
        reason=message.reason,
        reason_kind=reason_kind(message.status.value, message.reason, message.attempts),
        next_attempt_at=message.next_attempt_at, sent_at=message.sent_at,
        attempts=message.attempts, provider_answer=message.provider_answer)
        for message, version_id in rows]


SOURCES = (_events, _entered, _steps, _messages, _ended)
"""Where timeline items come from (each newest first)."""
