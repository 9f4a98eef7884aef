"""Who messages go out from: the registered sender numbers and Kakao sender profiles.

Korean carriers refuse a text from a number not registered in advance (전기통신사업법
제84조의2), and Kakao sends AlimTalk and Brand Message only from a sender profile it knows; an
advertisement must name who sends it and a free way to refuse (정보통신망법 제50조 ④, 시행령
제61조: "(광고)" and the sender's name at the start, the free opt-out line at the end) —
counsel should confirm how these apply to each workspace. The `senders` table holds them
(`runtime.store.sender_models`); WAYLINE_SMS_SENDER and WAYLINE_KAKAO_SENDER_KEY, when set,
count as registered defaults so installs from before the table keep working.

A channel says which kind of sender it uses (`ChannelSpec.sender`); a send step may pick one
(`options["sender"]`), else the kind's default is used. `load_senders` reads the table once per
batch (with the wording) and `current_senders` is what rendering and publish checks read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.messaging.compliance import current_rules
from runtime.store.sender_models import Sender

CONTENT_KEYS = {"phone": "from", "kakao": "sender_key"}
"""The message content key each kind of sender goes under (the gateways' contract)."""

OPT_OUT_WORDS = "무료수신거부"
"""The words before the 080 number in the opt-out line (시행령 제61조)."""

PHONE = re.compile(
    r"^(?:02\d{7,8}|0[3-6][1-5]\d{7,8}|01[016789]\d{7,8}|070\d{8}|080\d{7,8}"
    r"|050\d{8,9}|1[568]\d{6})$")
"""Korean numbers a sender may have: Seoul (02), regional (031–064), mobile (010, 011, 016–019),
internet (070), free (080), personal (050x) and the nationwide 15xx/16xx/18xx numbers."""

OPT_OUT = re.compile(r"^080\d{7,8}$")
"""A free opt-out number: 080 and 7 or 8 digits."""

KAKAO_KEY = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
"""A Kakao sender profile's sender key, as providers show it (letters and digits)."""


class SenderKind(StrEnum):
    """A sender number (SMS/LMS/MMS) or a Kakao sender profile (AlimTalk, Brand Message)."""

    PHONE = "phone"
    KAKAO = "kakao"


class SenderStatus(StrEnum):
    """Where a sender's registration stands with the carrier or Kakao."""

    REGISTERED = "registered"
    PENDING = "pending"
    REJECTED = "rejected"


def phone_digits(raw: str) -> str:
    """A Korean phone number as digits; ValueError saying what a valid one looks like."""
    digits = re.sub(r"[\s().-]", "", raw or "")
    if not PHONE.match(digits):
        raise ValueError("is not a Korean phone number: write it like 02-1234-5678, "
                         "010-1234-5678 or 1588-1234")
    return digits


def opt_out_digits(raw: str) -> str:
    """A free 080 opt-out number as digits ('' for none); ValueError when it is not one."""
    digits = re.sub(r"[\s().-]", "", raw or "")
    if digits and not OPT_OUT.match(digits):
        raise ValueError("must be a free 080 number, like 080-123-4567")
    return digits


def shown_number(digits: str) -> str:
    """A number as people write it: 080-123-4567, 02-123-4567, 1588-1234."""
    if len(digits) == 8 and digits[0] == "1":
        return f"{digits[:4]}-{digits[4:]}"
    head = 2 if digits.startswith("02") else 3
    middle = len(digits) - head - 4
    return f"{digits[:head]}-{digits[head:head + middle]}-{digits[-4:]}" if middle > 0 else digits


@dataclass(frozen=True)
class SenderEntry:
    """A sender as rendering and publishing see it (a row, or the environment's)."""

    kind: str
    value: str
    name: str = ""
    status: str = SenderStatus.REGISTERED
    opt_out_number: str = ""
    is_default: bool = False
    note: str = ""
    id: int | None = None
    """None for the environment's (WAYLINE_SMS_SENDER, WAYLINE_KAKAO_SENDER_KEY)."""
    friends: int | None = None
    """A Kakao profile's channel friends, as last known."""

    @property
    def is_registered(self) -> bool:
        return self.status == SenderStatus.REGISTERED

    @property
    def is_secret(self) -> bool:
        """The environment's Kakao sender key: a secret setting, never shown in full."""
        return self.kind == SenderKind.KAKAO and self.id is None

    @property
    def shown(self) -> str:
        """As people read it: a number written out; a secret only by its last four
        characters."""
        if self.kind == SenderKind.PHONE:
            return shown_number(self.value)
        return f"…{self.value[-4:]}" if self.is_secret else self.value

    @property
    def opt_out_line(self) -> str:
        """'무료수신거부 080-123-4567' for a sender with an 080 number, else ''."""
        return f"{OPT_OUT_WORDS} {shown_number(self.opt_out_number)}" \
            if self.opt_out_number else ""


@dataclass(frozen=True)
class SenderBook:
    """The workspace's senders, the environment's among them."""

    entries: tuple[SenderEntry, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    """Kind → the environment's sender (WAYLINE_SMS_SENDER …), counted as registered."""

    def all(self) -> list[SenderEntry]:
        """The stored senders, then the environment's ones not stored."""
        stored = {(entry.kind, entry.value) for entry in self.entries}
        extra = [SenderEntry(kind, value, is_default=not any(
                     entry.kind == kind and entry.is_default for entry in self.entries))
                 for kind, value in self.environment.items()
                 if value and (kind, value) not in stored]
        return [*self.entries, *extra]

    def find(self, kind: str, value: str) -> SenderEntry | None:
        """The sender of this kind with this value (a number in any usual writing)."""
        wanted = _normal(kind, value)
        return next((entry for entry in self.all()
                     if entry.kind == kind and entry.value == wanted), None)

    def default(self, kind: str) -> SenderEntry | None:
        """The kind's default: the one marked, else the environment's, else the only
        registered one."""
        entries = [entry for entry in self.all() if entry.kind == kind]
        marked = [entry for entry in entries if entry.is_default]
        if marked:
            return marked[0]
        registered = [entry for entry in entries if entry.is_registered]
        return registered[0] if len(registered) == 1 else None

    def for_send(self, kind: str, picked: str | None) -> SenderEntry | None:
        """The sender a send goes out from: the one its step picked, else the default."""
        if not kind:
            return None
        return self.find(kind, picked) if picked else self.default(kind)


def _normal(kind: str, value: str) -> str:
    if kind == SenderKind.PHONE:
        try:
            return phone_digits(value)
        except ValueError:
            return value
    return value.strip()


def entry_of(row: Sender) -> SenderEntry:
    """A stored sender as an entry."""
    return SenderEntry(row.kind, row.value, row.name, row.status, row.opt_out_number,
                       row.is_default, row.note, row.id, row.friends)


def stored_senders(session: Session) -> list[Sender]:
    """Every stored sender, by kind, defaults first."""
    return list(session.scalars(select(Sender).order_by(
        Sender.kind, Sender.is_default.desc(), Sender.id)))


_entries: tuple[SenderEntry, ...] = ()


def use_senders(entries: Iterable[SenderEntry]) -> SenderBook:
    """Make these the senders rendering and checks read in this process."""
    global _entries
    _entries = tuple(entries)
    return current_senders()


def load_senders(session: Session) -> SenderBook:
    """Read the senders table (once per batch, with the wording)."""
    return use_senders(entry_of(row) for row in stored_senders(session))


def current_senders() -> SenderBook:
    """The senders as last loaded, with the environment's (`MessageRules.senders`)."""
    return SenderBook(_entries, current_rules().senders)


def is_live(channel: str) -> bool:
    """True when the channel's messages really leave Wayline (a provider is configured)."""
    return channel in current_rules().live_channels
