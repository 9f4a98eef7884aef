"""The system of record: SQL models, the database, bulk SQL, audit rows, compiled versions.

Importing any module here loads the whole schema (the journey tables and the team's), so
Alembic and the tests see every table. Imports no other wing.
"""

from runtime.store import models, team_models  # noqa: F401  (register every table on Base)
