"""Faults: killed workers, a flushed Redis, flaky and refusing providers. Nothing is lost,
nothing happens twice. Workers here are real `wayline worker` processes on the real clock."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select

from runtime.messaging.channels import WebhookAdapter
from runtime.run.lifecycle import publish
from runtime.store.db import read_sessionmaker
from runtime.store.models import Customer, Message, MessageStatus, Run, RunStatus, Step
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_journey, add_template, drain, move, wait_until
from tests.runtime.providers import LOCAL

CUSTOMERS = 6000


def counting_journey(template: int, channel: str = "email") -> dict:
    """Everyone → count a visit → send → exit: a visit count above 1 would mean a double step."""
    return document(
        [node("entry", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("count", "action.update", "Count the visit", {"operations": [
             {"op": "increment", "name": "visits", "value": 1}]}),
         node("send", "action.send", "Hello", {"channel": channel, "template": template}),
         node("end", "flow.exit", "Done")],
        [edge("entry", "count"), edge("count", "send", "next"), edge("send", "end", "next")])


def add_many(session, count: int, now: datetime) -> None:
    session.execute(Customer.__table__.insert(), [
        {"external_id": f"k{index}", "email": f"k{index}@example.kr", "attributes": {},
         # Night consent too: on the real clock, Seoul's night would otherwise defer the sends.
         "consent": {"email": {"marketing": True, "night": True}}, "created_at": now,
         "updated_at": now}
        for index in range(count)])


def progress(rt) -> tuple[int, int]:
    """(runs finished, runs claimed right now)."""
    with read_sessionmaker(rt.engine)() as session:
        done = session.scalar(select(func.count()).select_from(Run).where(
            Run.status == RunStatus.EXITED))
        claimed = session.scalar(select(func.count()).select_from(Run).where(
            Run.claimed_by.is_not(None)))
    return done, claimed


def describe(rt, processes) -> str:
    with rt.sessions() as session:
        rows = session.execute(select(Message.status, Message.attempts, Message.reason,
                                      func.count()).group_by(Message.status, Message.attempts,
                                                             Message.reason)).all()
    alive = [process.poll() for process in processes]
    logs = "\n".join(process.log.read_text()[-1500:] for process in processes)
    return f"messages: {rows}; workers exit codes: {alive}\n{logs}"


def published(rt) -> None:
    """The counting journey, live, with CUSTOMERS enrolled, on the real clock."""
    from runtime.clock import SystemClock

    rt.clock = SystemClock()
    with rt.sessions() as session:
        add_many(session, CUSTOMERS, rt.clock.now())
        journey = add_journey(session, counting_journey(add_template(
            session, subject="Hello", source="Hello")))  # no first_name here
        publish(session, journey, rt.clock.now())
        session.commit()


def assert_exactly_once(rt) -> None:
    with rt.sessions() as session:
        statuses = dict(session.execute(
            select(Run.status, func.count()).group_by(Run.status)).all())
        visits = Counter(attributes.get("visits")
                         for attributes in session.scalars(select(Customer.attributes)))
        messages = dict(session.execute(
            select(Message.status, func.count()).group_by(Message.status)).all())
        steps = session.scalar(select(func.count()).select_from(Step))
    assert statuses == {RunStatus.EXITED: CUSTOMERS}
    assert visits == {1: CUSTOMERS}, "a profile update was applied twice or lost"
    assert messages == {MessageStatus.SENT: CUSTOMERS}
    assert steps == CUSTOMERS * 4


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(wayline, workers):
    published(wayline)
    first = workers()
    started = [first]
    wait_until(lambda: progress(wayline)[1] > 0, 60,
               "the first worker to claim runs", lambda: describe(wayline, started))
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    done, claimed = progress(wayline)
    assert done < CUSTOMERS and claimed > 0, "the kill should land mid-run"
    started.append(workers())  # a fresh worker re-claims the dead one's stale claims
    wait_until(lambda: progress(wayline) == (CUSTOMERS, 0), 120, "everyone to finish")
    wait_until(lambda: _sent(wayline) == CUSTOMERS, 60, "every message to be sent",
               lambda: describe(wayline, started))
    assert_exactly_once(wayline)


def test_flushing_redis_mid_run_loses_nothing(wayline, workers, redis):
    published(wayline)
    workers()
    workers()
    wait_until(lambda: progress(wayline)[0] > 0, 60, "work to start")
    redis.flushdb()  # queued jobs, the ticker's lease, pending sweeps: all gone
    wait_until(lambda: progress(wayline) == (CUSTOMERS, 0), 120, "everyone to finish")
    wait_until(lambda: _sent(wayline) == CUSTOMERS, 60, "every message to be sent")
    assert_exactly_once(wayline)


def _sent(rt) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(Message).where(
            Message.status == MessageStatus.SENT))


def _webhook(session, url: str) -> int:
    from runtime.store.models import Template

    template = Template(channel="webhook", name="Order hook", subject=None,
                        source='{"customer": {{ customer.external_id | json }}}',
                        options={"url": url, "method": "POST"})
    session.add(template)
    session.flush()
    return template.id


def test_a_provider_failing_twice_then_succeeding_delivers_once(wayline, http_server):
    rt = wayline
    endpoint = http_server(answers=[(500, {}, "down"), (503, {}, "busy")])
    rt.adapters["webhook"] = WebhookAdapter(timeout=2.0, allow=LOCAL)
    with rt.sessions() as session:
        add_many(session, 1, rt.clock.now())
        session.execute(Customer.__table__.update().values(consent={"webhook": True}))
        template = _webhook(session, endpoint.url)
        publish(session, add_journey(session, counting_journey(template, "webhook")),
                rt.clock.now())
        session.commit()
    drain(rt)
    move(rt, timedelta(seconds=33))   # first retry after 30 s (and up to 10% jitter)
    move(rt, timedelta(seconds=66))   # second retry after a further minute (and jitter)
    with rt.sessions() as session:
        message = session.scalars(select(Message)).one()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 3)
    keys = {request.headers["Idempotency-Key"] for request in endpoint.requests}
    assert len(endpoint.requests) == 3 and keys == {str(message.id)}


def test_a_provider_that_always_refuses_is_recorded_not_retried(wayline, http_server):
    rt = wayline
    endpoint = http_server(otherwise=(400, {}, '{"error": "bad phone"}'))
    rt.adapters["webhook"] = WebhookAdapter(timeout=2.0, allow=LOCAL)
    with rt.sessions() as session:
        add_many(session, 1, rt.clock.now())
        session.execute(Customer.__table__.update().values(consent={"webhook": True}))
        publish(session, add_journey(session, counting_journey(_webhook(session, endpoint.url),
                                                               "webhook")), rt.clock.now())
        session.commit()
    drain(rt)
    move(rt, timedelta(hours=2))
    with rt.sessions() as session:
        message = session.scalars(select(Message)).one()
        run = session.scalars(select(Run)).one()
    assert message.status is MessageStatus.FAILED and "400" in message.reason
    assert message.attempts == 1 and len(endpoint.requests) == 1
    assert run.status is RunStatus.EXITED  # the customer went on; the failure is on record

