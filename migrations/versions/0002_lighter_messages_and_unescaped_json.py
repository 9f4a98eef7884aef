"""lighter message rows, and JSON keys stored as written

- messages.journey_id and messages.template_id become plain ids: their foreign keys made every
  message share-lock its journey's and template's rows as it was written. Messages still go
  with their journey through their run (runs cascade to messages).
- The delivery index holds queued messages only (`ix_messages_queued`), not the sent ones.
- SQLite: JSON used to be written with non-ASCII characters escaped (\\uXXXX), and SQLite's
  JSON paths match keys as written; customers.attributes and events.properties are rewritten
  unescaped, as Wayline now writes all JSON, so rules find such keys with one path.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUED_ONLY = sa.text("status = 'queued'")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_journey_id_journeys'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_messages_template_id_templates'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_messages_status_next_attempt_at'))
        batch_op.create_index('ix_messages_queued', ['next_attempt_at'], unique=False,
                              sqlite_where=QUEUED_ONLY, postgresql_where=QUEUED_ONLY)
    if op.get_bind().dialect.name == 'sqlite':
        _unescape('customers', 'attributes')
        _unescape('events', 'properties')


def downgrade() -> None:
    """Revert this revision (JSON stays unescaped: both spellings are the same JSON)."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_queued', sqlite_where=QUEUED_ONLY,
                            postgresql_where=QUEUED_ONLY)
        batch_op.create_index(batch_op.f('ix_messages_status_next_attempt_at'),
                              ['status', 'next_attempt_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_messages_template_id_templates'),
                                    'templates', ['template_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_messages_journey_id_journeys'),
                                    'journeys', ['journey_id'], ['id'], ondelete='CASCADE')


def _unescape(table: str, column: str) -> None:
    """Rewrite the documents holding a \\u escape with the characters themselves."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        f"SELECT id, {column} FROM {table} WHERE instr({column}, '\\u') > 0")).all()
    for row_id, document in rows:
        bind.execute(sa.text(f"UPDATE {table} SET {column} = :document WHERE id = :id"),
                     {"document": json.dumps(json.loads(document), ensure_ascii=False,
                                              separators=(",", ":")),
                      "id": row_id})
