"""deferred messages get their own index, so the delivery sweep never reads them early

0005 put deferred messages in the delivery index (`ix_messages_queued`) beside queued ones. At
night a whole audience can be deferred to 08:00, and the sweep's query for due messages, which
runs twice a second, then walked all of them. Queued messages keep `ix_messages_queued` alone;
deferred ones are in `ix_messages_deferred` (next_attempt_at), which the sweep reads as a range
that stops at now.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUED_OR_DEFERRED = sa.text("status IN ('queued', 'deferred')")
QUEUED_ONLY = sa.text("status = 'queued'")
DEFERRED_ONLY = sa.text("status = 'deferred'")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_queued', sqlite_where=QUEUED_OR_DEFERRED,
                            postgresql_where=QUEUED_OR_DEFERRED)
        batch_op.create_index('ix_messages_queued', ['next_attempt_at'], unique=False,
                              sqlite_where=QUEUED_ONLY, postgresql_where=QUEUED_ONLY)
        batch_op.create_index('ix_messages_deferred', ['next_attempt_at'], unique=False,
                              sqlite_where=DEFERRED_ONLY, postgresql_where=DEFERRED_ONLY)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_deferred', sqlite_where=DEFERRED_ONLY,
                            postgresql_where=DEFERRED_ONLY)
        batch_op.drop_index('ix_messages_queued', sqlite_where=QUEUED_ONLY,
                            postgresql_where=QUEUED_ONLY)
        batch_op.create_index('ix_messages_queued', ['next_attempt_at'], unique=False,
                              sqlite_where=QUEUED_OR_DEFERRED,
                              postgresql_where=QUEUED_OR_DEFERRED)
