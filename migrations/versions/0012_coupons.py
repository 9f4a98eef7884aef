"""coupons: pools of unique codes, each code given to one customer at most

A "Give a coupon" step takes the next free code of its pool (the partial index on free codes
finds it) and marks it with the customer, run and step; a customer's code of a pool is found by
the second index.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import runtime.store.models

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = runtime.store.models.UTCDateTime(timezone=True)
FREE_ONLY = sa.text("customer_id IS NULL")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "coupon_pools",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("description", sa.String(1000), nullable=False, server_default=""),
        sa.Column("created_at", WHEN, nullable=False))
    op.create_table(
        "coupon_codes",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("pool_id", ID, sa.ForeignKey("coupon_pools.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("run_id", ID, nullable=True),
        sa.Column("node_id", sa.String(64), nullable=True),
        sa.Column("given_at", WHEN, nullable=True),
        sa.UniqueConstraint("pool_id", "code"))
    op.create_index("ix_coupon_codes_free", "coupon_codes", ["pool_id", "id"],
                    sqlite_where=FREE_ONLY, postgresql_where=FREE_ONLY)
    op.create_index("ix_coupon_codes_customer", "coupon_codes", ["pool_id", "customer_id"])


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("coupon_codes")
    op.drop_table("coupon_pools")
