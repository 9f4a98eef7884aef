"""The system of record: SQL models, the database, bulk SQL, audit rows, compiled versions, and
the kinds of stored objects nodes may name (`references/`, some with tables of their own).

Importing any module here loads the whole schema (the journey tables, the team's and every
reference kind's), so Alembic and the tests see every table. Imports no other wing.
"""

from runtime.store import (  # noqa: F401  (every table)
    consent_models,
    coverage_models,
    fatigue_models,
    insight_models,
    models,
    review_models,
    sender_models,
    stage_models,
    team_models,
)
from runtime.store.references import reference_kinds

reference_kinds()  # a reference kind may declare tables of its own
