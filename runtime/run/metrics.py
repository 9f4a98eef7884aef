"""Metrics: what an operator graphs and alerts on, read from SQL and Redis at scrape time.

Workers are separate processes (on separate machines), so nothing is counted in process
memory: each batch and delivery job adds its counts to one Redis hash (`count_batch`,
`count_deliveries`), and every server reads the same totals. Flushing Redis resets them to
zero, which Prometheus' rate() treats as a counter reset. Gauges (queue depths, runs due, the
sweeper's lag, runs and messages by status) are read fresh from Redis and SQL on each scrape,
with queries the indexes answer, except the counts of every run and message by status: those
are recounted at most every LEDGER_TTL and shared through Redis (`bench/metrics.py` times
scrapes over 1M runs).

`exposition(samples)` writes the Prometheus text format (version 0.0.4).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis
from rq import Queue
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.worker import Worker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.outages import DATABASE_DOWN, REDIS_DOWN
from runtime.run.sweeper import is_due_status
from runtime.store.models import Journey, JourneyStatus, Message, Run

COUNTERS_KEY = "wayline:metrics:counters"
"""The Redis hash every worker adds its counts to."""

OVERDUE_AFTER = timedelta(seconds=30)
"""A due run is overdue once it has waited this long: the sweeper ticks twice a second and a
healthy deployment starts due runs within a few seconds, so 30 s means workers are behind."""

LEDGER_KEY = "wayline:metrics:ledger"
LEDGER_LOCK = "wayline:metrics:ledger:lock"
LEDGER_TTL = timedelta(seconds=30)
"""How old the shared run and message counts may get before a scrape recounts them."""

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The media type of the Prometheus text exposition format."""


@dataclass(frozen=True)
class Family:
    """One metric: its name, type, help text and samples (labels → value)."""

    name: str
    kind: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


# --- counting, in workers ----------------------------------------------------------------------


def count_batch(client: redis.Redis, runs: int, steps: int, messages: int) -> None:
    """Add one finished batch job's counts (runs, steps, messages queued) to the totals."""
    pipe = client.pipeline(transaction=False)
    pipe.hincrby(COUNTERS_KEY, "batches", 1)
    pipe.hincrby(COUNTERS_KEY, "runs_advanced", runs)
    pipe.hincrby(COUNTERS_KEY, "steps", steps)
    pipe.hincrby(COUNTERS_KEY, "messages_queued", messages)
    pipe.execute()


def count_deliveries(client: redis.Redis, outcomes: Mapping[str, int]) -> None:
    """Add one delivery job's outcomes (sent, retried, failed, skipped) to the shared totals."""
    pipe = client.pipeline(transaction=False)
    for outcome, count in outcomes.items():
        if count:
            pipe.hincrby(COUNTERS_KEY, f"deliveries:{outcome}", count)
    pipe.execute()


# --- reading, at scrape time -------------------------------------------------------------------


def counter_families(client: redis.Redis) -> list[Family]:
    """The shared totals as Prometheus counters."""
    raw = {key.decode(): int(value) for key, value in client.hgetall(COUNTERS_KEY).items()}
    deliveries = sorted((key.split(":", 1)[1], value) for key, value in raw.items()
                        if key.startswith("deliveries:"))
    return [
        Family("wayline_steps_total", "counter", "Customer steps advanced by workers.",
               [({}, raw.get("steps", 0))]),
        Family("wayline_runs_advanced_total", "counter",
               "Runs moved forward by batch jobs (a run counts once per batch it is in).",
               [({}, raw.get("runs_advanced", 0))]),
        Family("wayline_batches_total", "counter", "Batch jobs finished.",
               [({}, raw.get("batches", 0))]),
        Family("wayline_messages_queued_total", "counter",
               "Messages batch jobs queued for delivery (outbox-only sends are written sent).",
               [({}, raw.get("messages_queued", 0))]),
        Family("wayline_deliveries_total", "counter",
               "Delivery attempts by outcome (sent, retried, failed, skipped).",
               [({"outcome": outcome}, value) for outcome, value in deliveries]),
    ]


def queue_families(client: redis.Redis, queues: Sequence[str]) -> list[Family]:
    """Jobs waiting, running and failed per RQ queue, and the workers registered."""
    waiting, running, failed = [], [], []
    for name in queues:
        queue = Queue(name, connection=client)
        waiting.append(({"queue": name}, queue.count))
        # Without cleanup: a scrape must not move jobs between registries (the workers do).
        running.append(({"queue": name},
                        StartedJobRegistry(queue=queue).get_job_count(cleanup=False)))
        failed.append(({"queue": name},
                       FailedJobRegistry(queue=queue).get_job_count(cleanup=False)))
    return [
        Family("wayline_queue_jobs", "gauge", "Jobs waiting in each RQ queue.", waiting),
        Family("wayline_queue_running_jobs", "gauge", "Jobs being run from each queue.", running),
        Family("wayline_queue_failed_jobs", "gauge", "Jobs in each queue's failed registry.",
               failed),
        Family("wayline_workers", "gauge", "RQ workers registered (alive and heartbeating).",
               [({}, Worker.count(connection=client))]),
    ]


