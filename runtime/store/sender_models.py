"""What a workspace sends from, and the images its messages carry.

`senders`: the registered sender numbers (발신번호) texts go out from and the Kakao sender
profiles (발신프로필) AlimTalk and Brand Message go out from, each with its registration status at
the carrier or Kakao. Korean carriers refuse texts from a number not registered in advance
(전기통신사업법 제84조의2), and a send step may only use a registered one. A number's 080 line is
the free opt-out its advertising names (정보통신망법 제50조 ④).

`assets`: images uploaded for MMS and Brand Message, kept as bytes (bounded by the channel's
limits when uploaded), which a provider gateway uploads to the provider once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.models import Base, Id


class Sender(Base):
    """A sender number or Kakao sender profile, and where its registration stands."""

    __tablename__ = "senders"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    """'phone' (a sender number) or 'kakao' (a Kakao sender profile)."""
    value: Mapped[str] = mapped_column(String(128))
    """The number, digits only, or the profile's sender key."""
    name: Mapped[str] = mapped_column(String(100))
    """Who sends, as advertising must name them: the company or the Kakao channel's name."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """'registered', 'pending' or 'rejected' (with `note` saying why)."""
    opt_out_number: Mapped[str] = mapped_column(String(20), default="")
    """The free 080 opt-out number advertising from this sender names; '' for none."""
    friends: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """A Kakao profile's channel friends, as last known (Brand Message eligibility)."""
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Asset(Base):
    """An uploaded image: its bytes, type, size and digest (the provider's copy is keyed by it)."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
