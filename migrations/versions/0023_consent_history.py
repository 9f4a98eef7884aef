"""consent history: every consent change per channel and purpose; the 080 opt-out numbers

The consent customers already have is written into the history as one row per channel and
purpose that is not unknown (source 'system', at the consent's own time for advertising), so
the history starts complete and the two-yearly reminder finds consents given before it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

PURPOSES = {"information": "transactional", "advertising": "marketing", "night": "night"}
BATCH = 5_000
NOTE = "consent held when the history began"


def upgrade() -> None:
    op.create_table(
        "consent_changes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("before", sa.String(16), nullable=False),
        sa.Column("after", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE",
                                name="fk_consent_changes_customer_id_customers"),
        sa.PrimaryKeyConstraint("id", name="pk_consent_changes"),
    )
    op.create_index("ix_consent_changes_customer_id_id", "consent_changes", ["customer_id", "id"])
    op.create_index("ix_consent_changes_at", "consent_changes", ["at"])
    _backfill()
    op.create_table(
        "opt_out_numbers",
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opt_out_number", sa.String(20), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone", name="pk_opt_out_numbers"),
    )


def _backfill() -> None:
    """One history row per consent customers hold now (read in batches of BATCH)."""
    bind = op.get_bind()
    customers = sa.table("customers", sa.column("id", Id), sa.column("consent", sa.Text),
                         sa.column("created_at", sa.DateTime(timezone=True)))
    changes = sa.table("consent_changes", *(sa.column(name) for name in (
        "customer_id", "channel", "purpose", "before", "after", "at", "source", "actor",
        "note", "recorded_at")))
    now, after = datetime.now(UTC), 0
    while True:
        rows = bind.execute(sa.select(customers.c.id, customers.c.consent,
                                      customers.c.created_at)
                            .where(customers.c.id > after).order_by(customers.c.id)
                            .limit(BATCH)).all()
        if not rows:
            return
        found = [change for row in rows for change in _held(row, now)]
        if bind.dialect.name == "sqlite":  # Wayline stores UTC there without a zone
            for change in found:
                change["at"] = change["at"].replace(tzinfo=None)
                change["recorded_at"] = change["recorded_at"].replace(tzinfo=None)
        if found:
            bind.execute(changes.insert(), found)
        after = rows[-1].id


def _held(row: sa.Row, now: datetime) -> list[dict]:
    consent = row.consent if isinstance(row.consent, dict) else json.loads(row.consent or "{}")
    created = _aware(row.created_at) or now
    found = []
    for channel, given in (consent or {}).items():
        given = {"marketing": given} if isinstance(given, bool) else given
        if not isinstance(given, dict):
            continue
        for purpose, key in PURPOSES.items():
            if not isinstance(given.get(key), bool):
                continue
            at = _moment(given.get("at")) if purpose == "advertising" else None
            found.append({"customer_id": row.id, "channel": channel[:32], "purpose": purpose,
                          "before": "unknown",
                          "after": "granted" if given[key] else "refused",
                          "at": at or created, "source": "system", "actor": "", "note": NOTE,
                          "recorded_at": now})
    return found


def _moment(text: object) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(str(text).replace("Z", "+00:00"))) if text else None
    except ValueError:
        return None


def _aware(moment: datetime | str | None) -> datetime | None:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def downgrade() -> None:
    op.drop_table("opt_out_numbers")
    op.drop_index("ix_consent_changes_at", table_name="consent_changes")
    op.drop_index("ix_consent_changes_customer_id_id", table_name="consent_changes")
    op.drop_table("consent_changes")
