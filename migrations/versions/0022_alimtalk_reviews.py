"""alimtalk reviews: where each AlimTalk template stands in Kakao's review

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "template_reviews",
        sa.Column("template_id", Id, nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["templates.id"], ondelete="CASCADE",
                                name="fk_template_reviews_template_id_templates"),
        sa.PrimaryKeyConstraint("template_id", name="pk_template_reviews"),
    )
    op.create_index("ix_template_reviews_status", "template_reviews", ["status"])


def downgrade() -> None:
    op.drop_index("ix_template_reviews_status", table_name="template_reviews")
    op.drop_table("template_reviews")
