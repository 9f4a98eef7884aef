"""audience indexes: GIN (jsonb_path_ops) on customers.attributes, PostgreSQL only

Audience rules test an attribute for equality (`eq`, `in`) as `attributes @> '{"plan": "pro"}'`
on PostgreSQL (runtime.audience.query); this index answers that for any key, so a selective rule
("score = 99 and plan = pro") reads the few rows it matches instead of the whole table.
jsonb_path_ops indexes each key path with its value: smaller and faster for @> than the default
jsonb_ops. SQLite gets nothing (its rules use json_extract, which only per-key expression
indexes serve).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_customers_attributes", "customers", ["attributes"], unique=False,
                        postgresql_using="gin",
                        postgresql_ops={"attributes": "jsonb_path_ops"})


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_customers_attributes", table_name="customers")
