"""the sweeper's index holds unfinished runs only

`ix_runs_due` on runs.wake_at where the status is active or waiting replaces the index on
(status, wake_at): a sweep walks it in wake order and stops after the runs it claims, instead of
reading and sorting every due run; ended runs never enter it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_FLIGHT = sa.text("status IN ('active', 'waiting')")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_status_wake_at'))
        batch_op.create_index('ix_runs_due', ['wake_at'], unique=False,
                              sqlite_where=IN_FLIGHT, postgresql_where=IN_FLIGHT)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_due', sqlite_where=IN_FLIGHT, postgresql_where=IN_FLIGHT)
        batch_op.create_index(batch_op.f('ix_runs_status_wake_at'), ['status', 'wake_at'],
                              unique=False)
