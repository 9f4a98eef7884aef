"""send policy: deferred messages, the frequency-cap index, workspace settings

- Messages held back by night-time, quiet hours or a frequency cap wait with status `deferred`
  until `next_attempt_at`; the delivery index (`ix_messages_queued`) now holds them too, so the
  sweep finds them when their time comes.
- `ix_messages_marketing` on (customer_id, channel, sent_at) of marketing messages: frequency
  caps count a customer's recent messages per channel with it.
- `workspace_settings`: settings a marketer edits (the send policy), one JSON value per key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import runtime.store.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUED_BEFORE = sa.text("status = 'queued'")
QUEUED_OR_DEFERRED = sa.text("status IN ('queued', 'deferred')")
MARKETING_ONLY = sa.text("purpose = 'marketing'")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'workspace_settings',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.JSON().with_variant(
            sa.dialects.postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.Column('updated_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_workspace_settings')))
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_queued', sqlite_where=QUEUED_BEFORE,
                            postgresql_where=QUEUED_BEFORE)
        batch_op.create_index('ix_messages_queued', ['next_attempt_at'], unique=False,
                              sqlite_where=QUEUED_OR_DEFERRED,
                              postgresql_where=QUEUED_OR_DEFERRED)
        batch_op.create_index('ix_messages_marketing', ['customer_id', 'channel', 'sent_at'],
                              unique=False, sqlite_where=MARKETING_ONLY,
                              postgresql_where=MARKETING_ONLY)


def downgrade() -> None:
    """Revert this revision (deferred messages become queued: they are re-checked at once)."""
    op.execute("UPDATE messages SET status = 'queued' WHERE status = 'deferred'")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_marketing', sqlite_where=MARKETING_ONLY,
                            postgresql_where=MARKETING_ONLY)
        batch_op.drop_index('ix_messages_queued', sqlite_where=QUEUED_OR_DEFERRED,
                            postgresql_where=QUEUED_OR_DEFERRED)
        batch_op.create_index('ix_messages_queued', ['next_attempt_at'], unique=False,
                              sqlite_where=QUEUED_BEFORE, postgresql_where=QUEUED_BEFORE)
    op.drop_table('workspace_settings')
