"""SQL models: the system of record (DESIGN.md §5). Redis only carries work.

Portable across SQLite (embedded) and PostgreSQL (production): JSON is JSONB on Postgres,
times are stored in UTC and always come back timezone-aware, ids are 64-bit on Postgres.
Statuses are enums stored as short strings; each has a transition table in the runtime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names are derived, so Alembic sees the same names on both databases."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Wayline stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Id = BigInteger().with_variant(Integer, "sqlite")
"""Primary and foreign keys: BIGINT on Postgres, INTEGER (rowid alias) on SQLite."""

Json = JSON().with_variant(JSONB(), "postgresql")
"""JSON documents: JSONB on Postgres (indexable, compact), JSON text on SQLite."""


def utcnow() -> datetime:
    """The current time, aware, UTC (defaults only; logic takes an injected clock)."""
    return datetime.now(UTC)


def str_enum(kind: type[StrEnum]) -> Enum:
    """A column type for a status enum: its values as short strings, checked on write."""
    return Enum(kind, native_enum=False, length=16, validate_strings=True,
                values_callable=lambda members: [member.value for member in members])


class Base(DeclarativeBase):
    """Declarative base with derived constraint names."""

    metadata = MetaData(naming_convention=NAMING)


class JourneyStatus(StrEnum):
    """Where a journey is in its life."""

    DRAFT = "draft"
    LIVE = "live"
    PAUSED = "paused"
    ARCHIVED = "archived"


class RunStatus(StrEnum):
    """Where one customer's pass through a journey is."""

    ACTIVE = "active"      # due to be advanced now
    WAITING = "waiting"    # asleep until wake_at, or waiting for an event
    DONE = "done"          # reached the end of a path
    EXITED = "exited"      # left early: exit node, exit criteria, goal, archive, error


class MessageStatus(StrEnum):
    """Where one message is in the send ledger."""

    QUEUED = "queued"
    DEFERRED = "deferred"  # held back (night-time, quiet hours, a cap) until next_attempt_at
    SENT = "sent"
    DELIVERED = "delivered"  # the provider's receipt says it reached the customer
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    HELD = "held"  # its journey, its step or all sending is paused: waits, unsent, for a resume


