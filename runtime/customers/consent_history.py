"""Consent per channel and purpose, as three states, and the history of every change to it.

A customer's current consent stays where the send policy reads it fast: `customers.consent`,
JSON per channel (`{"sms": {"marketing": true, "night": false, "transactional": true, "at",
"source"}}`). This module reads it as a matrix — channels × purposes, each *granted*, *refused*
or *unknown* — and writes one `consent_changes` row for every cell a change moves, in the
caller's transaction (`record_changes`). Every path that changes consent calls it: customer
upserts (API, CSV import), a marketer's switch on the customer page, unsubscribe links and
the 080 opt-out loop.

The purposes follow 정보통신망법 제50조 (counsel should confirm the reading):
- *information* (`transactional`): messages the customer needs about a transaction; they go
  unless the customer refused them.
- *advertising* (`marketing`, 제50조 ①): needs an explicit prior yes; *unknown* never sends.
- *night* (night-time advertising, 제50조 ③, 21:00–08:00): needs its own separate yes.
Refusing or withdrawing must be free and immediate (제50조 ②④, 시행령 제61조).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nodes.kit.channel import Address, default_channels
from nodes.kit.values import utc_text
from runtime.store.consent_models import ConsentChangeRow, OptOutNumber
from runtime.store.sql import insert_rows


class State(StrEnum):
    """Where one purpose stands on one channel."""

    GRANTED = "granted"
    REFUSED = "refused"
    UNKNOWN = "unknown"


class Source(StrEnum):
    """The path a change came by."""

    FORM = "form"
    IMPORT = "import"
    API = "api"
    OPT_OUT_LINE = "080"
    UNSUBSCRIBE = "unsubscribe"
    MARKETER = "marketer"
    SYSTEM = "system"


PURPOSES = {"information": "transactional", "advertising": "marketing", "night": "night"}
"""Each purpose and the key of the channel's consent JSON that holds it."""

OPT_OUT_KEY = "opt_out_number"
"""Key of a channel's consent JSON naming the 080 line advertising was refused through."""

HISTORY_PAGE = 20
"""History rows the customer page shows at a time."""


def phone_channels() -> tuple[str, ...]:
    """Channels addressed to a phone number (SMS, KakaoTalk, Brand Message …): those a call
    to a 080 line refuses advertising on."""
    return tuple(spec.key for spec in default_channels()
                 if spec.address == Address.PHONE_NUMBER and spec.consent_noun)


def state_of(given: Any, purpose: str) -> State:
    """The state of `purpose` in one channel's stored consent (a mapping, a bare boolean for
    advertising, or nothing)."""
    if isinstance(given, bool):
        given = {"marketing": given}
    value = given.get(PURPOSES[purpose]) if isinstance(given, Mapping) else None
    if value is True:
        return State.GRANTED
    return State.REFUSED if value is False else State.UNKNOWN


def matrix(consent: Mapping[str, Any] | None,
           channels: Iterable[str]) -> dict[str, dict[str, State]]:
    """{channel: {purpose: state}} for the channels asked."""
    consent = consent or {}
    return {channel: {purpose: state_of(consent.get(channel), purpose) for purpose in PURPOSES}
            for channel in channels}


@dataclass(frozen=True)
class Entry:
    """A change about to be recorded: whose consent, on which channel, by what path."""

    customer_id: int
    channel: str
    before: Any
    after: Any
    source: Source
    actor: str = ""
    note: str = ""


def change_rows(entry: Entry, now: datetime) -> list[dict[str, Any]]:
    """The history rows of one channel's change: one per purpose whose state moved."""
    rows = []
    source, note = _said_source(entry)
    for purpose in PURPOSES:
        before, after = state_of(entry.before, purpose), state_of(entry.after, purpose)
        if before is after:
            continue
        rows.append({"customer_id": entry.customer_id, "channel": entry.channel,
                     "purpose": purpose, "before": before.value, "after": after.value,
                     "at": _given_at(entry.after, purpose, now), "source": source.value,
                     "actor": entry.actor[:200], "note": note[:500], "recorded_at": now})
    return rows


