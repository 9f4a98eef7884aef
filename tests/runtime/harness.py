"""A real Wayline runtime for tests: real database, real Redis, RQ burst workers in-process.

Only the clock is ours to move (a FrozenClock). Each test starts from empty tables, because
the runtime commits for real through its own sessions.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from runtime.audience.indexed_attributes import drop_attribute_index, indexed_columns
from runtime.run.jobs import Runtime, sweep_job, wake
from runtime.run.worker import run_worker
from runtime.store.models import Base, Customer, Journey, Run, RunStatus, Template

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday, 09:00 in Seoul


def truncate(engine: Engine) -> None:
    """Empty every table (children first), dropping the columns of indexed attributes."""
    with Session(engine) as session, session.begin():
        for name in indexed_columns(session):
            drop_attribute_index(session, name)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(table.name for table in Base.metadata.sorted_tables)
            # Identities keep counting: version ids are never reused (workers cache by id).
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


def drain(rt: Runtime, rounds: int = 10) -> None:
    """Sweep and run burst workers until nothing due is left (or `rounds` passes)."""
    for _ in range(rounds):
        sweep_job()
        run_worker(rt, burst=True, ticker=False)
        with rt.sessions() as session:
            due = session.scalar(select(func.count()).select_from(Run).where(
                Run.status.in_((RunStatus.ACTIVE, RunStatus.WAITING)),
                Run.wake_at <= rt.clock.now(), Run.claimed_by.is_(None)))
        if not due and not rt.steps.count and not rt.deliveries.count:
            return


def move(rt: Runtime, delta: timedelta) -> None:
    """Move the clock forward and let everything due happen."""
    rt.clock.advance(delta)
    drain(rt)


def dispatch(rt: Runtime, run_ids: list[int]) -> None:
    """Start runs at once (as the API does after an event) and work them off."""
    wake(rt, run_ids)
    run_worker(rt, burst=True, ticker=False)


def add_customers(session: Session, count: int, now: datetime, **fields: Any) -> list[int]:
    """Insert `count` customers with marketing consent on every channel; their ids."""
    consent = fields.pop("consent", {"email": True, "sms": True, "kakao": True, "push": True,
                                     "webhook": True})
    first = session.scalar(select(func.count()).select_from(Customer))
    rows = [Customer(external_id=f"c{index}", email=f"c{index}@example.com",
                     phone=f"+8210{index:08d}", attributes=dict(fields.get("attributes", {})),
                     timezone=fields.get("timezone"), consent=consent, created_at=now,
                     updated_at=now) for index in range(first, first + count)]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def add_template(session: Session, channel: str = "email", name: str = "Reminder",
                 subject: str = "Hi {{ customer.first_name }}",
                 source: str = "You left {{ event.sku }} in your cart") -> int:
    """A stored template; its id."""
    template = Template(channel=channel, name=name, subject=subject, source=source, options={})
    session.add(template)
    session.flush()
    return template.id


def add_journey(session: Session, document: dict[str, Any], name: str = "Journey") -> int:
    """A draft journey; its id."""
    journey = Journey(name=name, draft=document)
    session.add(journey)
    session.flush()
    return journey.id


GOLDEN = Path(__file__).with_name("journeys")
"""Golden journey documents, as JSON files the canvas could have saved."""


def golden(name: str, **templates: int) -> dict[str, Any]:
    """The golden journey `name`, its "$key" template references set to `templates`' ids."""
    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, str) and value.startswith("$"):
            return templates[value[1:]]
        return value
    return fill(json.loads((GOLDEN / f"{name}.json").read_text()))


def wait_until(condition, seconds: float, what: str, state=lambda: "") -> None:
    """Poll `condition` until it holds; after `seconds`, fail saying `what` and `state()`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; {state()}")
