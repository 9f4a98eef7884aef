"""run lookups: an event finds the runs it may touch by two bounded index ranges

`goal_until` is when a run's goal window closes (entry + the goal's "within"; empty when the
version has no goal). An event reads the customer's unfinished runs (partial index) and the
ended runs whose goal window is still open at the event's time, instead of every run the
customer ever had that didn't convert.

Runs that entered before this revision don't know their window: those of versions with a goal
get the far future, so they are still read (the window itself is checked against the version).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import runtime.store.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = runtime.store.models.UTCDateTime(timezone=True)
UNFINISHED = sa.text("ended_at IS NULL")
WITH_GOAL = sa.text("goal_until IS NOT NULL")
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("goal_until", WHEN, nullable=True))
    bind = op.get_bind()
    versions = sa.table("journey_versions", sa.column("id"), sa.column("document"))
    runs = sa.table("runs", sa.column("journey_version_id"), sa.column("goal_until", WHEN))
    with_goal = [version_id for version_id, document in bind.execute(
        sa.select(versions.c.id, versions.c.document))
        if (_settings(document).get("goal") or None) is not None]
    for start in range(0, len(with_goal), 500):
        bind.execute(runs.update().where(
            runs.c.journey_version_id.in_(with_goal[start:start + 500]))
            .values(goal_until=FAR_FUTURE))
    op.create_index("ix_runs_customer_open", "runs", ["customer_id"],
                    sqlite_where=UNFINISHED, postgresql_where=UNFINISHED)
    op.create_index("ix_runs_customer_goal", "runs", ["customer_id", "goal_until"],
                    sqlite_where=WITH_GOAL, postgresql_where=WITH_GOAL)


def _settings(document) -> dict:
    if isinstance(document, str):
        document = json.loads(document)
    return (document or {}).get("settings") or {}


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_runs_customer_goal", "runs")
    op.drop_index("ix_runs_customer_open", "runs")
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("goal_until")
