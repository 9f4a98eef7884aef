"""fatigue: messages per customer per local week, per marketing channel, and each week's histogram

`customer_weeks`, `customer_week_channels`, `fatigue_weeks` and `fatigue_profiles` are summaries
the `fatigue` roller rebuilds a week at a time from messages and events
(runtime/insight/rollers/fatigue.py).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "customer_weeks",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("marketing", sa.Integer(), nullable=False),
        sa.Column("unsubscribed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("week", "customer_id", name="pk_customer_weeks"),
    )
    op.create_index("ix_customer_weeks_week_messages", "customer_weeks", ["week", "messages"])
    op.create_table(
        "customer_week_channels",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("marketing", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", "customer_id", "channel",
                                name="pk_customer_week_channels"),
    )
    op.create_index("ix_customer_week_channels_week_channel_marketing",
                    "customer_week_channels", ["week", "channel", "marketing"])
    op.create_table(
        "fatigue_weeks",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        sa.Column("unsubscribed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("week", "scope", "messages", name="pk_fatigue_weeks"),
    )
    op.create_table(
        "fatigue_profiles",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("profile", sa.String(255), nullable=False),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("week", "profile", name="pk_fatigue_profiles"),
    )


def downgrade() -> None:
    op.drop_table("fatigue_profiles")
    op.drop_table("fatigue_weeks")
    op.drop_index("ix_customer_week_channels_week_channel_marketing", "customer_week_channels")
    op.drop_table("customer_week_channels")
    op.drop_index("ix_customer_weeks_week_messages", "customer_weeks")
    op.drop_table("customer_weeks")
