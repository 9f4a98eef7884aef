"""team: users, sessions, sign-in links, API keys, the audit trail, publish requests

A team works in Wayline now: people sign in (users, server-side sessions, one-time sign-in
links), other systems use scoped API keys, every change is recorded with who made it
(audit_events), and editors may ask a publisher to publish (publish_requests). Published
versions say who published them; a failed message keeps what the provider answered apart from
its reason, for publishers' eyes only.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import runtime.store.models

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('actor_name', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_kind', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=254), nullable=True),
    sa.Column('object_name', sa.String(length=254), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action_object_id_at'), ['action', 'object_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_action_ip_at'), ['action', 'ip', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_kind_actor_id_id'), ['actor_kind', 'actor_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_object_kind_object_id_id'), ['object_kind', 'object_id', 'id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('viewer', 'editor', 'publisher', 'admin', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('disabled_at', runtime.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_sign_in_at', runtime.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rate_limit', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', runtime.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', runtime.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_keys_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_table('publish_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('journey_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('draft_revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'withdrawn', name='requeststatus', native_enum=False, length=16), nullable=False),
    sa.Column('requested_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('requested_by', sa.String(length=254), nullable=False),
    sa.Column('requested_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=254), nullable=True),
    sa.Column('decided_at', runtime.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['journey_id'], ['journeys.id'], name=op.f('fk_publish_requests_journey_id_journeys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_publish_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publish_requests'))
    )
    with op.batch_alter_table('publish_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publish_requests_journey_id_status'), ['journey_id', 'status'], unique=False)

    op.create_table('sign_in_links',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('created_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', runtime.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_in_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_links'))
    )
    with op.batch_alter_table('sign_in_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_links_user_id'), ['user_id'], unique=False)

    op.create_table('user_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', runtime.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('journey_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_by', sa.String(length=254), nullable=True))

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_answer', sa.Text(), nullable=True))



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('provider_answer')

    with op.batch_alter_table('journey_versions', schema=None) as batch_op:
        batch_op.drop_column('published_by')

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('sign_in_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_links_user_id'))

    op.drop_table('sign_in_links')
    with op.batch_alter_table('publish_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publish_requests_journey_id_status'))

    op.drop_table('publish_requests')
    op.drop_table('api_keys')
    op.drop_table('users')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_object_kind_object_id_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_kind_actor_id_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action_ip_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action_object_id_at'))

    op.drop_table('audit_events')
