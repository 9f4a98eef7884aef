"""Consent's history and the 080 opt-out list.

`consent_changes`: every change of a customer's consent, per channel and purpose (information,
advertising, night-time advertising), from which state to which, when, by what path and by
whom. Rows are only ever added — the app has no statement that updates or deletes one
(tests/runtime/test_consent_history.py reads the source to prove it) — so the table is the
record a team shows when asked how and when a customer agreed or refused (정보통신망법 제50조
①③, 시행령 제61조; counsel should confirm what must be kept and for how long). A customer's
erasure removes their rows with them (the foreign key cascades), as it removes the rest of
their personal data.

`opt_out_numbers`: phone numbers that refused advertising by calling a sender's free 080 line
(제50조 ④), imported from providers or a CSV, kept even when no customer has the number yet,
so a customer created later with it is refused advertising on the phone channels at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.models import Base, Id, UTCDateTime


class ConsentChangeRow(Base):
    """One change of one customer's consent on one channel for one purpose (append-only)."""

    __tablename__ = "consent_changes"
    __table_args__ = (Index(None, "customer_id", "id"), Index(None, "at"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Id, ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(16))
    """'information', 'advertising' or 'night' (night-time advertising)."""
    before: Mapped[str] = mapped_column(String(16))
    """'granted', 'refused' or 'unknown'."""
    after: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When the customer gave or refused it (as the source says), else when it was recorded."""
    source: Mapped[str] = mapped_column(String(16))
    """'form', 'import', 'api', '080', 'unsubscribe', 'marketer' or 'system'."""
    actor: Mapped[str] = mapped_column(String(200), default="")
    """Who, for a marketer's change (their name); '' otherwise."""
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OptOutNumber(Base):
    """A phone number (E.164) that refused advertising through a 080 line."""

    __tablename__ = "opt_out_numbers"

    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When it called (the first time we learnt of)."""
    opt_out_number: Mapped[str] = mapped_column(String(20), default="")
    """The 080 number it called, when known."""
    source: Mapped[str] = mapped_column(String(40))
    """Where we learnt it: the gateway's key, or 'csv'."""
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
