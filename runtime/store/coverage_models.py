"""The tables coverage reads: when each customer was last touched, and the daily snapshots.

All derived (STYLE 6): the coverage roller (`runtime.insight.rollers.coverage`) rebuilds them
from runs and messages. The two indexes on the record let it find, since its last roll, the runs
that ended and the messages that went out without reading either table whole.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.models import Base, Id, Message, Run, UTCDateTime

IN_A_JOURNEY = datetime(9999, 12, 31, tzinfo=UTC)
"""`touched_until` of a customer in a journey now: touched until further notice."""


class CustomerTouch(Base):
    """A customer's latest touch: `last_touched_at`, the last instant a journey or a message
    reached them; `touched_until`, the same, or IN_A_JOURNEY while a run of theirs is open.
    A customer never touched has no row."""

    __tablename__ = "customer_touches"
    __table_args__ = (Index(None, "touched_until"),)

    customer_id: Mapped[int] = mapped_column(
        Id, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    last_touched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    touched_until: Mapped[datetime] = mapped_column(UTCDateTime)


class CoverageDay(Base):
    """How many customers no journey and no message reached in the last `window_days`, as the
    roller last counted on a local day (the day's last roll stands for it)."""

    __tablename__ = "coverage_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    window_days: Mapped[int] = mapped_column(Integer, primary_key=True)
    customers: Mapped[int] = mapped_column(BigInteger)
    untouched: Mapped[int] = mapped_column(BigInteger)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoverageBreakdown(Base):
    """The untouched customers of a day and window, counted by one attribute's value."""

    __tablename__ = "coverage_breakdowns"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    window_days: Mapped[int] = mapped_column(Integer, primary_key=True)
    attribute: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    untouched: Mapped[int] = mapped_column(BigInteger)


# On the record's tables: what the roller reads since its last roll (partial: most runs are
# open and most messages made are sent, but neither column is ever set back to NULL).
Index("ix_runs_ended_at", Run.ended_at, sqlite_where=text("ended_at IS NOT NULL"),
      postgresql_where=text("ended_at IS NOT NULL"))
Index("ix_messages_sent_at", Message.sent_at, sqlite_where=text("sent_at IS NOT NULL"),
      postgresql_where=text("sent_at IS NOT NULL"))
