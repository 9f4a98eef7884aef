"""Redis or the database stops mid-run under real `wayline worker`s: nobody restarts them,
every customer finishes, and every message reaches the provider exactly once.

The Redis here is a throwaway redis-server keeping nothing on disk, so when it is back the
queued jobs, the ticker's lease and the pending sweep are all gone: the workers must reconnect,
take the lease again, and the sweeper must re-drive the claimed runs and leased messages.
The outage lasts 30 s, as in the incident (issue 17); WAYLINE_TEST_REDIS_OUTAGE_SECONDS
shortens it for a quick run. The database is a throwaway PostgreSQL cluster, crashed
(`pg_ctl stop -m immediate`) for a few seconds.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from rq.worker import Worker
from sqlalchemy import func, select

from runtime.clock import SystemClock
from runtime.redis_server import connect
from runtime.run.lifecycle import publish
from runtime.store.db import make_engine, make_sessionmaker, migrate
from runtime.store.models import Customer, Message, MessageStatus, Run, RunStatus, Template
from tests.builder.journeys import document, edge, node
from tests.conftest import fresh_database_url
from tests.outages import children_of, stop, throwaway_postgres, throwaway_redis, wayline
from tests.runtime.harness import add_journey, wait_until

CUSTOMERS = 300
OUTAGE_SECONDS = float(os.environ.get("WAYLINE_TEST_REDIS_OUTAGE_SECONDS", "30"))
PROVIDER_DELAY = 0.01
"""Seconds the provider takes per call: a real provider is not instant."""
DATABASE_OUTAGE_SECONDS = 5.0
CLAIM_TIMEOUT = "5"
"""Seconds before the sweeper re-drives a claimed run or a leased message (less than the
outage, so the re-drive happens as soon as Redis is back)."""


@pytest.fixture
def database_url(request, tmp_path) -> Iterator[str]:
    """A new PostgreSQL database (the workers are separate processes: no SQLite here)."""
    for url in fresh_database_url("postgresql", request, tmp_path):
        migrate(url)
        yield url


def greeting_journey(template: int) -> dict:
    """Everyone → one webhook call → exit."""
    return document(
        [node("entry", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("send", "action.send", "Hello", {"channel": "webhook", "template": template}),
         node("end", "flow.exit", "Done")],
        [edge("entry", "send"), edge("send", "end", "next")])


def add_greetings(sessions, provider) -> int:
    """CUSTOMERS customers who agreed to webhooks, and the greeting journey (not published)."""
    with sessions() as session:
        now = SystemClock().now()
        session.execute(Customer.__table__.insert(), [
            {"external_id": f"r{index}", "attributes": {}, "created_at": now, "updated_at": now,
             "consent": {"webhook": {"marketing": True, "night": True}}}
            for index in range(CUSTOMERS)])
        template = Template(channel="webhook", name="Hello hook", subject=None,
                            source='{"customer": {{ customer.external_id | json }}}',
                            options={"url": provider.url, "method": "POST"})
        session.add(template)
        session.flush()
        journey = add_journey(session, greeting_journey(template.id))
        session.commit()
    return journey


def test_workers_ride_a_30_second_redis_outage_out_and_send_everything_once(
        database_url, http_server, tmp_path):
    provider = http_server(delay=PROVIDER_DELAY)
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    journey = add_greetings(sessions, provider)
    with throwaway_redis(tmp_path) as redis:
        workers = _two_workers(database_url, redis.url, tmp_path)
        try:
            # Redis goes the moment the sweeper has claimed runs: their batch job is queued
            # or running, and the deliveries it queues are lost with Redis.
            pids = _publish_until_claimed(sessions, journey, workers)
            redis.stop()
            sent_before = len(provider.requests)
            time.sleep(OUTAGE_SECONDS)
            redis.start()  # empty: queues, lease and pending sweep are gone
            assert sent_before < CUSTOMERS, "the outage should land mid-run"
            wait_until(lambda: _finished(sessions) == CUSTOMERS, 120, "everyone to finish",
                       lambda: _logs(workers))
            wait_until(lambda: len(provider.requests) >= CUSTOMERS, 60,
                       "every message to reach the provider", lambda: _logs(workers))
            wait_until(lambda: all("Redis back after" in w.log.read_text() for w in workers),
                       30, "every worker to see Redis back", lambda: _logs(workers))
            assert all(w.poll() is None for w in workers), _logs(workers)
            assert {w.pid: children_of(w.pid) for w in workers} == pids, \
                "a worker process was restarted: " + _logs(workers)
        finally:
            for worker in workers:
                stop(worker)
    assert_sent_once(sessions, provider)
    for worker in workers:  # one line when Redis went, one when it came back; not per retry
        log = worker.log.read_text()
        assert log.count("Redis unreachable, retrying") == 1, log[-3000:]
        assert log.count("Redis back after") == 1, log[-3000:]
        assert "Traceback" not in log, log[-3000:]
    engine.dispose()


def _two_workers(database_url: str, redis_url: str, tmp_path) -> list:
    """Two `wayline worker` commands on these services, once both listen."""
    settings = {"database_url": database_url, "redis_url": redis_url,
                "claim_timeout": CLAIM_TIMEOUT, "data_dir": str(tmp_path),
                "log_level": "INFO", "webhook_allow": "127.0.0.1/32"}
    workers = [wayline("worker", tmp_path / f"worker-{n}.log", **settings) for n in (0, 1)]
    with connect(redis_url) as client:
        wait_until(lambda: Worker.count(connection=client) == 2, 60,
                   "both workers to be listening", lambda: _logs(workers))
    return workers


def _publish_until_claimed(sessions, journey: int, workers) -> dict:
    """Publish the journey and return once a worker has claimed runs: the workers' processes
    (each command's pid and its children's), to show later that none was restarted."""
    pids = {w.pid: children_of(w.pid) for w in workers}
    with sessions() as session:
        publish(session, journey, SystemClock().now())
        session.commit()
    _wait_for_claims(sessions, workers)
    return pids


def _wait_for_claims(sessions, workers, seconds: float = 60) -> None:
    """Return as soon as a run is claimed (polled every few milliseconds)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with sessions() as session:
            if session.scalar(select(func.count()).select_from(Run).where(
                    Run.claimed_by.is_not(None))):
                return
        time.sleep(0.005)
    raise AssertionError(f"no run was claimed within {seconds:g} s; {_logs(workers)}")