class Customer(Base):
    """A person a journey can reach: profile fields, custom attributes, consent per channel."""

    __tablename__ = "customers"
    __table_args__ = (
        # Audience rules test attributes for equality as `attributes @> '{"plan": "pro"}'` on
        # PostgreSQL (runtime.audience.query); jsonb_path_ops indexes each key path with its value,
        # small and fast for @>. SQLite has no such index (a B-tree on JSON text is useless).
        Index("ix_customers_attributes", "attributes", postgresql_using="gin",
              postgresql_ops={"attributes": "jsonb_path_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(35))
    attributes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    consent: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tags: Mapped[list[CustomerTag]] = relationship(
        back_populates="customer", cascade="all, delete-orphan")


class CustomerTag(Base):
    """One tag on one customer (a table, so tag rules are indexed EXISTS lookups)."""

    __tablename__ = "customer_tags"
    __table_args__ = (Index(None, "tag", "customer_id"),)

    customer_id: Mapped[int] = mapped_column(
        Id, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)

    customer: Mapped[Customer] = relationship(back_populates="tags")


class IndexedAttribute(Base):
    """A custom attribute audiences filter on often, also kept in a typed, indexed column of
    customers that the database computes from the JSON (runtime.audience.indexed_attributes)."""

    __tablename__ = "indexed_attributes"
    __table_args__ = {"sqlite_autoincrement": True}  # a column name is never used twice

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    """"text" or "number": the JSON type the column holds (other values stay in the JSON)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    """Something a customer did, with its properties."""

    __tablename__ = "events"
    __table_args__ = (
        Index(None, "customer_id", "name", "occurred_at"),
        # "Did X in the last N days" over every customer (audience counts): PostgreSQL reads
        # the window's customer ids from this index alone instead of scanning the events.
        Index("ix_events_name_occurred_at", "name", "occurred_at", "customer_id")
        .ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Id, ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    properties: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dedup_key: Mapped[str | None] = mapped_column(String(128), unique=True)


class Segment(Base):
    """A saved audience rule, used by nodes by reference."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Template(Base):
    """A message template (Liquid source), reused across journeys; edits bump its version."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("channel", "name"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    options: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Journey(Base):
    """A journey: its draft document, its status and the version that is live."""

    __tablename__ = "journeys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[JourneyStatus] = mapped_column(
        str_enum(JourneyStatus), default=JourneyStatus.DRAFT, index=True)
    draft: Mapped[dict[str, Any]] = mapped_column(Json)
    draft_revision: Mapped[int] = mapped_column(Integer, default=1)
    live_version_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("journey_versions.id", use_alter=True, ondelete="SET NULL"))
    paused_reason: Mapped[str | None] = mapped_column(Text)
    """Why a paused journey was paused (who did, or which guardrail and its figures)."""
    paused_steps: Mapped[list[str]] = mapped_column(Json, default=list)
    """Steps paused on their own: customers hold before them, their messages stay unsent."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class JourneyVersion(Base):
    """A published, immutable journey document. Runs keep the version they entered with, unless
    a publish moves them to the next (`FlightMove`)."""

    __tablename__ = "journey_versions"
    # Ids are never reused (SQLite AUTOINCREMENT): workers cache compiled versions by id.
    __table_args__ = (UniqueConstraint("journey_id", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    journey_id: Mapped[int] = mapped_column(Id, ForeignKey("journeys.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(Json)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(254))  # who, as the audit names them
    contents: Mapped[dict[str, Any] | None] = mapped_column(Json, deferred=True)
    """The templates its sends render, as they were at publishing (or at the last update in
    flight), by template id as a string (`runtime.messaging.pinned`); None for a version
    published before content was pinned, whose sends render the current templates. Loaded
    only when read: everything else that reads a version (compiling it, lists) needs none."""


class FlightMove(Base):
    """Customers in flight moved from one version to the next, step by step, as the publisher
    mapped them (runtime.run.flight). Written with the version it moves to; a worker carries it
    out in batches and counts what each batch did in the same transaction."""

    __tablename__ = "flight_moves"
    __table_args__ = (Index("ix_flight_moves_unfinished", "id",
                            sqlite_where=text("finished_at IS NULL"),
                            postgresql_where=text("finished_at IS NULL")),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    journey_id: Mapped[int] = mapped_column(Id, ForeignKey("journeys.id", ondelete="CASCADE"))
    from_version_id: Mapped[int] = mapped_column(
        Id, ForeignKey("journey_versions.id", ondelete="CASCADE"))
    to_version_id: Mapped[int] = mapped_column(
        Id, ForeignKey("journey_versions.id", ondelete="CASCADE"), index=True)
    moves: Mapped[dict[str, Any]] = mapped_column(Json)
    """The map: old step id → {"action": move|leave, "to": new step id, "restart_wait": bool}."""
    expected: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    """What the preview said when it was published: customers per step."""
    done: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    """Customers moved so far per old step ("moved", "left")."""
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """While a worker carries it out; a lease that ran out (a killed worker) is taken again."""
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


IN_FLIGHT = text("status IN ('active', 'waiting')")
"""The runs the sweeper's index holds: the ones that may still have a timer."""


class Run(Base):
    """One customer's pass through one journey version, from entry to end.

    `version` is the row version: every change compares and bumps it, so a duplicate or stale
    job changes nothing. `entry_key` makes re-entry rules a unique constraint: the runtime
    derives it from the journey's re-entry setting (one key for "never", one per period …).
    """

    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("journey_id", "customer_id", "entry_key"),
        # At most one unfinished run per customer and journey, whatever the re-entry rule.
        Index("uq_runs_in_flight", "journey_id", "customer_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        # Only unfinished runs are indexed by wake time, for the sweeper: ended runs (most of
        # them, in time) never enter it. Queries write the same literal condition
        # (`runtime.run.sweeper.is_due_status`), so any plan, generic ones too, can use it.
        Index("ix_runs_due", "wake_at", sqlite_where=IN_FLIGHT, postgresql_where=IN_FLIGHT),
        Index(None, "journey_version_id", "node_id", "status"),
        # What an event reads of a customer's runs (runtime.flow.ingest): the unfinished
        # ones, and the ended ones whose goal window is still open.
        Index("ix_runs_customer_open", "customer_id", sqlite_where=text("ended_at IS NULL"),
              postgresql_where=text("ended_at IS NULL")),
        Index("ix_runs_customer_goal", "customer_id", "goal_until",
              sqlite_where=text("goal_until IS NOT NULL"),
              postgresql_where=text("goal_until IS NOT NULL")),
        # What insight rolls up per day (`runtime.insight`): entries, and conversions.
        Index(None, "entered_at"),
        Index("ix_runs_converted_at", "converted_at", sqlite_where=text("converted_at IS NOT NULL"),
              postgresql_where=text("converted_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    journey_id: Mapped[int] = mapped_column(Id, ForeignKey("journeys.id", ondelete="CASCADE"))
    journey_version_id: Mapped[int] = mapped_column(
        Id, ForeignKey("journey_versions.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        Id, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    entry_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus), default=RunStatus.ACTIVE)
    node_id: Mapped[str] = mapped_column(String(64))
    wake_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_for: Mapped[str | None] = mapped_column(String(128))
    wait: Mapped[dict[str, Any] | None] = mapped_column(Json)
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exit_reason: Mapped[str | None] = mapped_column(String(200))
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the customer first did the goal event within the goal's window (runtime.flow.ingest)."""
    goal_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the goal's window closes (entry + "within"); empty when the version has no goal."""
    visit: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    """The run's pass through its steps: steps and messages are written once per run, step and
    visit, and a move to another version (`runtime.run.flight`) starts the next pass, so a
    customer moved back to a step they passed takes it again."""


class Step(Base):
    """The step log: one row per node a run visits; (run, node, visit) is written once.

    A step that ends at once is written whole; a wait is written on arrival and gets its port
    and `left_at` when it ends, so the time spent in each step can be measured.
    """

    __tablename__ = "steps"

    # The natural key is the primary key: one index to maintain on the hottest table.
    run_id: Mapped[int] = mapped_column(Id, ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    visit: Mapped[int] = mapped_column(Integer, default=1, primary_key=True)
    port: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


QUEUED_ONLY = text("status = 'queued'")
"""The messages the delivery queue index holds: sent, failed and suppressed ones never return."""

DEFERRED_ONLY = text("status = 'deferred'")
"""The messages the deferred index holds: held back by the send policy until next_attempt_at."""

HELD_ONLY = text("status = 'held'")
"""The messages the held index holds: kept back by a paused journey or step
(runtime.messaging.brakes)."""

MARKETING_ONLY = text("purpose = 'marketing'")
"""The messages the frequency-cap index holds: transactional ones are never counted."""


class Message(Base):
    """The send ledger and outbox: one row per send step; its id is the provider idempotency key.

    `journey_id` and `template_id` are plain ids, not foreign keys: every message of a journey
    would otherwise share-lock the same journey and template rows as it is written (two workers
    then contend for them; ~10 µs a message measured). A message still goes with its journey,
    through its run, whose delete cascades to it; a deleted template's id stays as a record of
    what was sent (template ids are never reused).
    """

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("run_id", "node_id", "visit"),
        # Only queued rows are indexed for the delivery sweep
        # (`runtime.messaging.delivery.due_messages`
        # writes the same literal condition, so the planner can use it).
        Index("ix_messages_queued", "next_attempt_at", sqlite_where=QUEUED_ONLY,
              postgresql_where=QUEUED_ONLY),
        # Deferred ones apart: at night a whole audience waits here for 08:00, and the sweep
        # reads only the due end of it (`runtime.messaging.delivery.due_messages`).
        Index("ix_messages_deferred", "next_attempt_at", sqlite_where=DEFERRED_ONLY,
              postgresql_where=DEFERRED_ONLY),
        Index(None, "customer_id", "created_at"),
        # Held ones by journey and step, for a resume (`runtime.messaging.brakes`, the same
        # condition).
        Index("ix_messages_held", "journey_id", "node_id", sqlite_where=HELD_ONLY,
              postgresql_where=HELD_ONLY),
        # Frequency caps count a customer's recent marketing messages per channel
        # (`runtime.messaging.gate.cap_history`, which writes the same literal condition).
        Index("ix_messages_marketing", "customer_id", "channel", "sent_at",
              sqlite_where=MARKETING_ONLY, postgresql_where=MARKETING_ONLY),
        # Insight rolls messages up by the day they were made (`runtime.insight`); the column
        # never changes, so status updates stay heap-only on PostgreSQL.
        Index(None, "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(Id, ForeignKey("runs.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(String(64))
    visit: Mapped[int] = mapped_column(Integer, default=1)
    journey_id: Mapped[int] = mapped_column(Id)
    customer_id: Mapped[int] = mapped_column(Id, ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16), default="marketing")
    template_id: Mapped[int | None] = mapped_column(Id)
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus),
                                                  default=MessageStatus.QUEUED)
    reason: Mapped[str | None] = mapped_column(Text)
    # What the provider answered to a failed call (an excerpt): only publishers and admins
    # see it, since a provider or webhook can echo anything back.
    provider_answer: Mapped[str | None] = mapped_column(Text)
    content: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    provider_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WorkspaceSetting(Base):
    """One workspace-wide setting a marketer edits (e.g. the send policy), as a JSON value."""

    __tablename__ = "workspace_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

