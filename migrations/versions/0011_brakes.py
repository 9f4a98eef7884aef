"""brakes: why a journey is paused, and the steps paused on their own

A paused journey says why (a person, or a guardrail with its figures); a step can be paused by
itself, so customers hold before it. Messages held by a pause get the status 'held' (a string
column), and a partial index finds them again for a resume.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("paused_steps", JSON, nullable=False,
                                      server_default=sa.text("'[]'")))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_held", ["journey_id", "node_id"], unique=False,
                              sqlite_where=sa.text("status = 'held'"),
                              postgresql_where=sa.text("status = 'held'"))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_held", sqlite_where=sa.text("status = 'held'"),
                            postgresql_where=sa.text("status = 'held'"))
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.drop_column("paused_steps")
        batch_op.drop_column("paused_reason")
