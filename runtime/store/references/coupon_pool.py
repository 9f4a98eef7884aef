"""Coupon pools: unique codes, uploaded or generated, each given to one customer at most.

A pool (`coupon_pools`) holds codes (`coupon_codes`); a "Give a coupon" step
(`nodes/action_coupon.py`) names a pool, and its executor (`runtime/flow/effects/coupon.py`)
gives the customer the next free code. A code given is marked with the customer, run and step in
the same transaction as the step, so it is given once or not at all. Deleting a pool a journey
uses is refused (through this reference kind: "in use by").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.models import Base, Id, UTCDateTime, utcnow
from runtime.store.references import ReferenceKind

FREE_ONLY = text("customer_id IS NULL")
"""The codes the free-code index holds: those not given yet."""


class CouponPool(Base):
    """A named pool of unique coupon codes."""

    __tablename__ = "coupon_pools"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CouponCode(Base):
    """One code of a pool; `customer_id` is set when it is given (then never again)."""

    __tablename__ = "coupon_codes"
    __table_args__ = (
        UniqueConstraint("pool_id", "code"),
        # The next free code of a pool, and a customer's code from a pool: both by index.
        Index("ix_coupon_codes_free", "pool_id", "id", sqlite_where=FREE_ONLY,
              postgresql_where=FREE_ONLY),
        Index("ix_coupon_codes_customer", "pool_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    pool_id: Mapped[int] = mapped_column(Id, ForeignKey("coupon_pools.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(Id)
    run_id: Mapped[int | None] = mapped_column(Id)
    node_id: Mapped[str | None] = mapped_column(String(64))
    given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def counts(session: Session, pool_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Codes given and left per pool."""
    rows = session.execute(
        select(CouponCode.pool_id, func.count(), func.count(CouponCode.customer_id))
        .where(CouponCode.pool_id.in_(pool_ids)).group_by(CouponCode.pool_id))
    found = {pool_id: {"given": given, "left": total - given} for pool_id, total, given in rows}
    return {pool_id: found.get(pool_id, {"given": 0, "left": 0}) for pool_id in pool_ids}


def _describe(session: Session, pools: Sequence[Any]) -> dict[int, dict[str, Any]]:
    return counts(session, [pool.id for pool in pools])


REFERENCE = ReferenceKind("coupon_pool", "coupon pool", CouponPool, describe=_describe)
