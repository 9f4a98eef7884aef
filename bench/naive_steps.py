"""The naive design the runtime is measured against: one RQ job per customer per step.

Each job loads one run and its customer, runs one node with the same pure node code, writes
the step (and the message of a send), moves the run on, commits, and enqueues the next step.
Used by bench/runtime.py; not part of Wayline.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache

import redis
from rq import Queue
from rq.job import get_current_job
from sqlalchemy import select, update

from bench.documents import four_steps
from builder.compiled import CompiledJourney
from nodes.kit.spec import Go, Send, StepContext
from runtime.audience.query import load_profiles
from runtime.flow.engine import customer_zone
from runtime.run.lifecycle import publish
from runtime.store.db import make_engine, make_sessionmaker
from runtime.store.models import Journey, Message, Run, RunStatus, Step, Template
from runtime.store.versions import load_compiled


@cache
def sessions():
    return make_sessionmaker(make_engine(os.environ["WAYLINE_DATABASE_URL"]))


def seed(count: int, queue: Queue) -> int:
    """Publish a 4-step journey limited to `count` entrants and queue their first steps."""
    with sessions()() as session:
        template = Template(channel="email", name="naive", subject="Hi", source="Hello",
                            options={})
        session.add(template)
        session.flush()
        document = four_steps(template.id)
        document["settings"]["max_entrants"] = count
        journey = Journey(name="naive", draft=document)
        session.add(journey)
        session.flush()
        publish(session, journey.id, datetime.now(UTC))
        session.commit()
        run_ids = list(session.scalars(select(Run.id).where(Run.journey_id == journey.id)))
    queue.enqueue_many([Queue.prepare_data(step, args=(run_id,), result_ttl=0)
                        for run_id in run_ids])
    return len(run_ids)


def step(run_id: int) -> None:
    """Advance one run by exactly one node, in its own transaction, then queue the next."""
    now = datetime.now(UTC)
    with sessions()() as session:
        run = session.get(Run, run_id)
        plan: CompiledJourney = load_compiled(session, {run.journey_version_id})[
            run.journey_version_id]
        profile = load_profiles(session, [run.customer_id], now)[run.customer_id]
        zone = customer_zone(profile.timezone, plan.document.settings.timezone)
        ctx = StepContext(profile=profile, now=now, timezone=zone, node_id=run.node_id,
                          seed=str(run.id))
        decision = plan.specs[run.node_id].run(plan.configs[run.node_id], ctx)
        port = decision.port if isinstance(decision, Go) else None
        session.add(Step(run_id=run.id, node_id=run.node_id, port=port, outcome="passed",
                         entered_at=now, left_at=now))
        for effect in getattr(decision, "effects", ()):
            if isinstance(effect, Send):
                session.add(Message(run_id=run.id, node_id=run.node_id, journey_id=run.journey_id,
                                    customer_id=run.customer_id, channel=effect.channel,
                                    template_id=effect.template, content={}))
        following = plan.leads_to(run.node_id, port) if port else None
        session.execute(update(Run).where(Run.id == run.id).values(
            node_id=following or run.node_id, step_count=Run.step_count + 1,
            status=RunStatus.ACTIVE if following else RunStatus.DONE,
            ended_at=None if following else now))
        session.commit()
    connection: redis.Redis = get_current_job().connection
    connection.incr("naive:steps")
    if following:
        Queue("naive", connection=connection).enqueue(step, run_id, result_ttl=0)
