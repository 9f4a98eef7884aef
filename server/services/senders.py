"""The workspace's senders: the sender numbers and Kakao sender profiles an admin registers,
lists, marks registered / pending / rejected and picks defaults among; every change in the
audit trail. Semantics: `runtime.messaging.senders` (전기통신사업법 제84조의2, 정보통신망법
제50조 ④)."""

from __future__ import annotations

import msgspec
from sqlalchemy import update

from runtime.errors import InvalidInputError, NotFoundError
from runtime.messaging.senders import (
    KAKAO_KEY,
    SenderEntry,
    SenderKind,
    current_senders,
    load_senders,
    opt_out_digits,
    phone_digits,
    shown_number,
    stored_senders,
)
from runtime.store.audit import Actor, record
from runtime.store.sender_models import Sender
from server.context import Wayline
from server.schemas.senders import SenderIn, SenderOut


def list_senders(wl: Wayline) -> list[SenderOut]:
    """Every sender: the stored ones, then the environment's (WAYLINE_SMS_SENDER …)."""
    with wl.reading() as session:
        book = load_senders(session)
    return [_out(entry) for entry in book.all()]


def save_sender(wl: Wayline, actor: Actor, data: SenderIn,
                sender_id: int | None = None) -> SenderOut:
    """Add a sender (no id) or change one; 422 listing every problem by field."""
    data = _checked(data)
    now = wl.now()
    with wl.writing() as session:
        row = None if sender_id is None else session.get(Sender, sender_id)
        if sender_id is not None and row is None:
            raise NotFoundError("sender", sender_id)
        taken = next((other for other in stored_senders(session)
                      if (other.kind, other.value) == (data.kind, data.value)
                      and other.id != sender_id), None)
        if taken is not None:
            raise InvalidInputError("This sender is already registered.", [_issue(
                "value", f"{data.value} is already in the list ({taken.name}); change that one")])
        before = None if row is None else _audited(row)
        if data.is_default:  # one default per kind
            session.execute(update(Sender).where(Sender.kind == data.kind)
                            .values(is_default=False), execution_options={
                                "synchronize_session": "fetch"})
        if row is None:
            row = Sender(created_at=now)
            session.add(row)
        for name, value in msgspec.structs.asdict(data).items():
            setattr(row, name, value)
        row.updated_at = now
        session.flush()
        record(session, actor, "sender.added" if before is None else "sender.changed",
               object_kind="sender", object_id=row.id, object_name=f"{row.name} ({row.value})",
               summary=f"{row.kind} {row.value}: {row.status}", before=before,
               after=_audited(row), at=now)
        load_senders(session)
        entry = next(entry for entry in current_senders().all() if entry.id == row.id)
    return _out(entry)


def delete_sender(wl: Wayline, actor: Actor, sender_id: int) -> None:
    """Remove a sender (steps that picked it are refused at their next publish)."""
    now = wl.now()
    with wl.writing() as session:
        row = session.get(Sender, sender_id)
        if row is None:
            raise NotFoundError("sender", sender_id)
        record(session, actor, "sender.deleted", object_kind="sender", object_id=row.id,
               object_name=f"{row.name} ({row.value})", before=_audited(row), at=now)
        session.delete(row)
        session.flush()
        load_senders(session)


def _checked(data: SenderIn) -> SenderIn:
    """The sender with its numbers as digits; InvalidInputError listing every problem."""
    issues = []
    value, opt_out = data.value.strip(), data.opt_out_number
    if data.kind == SenderKind.PHONE:
        try:
            value = phone_digits(value)
        except ValueError as error:
            issues.append(_issue("value", f"The sender number {error}"))
    elif not KAKAO_KEY.match(value):
        issues.append(_issue("value", "The sender key is the one the provider shows for the "
                                      "Kakao channel: 8 to 128 letters, digits, - or _"))
    try:
        opt_out = opt_out_digits(opt_out)
    except ValueError as error:
        issues.append(_issue("opt_out_number", f"The opt-out number {error}"))
    if not data.name.strip():
        issues.append(_issue("name", "Write who sends: the company's or the Kakao channel's "
                                     "name (advertising names it after (광고))"))
    if data.status == "rejected" and not data.note.strip():
        issues.append(_issue("note", "Say why it was rejected, as the carrier or Kakao said"))
    if issues:
        raise InvalidInputError("The sender has problems: " +
                                "; ".join(issue["message"] for issue in issues), issues)
    return msgspec.structs.replace(data, value=value, opt_out_number=opt_out,
                                   name=data.name.strip(), note=data.note.strip())


def _issue(field: str, message: str) -> dict[str, str]:
    return {"code": "sender.invalid", "field": field, "message": message}


def _audited(row: Sender) -> dict[str, object]:
    return {"kind": row.kind, "value": row.value, "name": row.name, "status": row.status,
            "opt_out_number": row.opt_out_number, "friends": row.friends,
            "is_default": row.is_default, "note": row.note}


def _out(entry: SenderEntry) -> SenderOut:
    return SenderOut(id=entry.id, kind=entry.kind, value="" if entry.is_secret else entry.value,
                     shown=entry.shown, name=entry.name,
                     status=entry.status, opt_out_number=entry.opt_out_number,
                     opt_out_shown=shown_number(entry.opt_out_number)
                     if entry.opt_out_number else "",
                     friends=entry.friends, is_default=entry.is_default,
                     note=entry.note, from_environment=entry.id is None)
