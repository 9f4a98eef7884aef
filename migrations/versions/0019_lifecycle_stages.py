"""lifecycle stages: where each customer is in the workspace's stages, their moves, and each
stage's size per local day (runtime/store/stage_models.py; the `stages` roller fills them)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "customer_stages",
        sa.Column("customer_id", Id, sa.ForeignKey(
            "customers.id", ondelete="CASCADE", name="fk_customer_stages_customer_id_customers"),
            primary_key=True),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customer_stages"),
    )
    op.create_index("ix_customer_stages_stage", "customer_stages", ["stage"])
    op.create_table(
        "stage_moves",
        sa.Column("id", Id, primary_key=True),
        sa.Column("customer_id", Id, sa.ForeignKey(
            "customers.id", ondelete="CASCADE", name="fk_stage_moves_customer_id_customers"),
            nullable=False),
        sa.Column("from_stage", sa.String(40), nullable=False),
        sa.Column("to_stage", sa.String(40), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("journey_id", Id, nullable=True),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("advanced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stage_moves"),
    )
    op.create_index("ix_stage_moves_moved_at", "stage_moves", ["moved_at"],
                    postgresql_include=["from_stage", "to_stage", "journey_id", "left_at",
                                        "advanced_at"])
    op.create_index("ix_stage_moves_customer_id_moved_at", "stage_moves",
                    ["customer_id", "moved_at"])
    op.create_table(
        "stage_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "stage", name="pk_stage_days"),
    )
    op.create_table(
        "stage_changes",
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("from_stage", sa.String(40), nullable=True),
        sa.Column("to_stage", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_stage_changes"),
    )


def downgrade() -> None:
    op.drop_table("stage_changes")
    op.drop_table("stage_days")
    op.drop_index("ix_stage_moves_customer_id_moved_at", "stage_moves")
    op.drop_index("ix_stage_moves_moved_at", "stage_moves")
    op.drop_table("stage_moves")
    op.drop_index("ix_customer_stages_stage", "customer_stages")
    op.drop_table("customer_stages")