def _said_source(entry: Entry) -> tuple[Source, str]:
    """The path and note of an API or import change, as the caller described the consent's
    source ("signup_form" → form, kept as the note); other paths' as given."""
    said = entry.after.get("source") if isinstance(entry.after, Mapping) else None
    if entry.source not in (Source.API, Source.IMPORT) or not isinstance(said, str) \
            or said == entry.source.value:
        return entry.source, entry.note
    return (Source.FORM if "form" in said.lower() else entry.source), entry.note or said


def _given_at(after: Any, purpose: str, now: datetime) -> datetime:
    """When the customer said it: the consent's own time for advertising (an import may carry
    the date of a consent given long ago), else now."""
    if purpose == "advertising" and isinstance(after, Mapping) and after.get("at"):
        try:
            return datetime.fromisoformat(str(after["at"]).replace("Z", "+00:00"))
        except ValueError:
            return now
    return now


def record_changes(session: Session, entries: Iterable[Entry], now: datetime) -> int:
    """Add the history rows of these changes (no commit); how many rows."""
    rows = [row for entry in entries for row in change_rows(entry, now)]
    insert_rows(session, ConsentChangeRow.__table__, rows)
    return len(rows)


def history(session: Session, customer_id: int, before_id: int | None = None,
            limit: int = HISTORY_PAGE) -> list[ConsentChangeRow]:
    """A customer's changes, newest first, from before `before_id` (the page's cursor)."""
    query = select(ConsentChangeRow).where(ConsentChangeRow.customer_id == customer_id)
    if before_id is not None:
        query = query.where(ConsentChangeRow.id < before_id)
    return list(session.scalars(query.order_by(ConsentChangeRow.id.desc()).limit(limit)))


def history_count(session: Session, customer_id: int) -> int:
    """How many changes a customer's history holds."""
    return session.scalar(select(func.count()).select_from(ConsentChangeRow)
                          .where(ConsentChangeRow.customer_id == customer_id)) or 0


def refused_by_line(given: Any, line: str, at: datetime) -> dict[str, Any]:
    """One channel's consent after a call to the 080 line `line` at `at`: advertising (and
    night-time advertising) refused, information untouched."""
    record = dict(given) if isinstance(given, Mapping) else (
        {"marketing": given} if isinstance(given, bool) else {})
    if record.get("marketing") is False and OPT_OUT_KEY in record:
        return record  # already refused through a line: the first call is the one on record
    record.update(marketing=False, at=utc_text(at), source="080", **{OPT_OUT_KEY: line})
    if record.get("night") is True:
        record["night"] = False
    return record


def opted_out(session: Session, phones: Iterable[str | None]) -> dict[str, OptOutNumber]:
    """The opt-out list's entries for these numbers."""
    wanted = sorted({phone for phone in phones if phone})
    if not wanted:
        return {}
    return {row.phone: row for row in session.scalars(
        select(OptOutNumber).where(OptOutNumber.phone.in_(wanted)))}


def refuse_listed(consent: Mapping[str, Any], listed: OptOutNumber) -> dict[str, Any]:
    """A customer's consent with advertising refused on every phone channel, because their
    number is on the 080 opt-out list (`listed`)."""
    return {**consent, **{channel: refused_by_line(consent.get(channel), listed.opt_out_number,
                                                   listed.at)
                          for channel in phone_channels()}}


def entries_for(customer_id: int, before: Mapping[str, Any] | None,
                after: Mapping[str, Any], source: Source, actor: str = "",
                note: str = "") -> Sequence[Entry]:
    """An entry per channel whose consent differs between `before` and `after`."""
    before = before or {}
    return [Entry(customer_id, channel, before.get(channel), value, source, actor, note)
            for channel, value in after.items() if value != before.get(channel)]
