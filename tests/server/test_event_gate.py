"""Group commit of single events: concurrent requests share transactions, every event is
answered with what it did, and a failed transaction acknowledges none of its events."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from runtime.flow.ingest import NewEvent
from runtime.store.db import make_engine, make_sessionmaker
from runtime.store.models import Event, Run
from server.event_gate import EventGate
from tests.runtime.harness import add_template
from tests.server.test_events import publish, welcome

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def test_concurrent_events_are_written_in_groups_and_each_gets_its_own_answer(
        client, app_context):
    wl = app_context
    with wl.writing() as session:
        template = add_template(session)
    publish(client, welcome(template))
    gate = EventGate(wl.writing, wl.now, wl.move_now)
    events = [NewEvent(f"g{number % 40}", "signup" if number < 40 else "page_view",
                       {"n": number}, NOW) for number in range(200)]
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(gate.ingest, events))
    assert gate.events == 200
    assert gate.groups < 200  # requests that came while one group wrote went in the next
    assert len({result.event_id for result in results}) == 200
    assert sum(len(result.enrolled) for result in results) == 40  # each signup, its own run
    with wl.reading() as session:
        stored = dict(session.execute(select(Event.id, Event.properties)).all())
        payloads = dict(session.execute(select(Run.id, Run.payload)).all())
    assert all(stored[result.event_id] == event.properties
               for result, event in zip(results, events, strict=True))
    assert all(payloads[result.enrolled[0]] == event.properties
               for result, event in zip(results, events, strict=True) if result.enrolled)


def test_when_the_database_is_unreachable_no_event_is_acknowledged_and_the_gate_recovers(
        app_context):
    wl = app_context
    nowhere = make_sessionmaker(make_engine("postgresql+psycopg://postgres@127.0.0.1:9/none"))
    gate = EventGate(nowhere.begin, wl.now, wl.move_now)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(gate.ingest, NewEvent(f"f{number}", "page_view", {}, NOW))
                   for number in range(20)]
    for future in futures:
        with pytest.raises(OperationalError):
            future.result()
    assert not gate.busy and not gate.waiting  # no group was left holding the lead
    working = EventGate(wl.writing, wl.now, wl.move_now)
    assert working.ingest(NewEvent("f0", "page_view", {}, NOW)).event_id is not None
    with wl.reading() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1
