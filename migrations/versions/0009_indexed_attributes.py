"""indexed attributes: the custom attributes kept in typed, indexed columns of customers

Audience rules read custom attributes out of the JSON document of every customer they look at:
on PostgreSQL, each attribute test costs about as much as reading the row. An operator can name
the attributes audiences filter on often ("country", "score"); each then gets a generated column
of customers that the database computes from the JSON (so nothing that writes customers
changes) and a B-tree index on it (runtime.audience.indexed_attributes). This table lists them; the
columns themselves are added and dropped at run time, not by migrations.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import runtime.store.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "indexed_attributes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", runtime.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indexed_attributes")),
        sa.UniqueConstraint("name", name=op.f("uq_indexed_attributes_name")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    """Revert this revision (dropping the indexed columns first)."""
    bind = op.get_bind()
    for (column,) in bind.execute(sa.text("SELECT 'attr_' || id FROM indexed_attributes")).all():
        op.execute(f"DROP INDEX IF EXISTS ix_customers_{column}")
        op.execute(f"ALTER TABLE customers DROP COLUMN {column}")
    op.drop_table("indexed_attributes")
