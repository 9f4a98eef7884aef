"""flight moves: customers in flight moved to a new version by the publisher's map

One row per publish that moves customers: the map, the preview's counts, what has been done,
and a lease while a worker carries it out (runtime.run.flight). Runs count their passes through
the steps (`visit`): a moved customer's steps and messages are written again at the new pass.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import runtime.store.models

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = runtime.store.models.UTCDateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = runtime.store.models.Json
UNFINISHED = sa.text("finished_at IS NULL")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "flight_moves",
        sa.Column("id", ID, primary_key=True),
        sa.Column("journey_id", ID, sa.ForeignKey(
            "journeys.id", ondelete="CASCADE", name="fk_flight_moves_journey_id_journeys"),
            nullable=False),
        sa.Column("from_version_id", ID, sa.ForeignKey(
            "journey_versions.id", ondelete="CASCADE",
            name="fk_flight_moves_from_version_id_journey_versions"), nullable=False),
        sa.Column("to_version_id", ID, sa.ForeignKey(
            "journey_versions.id", ondelete="CASCADE",
            name="fk_flight_moves_to_version_id_journey_versions"), nullable=False),
        sa.Column("moves", JSON, nullable=False),
        sa.Column("expected", JSON, nullable=False),
        sa.Column("done", JSON, nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("lease_until", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_flight_moves"),
    )
    op.create_index("ix_flight_moves_to_version_id", "flight_moves", ["to_version_id"])
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("visit", sa.Integer(), nullable=False,
                                      server_default=sa.text("1")))
    op.create_index("ix_flight_moves_unfinished", "flight_moves", ["id"],
                    sqlite_where=UNFINISHED, postgresql_where=UNFINISHED)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("visit")
    op.drop_index("ix_flight_moves_unfinished", "flight_moves")
    op.drop_index("ix_flight_moves_to_version_id", "flight_moves")
    op.drop_table("flight_moves")
