"""pinned content: a published version keeps the templates it sends

`journey_versions.contents` is the content of every template a version's send steps name, as
it was when the version was published (or when its content was last updated in flight): by
template id, its version, channel, name, subject, source and options. Sends of the version's
customers render it, so saving a template no longer changes what customers already in a
journey receive.

Versions published before this revision have none (NULL): their sends keep rendering the
current template, as they always did.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import runtime.store.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("journey_versions") as batch_op:
        batch_op.add_column(sa.Column("contents", runtime.store.models.Json, nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("journey_versions") as batch_op:
        batch_op.drop_column("contents")
