"""The shop the real-time benchmark measures: customers with phones, one live event journey
(entry on `cart_add` → condition → SMS) and live journeys listening to other events."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import select, text

from bench.documents import node
from runtime.flow.ingest import NewEvent, ingest_events
from runtime.run.lifecycle import publish
from runtime.store.db import make_engine, make_sessionmaker
from runtime.store.models import Journey, Template

EVENT = "cart_add"
"""The event the measured journey starts on."""


def load_customers(url: str, count: int) -> float:
    """`count` customers `r0`… with a phone (010-…) and SMS consent; seconds taken."""
    engine = make_engine(url)
    now = datetime.now(UTC).isoformat()
    began = time.perf_counter()
    raw = engine.raw_connection()
    with raw.cursor() as cursor, cursor.copy(
            "COPY customers (external_id, phone, attributes, consent, created_at, updated_at) "
            "FROM STDIN") as copy:
        for index in range(count):
            copy.write_row((f"r{index}", phone(index), '{"plan": "pro"}', '{"sms": true}',
                            now, now))
    raw.commit()
    raw.close()
    engine.dispose()
    return time.perf_counter() - began


def phone(index: int) -> str:
    """Customer `index`'s phone number (E.164, as Wayline stores it)."""
    return f"+8210{index:08d}"


def event_journey(template: int) -> dict:
    """entry on cart_add → condition (plan is pro) → SMS."""
    return {"nodes": [
        node("entry", "entry.event", {"event": EVENT}),
        node("cond", "flow.condition", {"rule": {"type": "attr", "field": "plan", "op": "eq",
                                                 "value": "pro"}}),
        # Transactional: a marketing text waits for 08:00 at night (Korea's night rule), and
        # this measures the way through, whatever the hour.
        node("send", "action.send", {"channel": "sms", "template": template,
                                     "purpose": "transactional"})],
        "edges": [{"id": "a", "source": "entry", "target": "cond"},
                  {"id": "b", "source": "cond", "sourceHandle": "yes", "target": "send"}],
        "settings": {"timezone": "Asia/Seoul"}}


def other_journey(index: int, template: int, size: int) -> dict:
    """entry on `other_<index>` → a chain of `size` conditions → SMS."""
    nodes = [node("entry", "entry.event", {"event": f"other_{index}"})]
    edges = []
    previous, port = "entry", None
    for step in range(size):
        nodes.append(node(f"c{step}", "flow.condition", {"rule": {
            "type": "attr", "field": "plan", "op": "eq", "value": "pro"}}))
        edges.append({"id": f"e{step}", "source": previous, "target": f"c{step}",
                      **({"sourceHandle": port} if port else {})})
        previous, port = f"c{step}", "yes"
    nodes.append(node("send", "action.send", {"channel": "sms", "template": template}))
    edges.append({"id": "last", "source": previous, "target": "send", "sourceHandle": port})
    return {"nodes": nodes, "edges": edges, "settings": {"timezone": "Asia/Seoul"}}


def publish_journeys(url: str, others: int, big: int, cart: bool = True) -> int | None:
    """The SMS template and the event journey (unless `cart` is False), then `others`
    journeys on other events (the first of them `big` steps long); the event journey's id."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        template = session.scalar(select(Template.id).where(Template.name == "Cart"))
        if template is None:
            row = Template(channel="sms", name="Cart", subject=None,
                           source="장바구니에 담은 상품이 기다려요", options={})
            session.add(row)
            session.flush()
            template = row.id
        documents = [("cart", event_journey(template))] if cart else []
        documents += [(f"other {index}", other_journey(index, template, big if index == 0 else 3))
                      for index in range(others)]
        ids = []
        for name, document in documents:
            journey = Journey(name=name, draft=document)
            session.add(journey)
            session.flush()
            publish(session, journey.id, datetime.now(UTC))
            ids.append(journey.id)
        session.commit()
        session.execute(text("ANALYZE"))
    engine.dispose()
    return ids[0] if cart else None


def ingest_cost(url: str, first: int, count: int = 300) -> float:
    """Milliseconds one cart_add event costs in-process (one transaction each), median."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    times = []
    for index in range(first, first + count):
        began = time.perf_counter()
        with sessions.begin() as session:
            now = datetime.now(UTC)
            ingest_events(session, [NewEvent(f"r{index}", EVENT, {"sku": "A-1"}, now)], now)
        times.append(time.perf_counter() - began)
    engine.dispose()
    return statistics.median(times) * 1000
