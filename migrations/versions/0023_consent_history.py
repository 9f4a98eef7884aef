"""consent history: every consent change per channel and purpose; the 080 opt-out numbers

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "consent_changes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("before", sa.String(16), nullable=False),
        sa.Column("after", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE",
                                name="fk_consent_changes_customer_id_customers"),
        sa.PrimaryKeyConstraint("id", name="pk_consent_changes"),
    )
    op.create_index("ix_consent_changes_customer_id_id", "consent_changes", ["customer_id", "id"])
    op.create_index("ix_consent_changes_at", "consent_changes", ["at"])
    op.create_table(
        "opt_out_numbers",
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opt_out_number", sa.String(20), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone", name="pk_opt_out_numbers"),
    )


def downgrade() -> None:
    op.drop_table("opt_out_numbers")
    op.drop_index("ix_consent_changes_at", table_name="consent_changes")
    op.drop_index("ix_consent_changes_customer_id_id", table_name="consent_changes")
    op.drop_table("consent_changes")
