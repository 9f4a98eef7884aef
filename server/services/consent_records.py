"""A customer's consent records (the matrix and its history), and 080 opt-out CSV uploads.

The history is read here and written where consent changes (`runtime.customers.
consent_history`); an opt-out CSV goes through `runtime.messaging.opt_outs`, whose rules it
shares with the provider sync.
"""

from __future__ import annotations

from sqlalchemy import select

from builder.i18n import words
from builder.i18n.messages import say
from builder.validation import Issue
from runtime.customers.consent_history import HISTORY_PAGE, history, history_count, matrix
from runtime.errors import InvalidInputError, NotFoundError
from runtime.messaging.opt_outs import read_csv, take_opt_outs
from runtime.store.audit import Actor, record
from runtime.store.models import Customer
from server.context import Wayline
from server.schemas.customers import (
    ConsentCell,
    ConsentHistoryItem,
    ConsentHistoryPage,
    OptOutProblem,
    OptOutReport,
)
from server.services.customer_consent import consent_channels


def consent_history(wl: Wayline, external_id: str, before: int | None = None,
                    limit: int = HISTORY_PAGE) -> ConsentHistoryPage:
    """The customer's consent matrix and a page of their consent history, newest first."""
    with wl.reading() as session:
        customer = session.scalars(select(Customer).where(
            Customer.external_id == external_id)).one_or_none()
        if customer is None:
            raise NotFoundError("customer", external_id)
        rows = history(session, customer.id, before, limit + 1)
        total = history_count(session, customer.id)
        channels = [entry["key"] for entry in consent_channels()]
        cells = [ConsentCell(channel, purpose, state.value)
                 for channel, purposes in matrix(customer.consent, channels).items()
                 for purpose, state in purposes.items()]
    items = [ConsentHistoryItem(row.id, row.channel, row.purpose, row.before, row.after,
                                row.at.isoformat(), row.source, row.actor, row.note)
             for row in rows[:limit]]
    return ConsentHistoryPage(cells, items, total, items[-1].id if len(rows) > limit else None)


def import_opt_outs(wl: Wayline, actor: Actor, data: bytes,
                    language: str = "en") -> OptOutReport:
    """Load a 080 opt-out CSV (phone, date, 080 number): good rows load, each bad one is
    reported with its line, why said in `language`; audited with who uploaded it."""
    try:
        good, problems, bad = read_csv(data)
    except ValueError as error:
        raise InvalidInputError(str(error), [Issue(code="opt_outs.invalid", field="file",
                                                   message=str(error))]) from None
    now = wl.now()
    with wl.writing() as session:
        taken = take_opt_outs(session, good, "csv", now)
        record(session, actor, "customers.opt_outs_imported", object_kind="opt_outs",
               summary=f"{len(good)} 080 opt-outs loaded, {bad} bad rows, "
                       f"{taken.customers} customers refused advertising", at=now)
    return OptOutReport(len(good), taken.numbers, taken.customers, bad,
                        [OptOutProblem(line, say(words(language), problem))
                         for line, problem in problems])
