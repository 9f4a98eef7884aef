"""Numbers that refused advertising through a 080 line, fetched from the providers that keep
them (`opt_outs(since, lines)`, the lines being the registered senders' 080 numbers), and
applied as the CSV upload applies them
(`runtime.messaging.opt_outs`): on the opt-out list, and refused on every phone channel.

Each gateway is asked for what changed since its last fetch, less a margin; a number fetched
twice changes nothing the second time (the list keeps its first call, and a customer already
refused through a line is not written again).
"""

from __future__ import annotations

from datetime import timedelta

from runtime.customers.fields import FieldError, normalise_phone
from runtime.messaging.gateways import IncompleteListError, OptOut
from runtime.messaging.opt_outs import take_opt_outs
from runtime.messaging.senders import stored_senders
from runtime.messaging.syncs import SyncContext, SyncTask, log

LOOK_BACK = timedelta(hours=1)
"""How far behind the last fetch each fetch starts."""

FIRST_LOOK = timedelta(days=30)
"""How far back the first fetch after a start looks."""


def fetch(context: SyncContext) -> dict[str, int]:
    """Apply every opt-out the providers list: numbers new to the list, customers refused."""
    numbers = customers = skipped = failed = 0
    with context.sessions() as session:
        # Every sender's line, registered or not: a refusal binds whatever the sender's state.
        lines = sorted({row.opt_out_number for row in stored_senders(session)
                        if row.opt_out_number})
    for _channels, gateway in context.gateways_with("opt_outs"):
        since = getattr(gateway, "opted_out_at", None)
        since = (since - LOOK_BACK) if since else context.now - FIRST_LOOK
        found = []
        complete = True
        try:
            listed = gateway.opt_outs(since, lines)
        except IncompleteListError as error:  # apply what it listed; ask again from `since`
            listed, complete = error.found, False
            failed += 1
            log.warning("opt-out sync: %s", error)
        except Exception as error:  # one provider down must not stop the others' refusals
            failed += 1
            log.warning("opt-out sync: %s did not list its refusals: %s",
                        type(gateway).__name__, error, exc_info=True)
            continue
        for opt_out in listed:
            try:
                found.append(OptOut(normalise_phone(opt_out.phone), opt_out.at, opt_out.via,
                                    opt_out.opt_out_number))
            except FieldError:
                skipped += 1
                log.warning("opt-out sync: %s listed a number that is not one: %r",
                            type(gateway).__name__, opt_out.phone[:40])
        with context.sessions() as session:
            taken = take_opt_outs(session, found, _source(gateway), context.now)
            session.commit()
        numbers += taken.numbers
        customers += taken.customers
        if complete:
            gateway.opted_out_at = context.now
    return {"numbers": numbers, "customers": customers, "skipped": skipped, "failed": failed}


def _source(gateway: object) -> str:
    """The gateway's key when it has one, else its class name."""
    return str(getattr(gateway, "key", None) or type(gateway).__name__)


SYNC = SyncTask(key="opt_outs", every=timedelta(minutes=10), run=fetch, needs="opt_outs")
