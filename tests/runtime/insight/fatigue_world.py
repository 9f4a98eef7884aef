"""Customers, messages and events for the fatigue tests, written straight to the record."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from runtime.store.models import (
    Customer,
    Event,
    Journey,
    JourneyVersion,
    Message,
    MessageStatus,
    Run,
)

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall time in Seoul, as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL).astimezone(UTC)


class World:
    """Customers with a run each, and the messages and events the test makes."""

    def __init__(self, session, count: int) -> None:
        self.session = session
        journey = Journey(name="Fatigue", draft={})
        session.add(journey)
        session.flush()
        version = JourneyVersion(journey_id=journey.id, number=1, document={})
        session.add(version)
        session.flush()
        self.customers = [Customer(external_id=f"fatigue-{n}") for n in range(count)]
        session.add_all(self.customers)
        session.flush()
        self.runs = [Run(journey_id=journey.id, journey_version_id=version.id,
                         customer_id=customer.id, entry_key="once", node_id="send")
                     for customer in self.customers]
        session.add_all(self.runs)
        session.flush()
        self.visits = 0

    def message(self, run: Run, created_at: datetime, status: MessageStatus,
                sent_at: datetime | None = None, channel: str = "sms",
                purpose: str = "marketing") -> Message:
        self.visits += 1
        message = Message(run_id=run.id, node_id="send", visit=self.visits,
                          journey_id=run.journey_id, customer_id=run.customer_id,
                          channel=channel, purpose=purpose, status=status,
                          created_at=created_at, sent_at=sent_at)
        self.session.add(message)
        self.session.flush()
        return message

    def event(self, run: Run, name: str, occurred_at: datetime, received_at: datetime) -> None:
        self.session.add(Event(customer_id=run.customer_id, name=name, properties={},
                               occurred_at=occurred_at, received_at=received_at))
        self.session.flush()
