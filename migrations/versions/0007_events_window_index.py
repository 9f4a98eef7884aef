"""events window index: (name, occurred_at, customer_id), PostgreSQL only

An audience rule "did 'purchase' in the last 30 days" asks which customers have such an event;
`ix_events_customer_id_name_occurred_at` answers it per customer, so a count over every customer
read all the events (a sequential scan hashed once per worker). This index holds the window's
customer ids in order, read by an index-only scan (measured on 1M customers and 100k events,
interleaved on a loaded machine: a quarter less time per count, 576 → 434 ms median). It costs
about 2 µs of server CPU per event inserted. SQLite runs such rules per customer with the
existing index and gets nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_events_name_occurred_at", "events",
                        ["name", "occurred_at", "customer_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_events_name_occurred_at", table_name="events")