def due_families(session: Session, now: datetime) -> list[Family]:
    """Runs of live journeys that are due, overdue, and how late the oldest one is.

    All three walk the partial index `ix_runs_due` (unfinished runs by wake time); runs of
    paused journeys are left out, since they wait on purpose.
    """
    live = select(Journey.id).where(Journey.status == JourneyStatus.LIVE)
    due = (Run.wake_at <= now, is_due_status(), Run.journey_id.in_(live))
    count_due = session.scalar(select(func.count()).select_from(Run).where(*due)) or 0
    overdue = session.scalar(select(func.count()).select_from(Run).where(
        *due, Run.wake_at <= now - OVERDUE_AFTER)) or 0
    oldest = session.scalar(select(func.min(Run.wake_at)).where(*due))
    lag = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
    return [
        Family("wayline_runs_due", "gauge", "Runs of live journeys due now (wake time passed).",
               [({}, count_due)]),
        Family("wayline_runs_overdue", "gauge",
               f"Runs due for more than {OVERDUE_AFTER.seconds} s.", [({}, overdue)]),
        Family("wayline_sweeper_lag_seconds", "gauge",
               "Age of the oldest due run: how far behind the sweeper and workers are.",
               [({}, lag)]),
    ]


def ledger_families(session: Session, client: redis.Redis, now: datetime) -> list[Family]:
    """Runs by journey and status, messages by channel and status, and how old the counts are.

    These count every row (~0.3 s per million on PostgreSQL), so one scrape every LEDGER_TTL
    recounts — whichever server takes the lock — and the others serve the shared counts.
    """
    counts = _cached_ledger(client, now)
    if counts is None:
        counts = count_ledger(session, now)
        client.set(LEDGER_KEY, json.dumps(counts), ex=int(LEDGER_TTL.total_seconds() * 20))
        client.delete(LEDGER_LOCK)
    age = (now - datetime.fromisoformat(counts["at"])).total_seconds()
    return [
        Family("wayline_runs", "gauge", "Runs by journey id and status.",
               [({"journey": str(journey), "status": status}, count)
                for journey, status, count in counts["runs"]]),
        Family("wayline_messages", "gauge", "Messages in the ledger by channel and status.",
               [({"channel": channel, "status": status}, count)
                for channel, status, count in counts["messages"]]),
        Family("wayline_ledger_counts_age_seconds", "gauge",
               "Age of the counts behind wayline_runs and wayline_messages.",
               [({}, max(age, 0.0))]),
    ]


def count_ledger(session: Session, now: datetime) -> dict[str, Any]:
    """Count runs by journey and status and messages by channel and status, now."""
    runs = session.execute(select(Run.journey_id, Run.status, func.count())
                           .group_by(Run.journey_id, Run.status)).all()
    messages = session.execute(select(Message.channel, Message.status, func.count())
                               .group_by(Message.channel, Message.status)).all()
    return {"at": now.isoformat(),
            "runs": sorted([journey, str(status), count] for journey, status, count in runs),
            "messages": sorted([channel, str(status), count]
                               for channel, status, count in messages)}


def _cached_ledger(client: redis.Redis, now: datetime) -> dict[str, Any] | None:
    """The shared counts, unless they are stale and this scrape won the lock to recount."""
    raw = client.get(LEDGER_KEY)
    if raw is None:
        client.set(LEDGER_LOCK, "1", ex=60)
        return None
    counts = json.loads(raw)
    fresh = now - datetime.fromisoformat(counts["at"]) < LEDGER_TTL
    if fresh or not client.set(LEDGER_LOCK, "1", nx=True, ex=60):
        return counts
    return None


def collect(session: Session, client: redis.Redis, queues: Sequence[str],
            now: datetime) -> list[Family]:
    """Every metric family, and how long collecting them took.

    A scrape during an outage still answers: what lives in the service that is down is left
    out, and `wayline_redis_up` / `wayline_database_up` say 0 (the run and message counts
    need both)."""
    started = time.perf_counter()
    from_redis = _unless(REDIS_DOWN, lambda: [*queue_families(client, queues),
                                              *counter_families(client)])
    from_sql = _unless(DATABASE_DOWN, lambda: due_families(session, now))
    families = [*(from_redis or []), *(from_sql or [])]
    if from_redis is not None and from_sql is not None:
        families += _unless(REDIS_DOWN + DATABASE_DOWN,
                            lambda: ledger_families(session, client, now)) or []
    families += [
        Family("wayline_redis_up", "gauge", "1 when this scrape could read Redis; 0 when it "
               "is down (queue depths and counters are left out).",
               [({}, int(from_redis is not None))]),
        Family("wayline_database_up", "gauge", "1 when this scrape could read the database; "
               "0 when it is down (due runs and ledger counts are left out).",
               [({}, int(from_sql is not None))]),
        Family("wayline_scrape_duration_seconds", "gauge",
               "Seconds this scrape took to read SQL and Redis.",
               [({}, time.perf_counter() - started)])]
    return families


def _unless(down: tuple[type[BaseException], ...],
            read: Callable[[], list[Family]]) -> list[Family] | None:
    """What `read` returns, or None when the service it reads is down."""
    try:
        return read()
    except down:
        return None


# --- the text format ---------------------------------------------------------------------------


def exposition(families: Iterable[Family]) -> str:
    """The Prometheus text exposition of `families`."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for labels, value in family.samples:
            lines.append(f"{family.name}{_labels(labels)} {_number(value)}")
    return "\n".join(lines) + "\n"


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{name}="{_escape_label(value)}"' for name, value in labels.items())
    return "{" + inner + "}"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))
