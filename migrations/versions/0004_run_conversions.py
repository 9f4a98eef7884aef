"""runs record when the customer converted

`runs.converted_at`: when the customer first did the journey goal's event within the goal's
window after entering, written as the event is ingested, so results per path and per variant
are a plain count. Runs the goal already ended (exit reason "converted: …") get their end time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import runtime.store.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("runs", sa.Column("converted_at", runtime.store.models.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE runs SET converted_at = ended_at WHERE exit_reason LIKE 'converted%'")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("converted_at")
