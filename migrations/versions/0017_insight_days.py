"""insight days: per journey step and local day, the figures the canvas and the dashboard show

`insight_days` is a summary the insight rollers rebuild from runs, messages and events; the
indexes let them read one day of each at a time. `insight_state` keeps each roller's place.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "insight_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("state", Json, nullable=False),
        sa.Column("rolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "insight_days",
        sa.Column("journey_id", Id, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version_id", Id, nullable=False),
        sa.Column("node_id", sa.String(64), nullable=False),
        sa.Column("measure", sa.String(32), nullable=False),
        sa.Column("dimension", sa.String(64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("journey_id", "day", "version_id", "node_id", "measure",
                                "dimension", name="pk_insight_days"),
    )
    op.create_index("ix_insight_days_day", "insight_days", ["day"])
    op.create_index("ix_runs_entered_at", "runs", ["entered_at"])
    op.create_index("ix_runs_converted_at", "runs", ["converted_at"],
                    sqlite_where=sa.text("converted_at IS NOT NULL"),
                    postgresql_where=sa.text("converted_at IS NOT NULL"))
    op.create_index("ix_messages_created_at", "messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_created_at", "messages")
    op.drop_index("ix_runs_converted_at", "runs")
    op.drop_index("ix_runs_entered_at", "runs")
    op.drop_table("insight_days")
    op.drop_table("insight_state")
