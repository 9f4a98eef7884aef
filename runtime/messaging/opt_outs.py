"""The 080 opt-out loop: numbers that called a sender's free 080 line lose advertising.

Advertising by text or KakaoTalk must name a free way to refuse (정보통신망법 제50조 ④, 시행령
제61조); Korean senders use an 080 line, whose provider keeps the numbers that called. Those
numbers come to Wayline by a provider sync (`runtime.messaging.syncs.opt_outs`) or a CSV the
team downloads from the provider and uploads on the Customers page (`read_csv`). For each:

- the number goes on the opt-out list (`opt_out_numbers`), kept even when no customer has it
  yet — a customer created or given that number later is refused at once
  (`runtime.customers.records`);
- every customer with that phone is refused advertising (and night-time advertising) on each
  phone channel (SMS, KakaoTalk, Brand Message …), with a consent history row (source 080) in
  the same transaction. Information messages are untouched: the line refuses advertising.

The send policy then suppresses their advertising saying "refused advertising through
080-123-4567 on 2026-12-07". Counsel should confirm the reading; the strict one is enforced
(every phone channel, not only the one whose advertising named the line).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.customers.consent_history import (
    Source,
    entries_for,
    record_changes,
    refuse_listed,
)
from runtime.customers.fields import FieldError, normalise_phone
from runtime.messaging.gateways import OptOut
from runtime.store.consent_models import OptOutNumber
from runtime.store.models import Customer
from runtime.store.sql import insert_rows

MAX_CSV_BYTES = 5_000_000
"""Largest opt-out CSV accepted (about 150,000 rows)."""

MAX_CSV_ROWS = 200_000
"""Rows read from one CSV."""

MAX_PROBLEMS = 100
"""Bad rows listed in a report (the rest are counted)."""

CSV_ZONE = ZoneInfo("Asia/Seoul")
"""Zone of a date or time written without one (providers' exports are in Korean time)."""

HEADER_WORDS = frozenset({"phone", "number", "전화번호", "수신번호", "휴대폰번호"})
"""A first cell that says the first row is a header."""


@dataclass
class Taken:
    """What importing opt-outs did."""

    numbers: int = 0
    """Numbers new to the opt-out list."""
    customers: int = 0
    """Customers whose advertising this refused."""
    problems: list[tuple[int, str]] = field(default_factory=list)
    """(line, what is wrong) of rows not loaded."""
    bad_rows: int = 0


def take_opt_outs(session: Session, opt_outs: Sequence[OptOut], source: str,
                  now: datetime) -> Taken:
    """Put the numbers on the opt-out list and refuse their customers' advertising (no
    commit). Numbers must be E.164 already (`normalise_phone`)."""
    taken = Taken()
    first: dict[str, OptOut] = {}
    for opt_out in sorted(opt_outs, key=lambda item: item.at):
        first.setdefault(opt_out.phone, opt_out)
    if not first:
        return taken
    known = set(session.scalars(select(OptOutNumber.phone)
                                .where(OptOutNumber.phone.in_(sorted(first)))))
    insert_rows(session, OptOutNumber.__table__, [
        {"phone": phone, "at": item.at, "opt_out_number": _digits(item.opt_out_number),
         "source": source[:40], "recorded_at": now}
        for phone, item in first.items() if phone not in known])
    taken.numbers = len(first) - len(known)
    listed = {row.phone: row for row in session.scalars(
        select(OptOutNumber).where(OptOutNumber.phone.in_(sorted(first))))}
    customers = session.scalars(select(Customer).where(Customer.phone.in_(sorted(first)))
                                .order_by(Customer.id).with_for_update()).all()
    for customer in customers:
        before = dict(customer.consent or {})
        after = refuse_listed(before, listed[customer.phone])
        entries = entries_for(customer.id, before, after, Source.OPT_OUT_LINE,
                              note=_note(listed[customer.phone], source))
        if entries:
            record_changes(session, entries, now)
            customer.consent = after
            customer.updated_at = now
            taken.customers += 1
    session.flush()
    return taken


def _note(listed: OptOutNumber, source: str) -> str:
    line = listed.opt_out_number or "080"
    return f"called {line} on {listed.at:%Y-%m-%d} (via {source})"


def _digits(number: str) -> str:
    return "".join(char for char in number if char.isdigit())[:20]


def read_csv(data: bytes) -> tuple[list[OptOut], list[tuple[int, str]], int]:
    """The opt-outs of a CSV (phone, date, 080 number — a header row is optional): the good
    rows, the bad ones as (line, problem) (at most MAX_PROBLEMS), and how many were bad."""
    if len(data) > MAX_CSV_BYTES:
        raise ValueError(f"the file is {len(data):,} bytes; at most {MAX_CSV_BYTES:,} are "
                         "accepted: split it and upload the parts one by one.")
    text = data.decode("utf-8-sig", errors="replace")
    good: list[OptOut] = []
    problems: list[tuple[int, str]] = []
    bad = 0
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if line > MAX_CSV_ROWS:
            raise ValueError(f"the file has more than {MAX_CSV_ROWS:,} rows: split it.")
        if not row or not "".join(row).strip():
            continue
        if line == 1 and row[0].strip().lower() in HEADER_WORDS:
            continue
        try:
            good.append(_row(row))
        except ValueError as error:
            bad += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append((line, str(error)))
    return good, problems, bad


def _row(row: list[str]) -> OptOut:
    """One CSV row as an opt-out; ValueError saying what is wrong."""
    if len(row) < 2:
        raise ValueError("a row needs the phone number and the date it refused "
                         "(and the 080 number it called, if known).")
    try:
        phone = normalise_phone(row[0])
    except FieldError as error:
        raise ValueError(error.message) from None
    return OptOut(phone=phone, at=_moment(row[1]),
                  opt_out_number=_digits(row[2]) if len(row) > 2 else "")


def _moment(text: str) -> datetime:
    """A date (2026-12-07) or date and time, in Korean time unless it names a zone."""
    cleaned = text.strip().replace(".", "-").replace("/", "-")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(f"date {text.strip()[:40]!r} is not a date; write it as "
                         "2026-12-07 or 2026-12-07 14:30.") from None
    if len(cleaned) <= 10:
        moment = datetime.combine(moment.date(), time(0))
    return moment if moment.tzinfo else moment.replace(tzinfo=CSV_ZONE)
