"""coverage: when each customer was last touched, and the daily counts of those no one reached

`customer_touches`, `coverage_days` and `coverage_breakdowns` are summaries the coverage roller
rebuilds from runs and messages; the partial indexes on runs.ended_at and messages.sent_at let
it read only what ended or went out since its last roll.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "customer_touches",
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("last_touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("touched_until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE",
                                name="fk_customer_touches_customer_id_customers"),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customer_touches"),
    )
    op.create_index("ix_customer_touches_touched_until", "customer_touches", ["touched_until"])
    op.create_table(
        "coverage_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        sa.Column("untouched", sa.BigInteger(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "window_days", name="pk_coverage_days"),
    )
    op.create_table(
        "coverage_breakdowns",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("attribute", sa.String(64), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("untouched", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "window_days", "attribute", "value",
                                name="pk_coverage_breakdowns"),
    )
    op.create_index("ix_runs_ended_at", "runs", ["ended_at"],
                    sqlite_where=sa.text("ended_at IS NOT NULL"),
                    postgresql_where=sa.text("ended_at IS NOT NULL"))
    op.create_index("ix_messages_sent_at", "messages", ["sent_at"],
                    sqlite_where=sa.text("sent_at IS NOT NULL"),
                    postgresql_where=sa.text("sent_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_messages_sent_at", "messages")
    op.drop_index("ix_runs_ended_at", "runs")
    op.drop_table("coverage_breakdowns")
    op.drop_table("coverage_days")
    op.drop_index("ix_customer_touches_touched_until", "customer_touches")
    op.drop_table("customer_touches")
