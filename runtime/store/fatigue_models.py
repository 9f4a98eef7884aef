"""The tables message fatigue reads: per local week, how many messages each customer got.

Derived like every insight table (`runtime.store.insight_models`): the `fatigue` roller
(runtime/insight/rollers/fatigue.py) deletes a week's rows and rebuilds them from messages and
events, so dropping them and rolling again gives the same figures.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.models import Base, Id


class CustomerWeek(Base):
    """One customer's week (a local Monday): messages sent to them on any channel, the
    marketing ones among them, and whether they unsubscribed that week or the next.

    Only customers sent at least one message that week have a row.
    """

    __tablename__ = "customer_weeks"
    # A week's customers by how many messages they got (the distribution, the list).
    __table_args__ = (Index(None, "week", "messages"),)

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Id, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer)
    marketing: Mapped[int] = mapped_column(Integer)
    unsubscribed: Mapped[bool] = mapped_column(Boolean)


class CustomerWeekChannel(Base):
    """One customer's marketing messages on one channel in one week: what the frequency caps,
    set per channel, are compared with."""

    __tablename__ = "customer_week_channels"
    # Customers over a channel's weekly intent: a range of this index per capped channel.
    __table_args__ = (Index(None, "week", "channel", "marketing"),)

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    marketing: Mapped[int] = mapped_column(Integer)


class FatigueWeek(Base):
    """A week's histogram: customers by how many messages they got (`scope` "all": any
    message; "marketing": marketing ones), and how many of them unsubscribed that week or the
    next. What the charts read, a few dozen rows a week instead of every customer's."""

    __tablename__ = "fatigue_weeks"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, primary_key=True)
    customers: Mapped[int] = mapped_column(BigInteger)
    unsubscribed: Mapped[int] = mapped_column(BigInteger)


class FatigueProfile(Base):
    """A week's customers by their marketing per channel (`profile`: "email:3|sms:2", channels
    in order): how many got exactly that. Whatever the caps are, who is over them is a sum
    over these few rows — customers over on two channels are counted once."""

    __tablename__ = "fatigue_profiles"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    profile: Mapped[str] = mapped_column(String(255), primary_key=True)
    customers: Mapped[int] = mapped_column(BigInteger)
