"""How big a request body each kind of endpoint takes; Litestar answers 413 past it, before
reading the rest (errors.py words the answer).

Without a limit per kind, a single event could arrive as 10 MB of JSON and be decoded whole
before any check sees it. The numbers follow what each kind holds at most, with headroom.
"""

from __future__ import annotations

DEFAULT_BODY = 4 << 20
"""4 MiB, for every JSON endpoint not named below. The largest single objects are journey
documents (500 steps are ~200 KB) and templates (an email's HTML, up to 500,000 characters)."""

ONE_CUSTOMER_BODY = 256 << 10
"""256 KiB for one customer, one event or one API entry: their attributes, properties or
payload take at most 32 KiB (runtime.customers.input_bounds), the rest is headroom."""

BATCH_BODY = 16 << 20
"""16 MiB for a bulk upsert or an event batch: 1,000 items averaging 16 KiB each. Bigger
batches are split; whole files go through the CSV import."""

CSV_BODY = 4 << 30
"""4 GiB for a customer CSV import: the file is streamed, never held whole."""
