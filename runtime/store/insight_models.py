"""The tables insight reads: summaries the rollers (`runtime.insight`) keep fresh from the record.

Every table here is derived: dropping its rows and rolling up again rebuilds it from runs,
steps, messages and events, which stay the record (STYLE 6).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.models import Base, Id, Json, UTCDateTime, utcnow


class InsightState(Base):
    """Where each roller got to: its watermarks, and when it last rolled."""

    __tablename__ = "insight_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    rolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class InsightDay(Base):
    """One figure of one journey step on one local day: how many, and how much (revenue).

    `measure` says what was counted (`runtime.insight.measures`); `dimension` splits it further
    (a message's channel, a time-to-convert bucket) and is "" when nothing does. `node_id` is ""
    for a figure of the whole journey (entries, conversions).
    """

    __tablename__ = "insight_days"
    __table_args__ = (Index(None, "day"),)

    journey_id: Mapped[int] = mapped_column(Id, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    version_id: Mapped[int] = mapped_column(Id, primary_key=True)
    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    measure: Mapped[str] = mapped_column(String(32), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    amount: Mapped[float] = mapped_column(Float, default=0.0)