def _finished(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Run).where(
            Run.status == RunStatus.EXITED))


def _logs(workers) -> str:
    return "\n".join(f"--- {w.log.name}\n{w.log.read_text()[-2000:]}" for w in workers)


def test_workers_ride_a_database_crash_out_and_send_everything_once(redis_url, redis,
                                                                    http_server, tmp_path):
    provider = http_server(delay=PROVIDER_DELAY)
    with throwaway_postgres() as postgres:
        migrate(postgres.url)
        engine = make_engine(postgres.url)
        sessions = make_sessionmaker(engine)
        journey = add_greetings(sessions, provider)
        workers = _two_workers(postgres.url, redis_url, tmp_path)
        try:
            pids = _publish_until_claimed(sessions, journey, workers)
            postgres.stop()  # a crash: every connection cut, the batch job fails mid-way
            time.sleep(DATABASE_OUTAGE_SECONDS)
            postgres.start()
            wait_until(lambda: _finished(sessions) == CUSTOMERS, 120, "everyone to finish",
                       lambda: _logs(workers))
            wait_until(lambda: len(provider.requests) >= CUSTOMERS, 60,
                       "every message to reach the provider", lambda: _logs(workers))
            assert all(w.poll() is None for w in workers), _logs(workers)
            assert {w.pid: children_of(w.pid) for w in workers} == pids, \
                "a worker process was restarted: " + _logs(workers)
            wait_until(lambda: all(_said(w, "Database back after") == _said(
                w, "Database unreachable, retrying") for w in workers), 30,
                "workers that saw the database go to see it back", lambda: _logs(workers))
        finally:
            for worker in workers:
                stop(worker)
        assert_sent_once(sessions, provider)
        engine.dispose()
    # Failed jobs say so once per outage, not with a traceback per job.
    assert sum(_said(w, "Database unreachable, retrying") for w in workers) >= 1
    assert all(_said(w, "Database unreachable, retrying") <= 1 for w in workers)
    assert not any(_said(w, "Traceback") for w in workers), _logs(workers)


def _said(worker, line: str) -> int:
    return worker.log.read_text().count(line)


def assert_sent_once(sessions, provider) -> None:
    """Every customer's message is sent, and the provider saw each one exactly once."""
    calls = Counter(request.headers["Idempotency-Key"] for request in provider.requests)
    assert len(calls) == CUSTOMERS and set(calls.values()) == {1}, calls.most_common(3)
    with sessions() as session:
        statuses = dict(session.execute(
            select(Message.status, func.count()).group_by(Message.status)).all())
    assert statuses == {MessageStatus.SENT: CUSTOMERS}
