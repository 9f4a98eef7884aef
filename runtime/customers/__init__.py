"""Customers: profiles as the engine reads them, their fields and consent, bulk upserts,
CSV imports and the bounds on untrusted input. Imports `store` only."""
