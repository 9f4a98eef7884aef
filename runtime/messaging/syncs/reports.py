"""Delivery results fetched from providers that keep them to be asked for (`poll_reports`).

Each gateway offering `poll_reports(since)` is asked for the results of messages reported since
the last poll, less a margin (a provider may post a result a little behind its clock); a
receipt seen twice changes nothing the second time (`runtime.messaging.receipts`).
"""

from __future__ import annotations

from datetime import timedelta

from runtime.messaging.receipts import Outcome, apply_receipt
from runtime.messaging.syncs import SyncContext, SyncTask

LOOK_BACK = timedelta(minutes=10)
"""How far behind the last poll each poll starts."""

FIRST_LOOK = timedelta(hours=24)
"""How far back the first poll after a start looks."""


def poll(context: SyncContext) -> dict[str, int]:
    """Apply every result the providers report; how many moved a message."""
    applied = seen = 0
    moving: list[int] = []
    for _channels, gateway in context.gateways_with("poll_reports"):
        since = getattr(gateway, "polled_at", None)
        since = (since - LOOK_BACK) if since else context.now - FIRST_LOOK
        reports = gateway.poll_reports(since)
        with context.sessions() as session:
            for report in reports:
                outcome = apply_receipt(session, report.channel, report.receipt, context.now)
                seen += 1
                if outcome.outcome is Outcome.APPLIED:
                    applied += 1
                    if outcome.ingested is not None:
                        moving += outcome.ingested.runs_to_dispatch
            session.commit()
        gateway.polled_at = context.now
    context.wake(moving)
    return {"reports": seen, "applied": applied}


SYNC = SyncTask(key="reports", every=timedelta(minutes=1), run=poll, needs="poll_reports")
