"""Signing in and out: passwords with lockout, one-time links, and a person's own password.

Failed sign-ins are audit rows (`user.sign_in_failed`, the email as the object), and the
lockout counts them: `LOCKOUT_FAILURES` wrong passwords for one email within
`LOCKOUT_WINDOW` lock that email until the window has passed since the first of them, and
`IP_FAILURES` from one address lock that address. Locked answers say how long to wait
(429 with Retry-After). The password is checked outside any transaction (Argon2 is slow on
purpose), and an unknown email costs the same time as a known one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builder.validation import Issue
from runtime.errors import (
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    SignInRefusedError,
)
from runtime.messaging.tracking import public_url
from runtime.store.audit import Actor, record
from runtime.store.team_models import AuditEvent, SignInLink, User
from server.context import Wayline
from server.security import ratelimit
from server.security.passwords import hash_password, password_problem, verify_password
from server.security.principal import Principal
from server.security.sessions import (
    SessionPolicy,
    end_session,
    end_sessions_of,
    new_token,
    start_session,
    token_hash,
    user_principal,
)

LOCKOUT_FAILURES = 5
"""Wrong passwords for one email within LOCKOUT_WINDOW that lock it."""

IP_FAILURES = 30
"""Failed sign-ins from one address within LOCKOUT_WINDOW that lock the address."""

LOCKOUT_WINDOW = timedelta(minutes=15)
"""How far back failures count, and how long a lockout lasts after the first of them."""

LINK_LIFETIME = timedelta(hours=24)
"""How long a one-time sign-in link can be used."""

FAILED, SIGNED_IN = "user.sign_in_failed", "user.signed_in"

log = logging.getLogger("wayline.security")


def sign_in(wl: Wayline, email: str, password: str, ip: str | None,
            user_agent: str = "") -> tuple[str, Principal]:
    """The session token and principal for a right email and password; SignInRefusedError
    (401) or RateLimitedError (429, while locked) else."""
    email = email.strip().lower()
    now = wl.now()
    with wl.reading() as db:
        wait = lockout_wait(db, email, ip, now)
        user = db.scalars(select(User).where(User.email == email)).first()
        hashed = user.password_hash if user else None
    wait = wait or _claim_attempt(wl, email, ip)
    if wait:
        raise RateLimitedError(f"Too many failed sign-ins: try again in {_minutes(wait)}.", wait)
    right = verify_password(hashed, password)  # slow on purpose: outside any transaction
    actor = Actor("anonymous", None, email, ip)
    with wl.writing() as db:
        user = db.scalars(select(User).where(User.email == email)).first()
        if not right or user is None or user.disabled_at is not None:
            why = "disabled" if right and user is not None else "wrong email or password"
            record(db, actor, FAILED, object_kind="user", object_id=email, at=now,
                   summary=f"sign-in failed: {why}")
        else:
            token = start_session(db, user, now, SessionPolicy.from_settings(wl.settings), ip or "",
                                  user_agent)
            principal = user_principal(user, ip=ip)
            record(db, principal.actor, SIGNED_IN, object_kind="user", object_id=email,
                   object_name=user.name, at=now, summary="signed in with a password")
            _forget_attempts(wl, email)
            return token, principal
    raise SignInRefusedError("That email and password don't match an active account.")


def lockout_wait(db: Session, email: str, ip: str | None, now: datetime) -> int | None:
    """Seconds until `email` (or the address `ip`) may try again, or None when not locked."""
    since = now - LOCKOUT_WINDOW
    last_success = db.scalar(select(func.max(AuditEvent.at)).where(
        AuditEvent.action == SIGNED_IN, AuditEvent.object_id == email, AuditEvent.at > since))
    failures = db.scalars(select(AuditEvent.at).where(
        AuditEvent.action == FAILED, AuditEvent.object_id == email,
        AuditEvent.at > (last_success or since)).order_by(AuditEvent.at.desc())
        .limit(LOCKOUT_FAILURES)).all()
    waits = []
    if len(failures) >= LOCKOUT_FAILURES:
        waits.append(failures[-1] + LOCKOUT_WINDOW - now)
    if ip:
        from_ip = db.scalars(select(AuditEvent.at).where(
            AuditEvent.action == FAILED, AuditEvent.ip == ip, AuditEvent.at > since)
            .order_by(AuditEvent.at.desc()).limit(IP_FAILURES)).all()
        if len(from_ip) >= IP_FAILURES:
            waits.append(from_ip[-1] + LOCKOUT_WINDOW - now)
    wait = max(waits, default=None)
    return max(1, int(wait.total_seconds()) + 1) if wait is not None else None


def _claim_attempt(wl: Wayline, email: str, ip: str | None) -> int | None:
    """Count this attempt in Redis before the slow password check, so guesses sent in
    parallel can't all pass the lockout together; the seconds to wait when over the limit.
    (Redis away: the durable count in the audit trail still holds.)"""
    window, now = int(LOCKOUT_WINDOW.total_seconds()), wl.now()
    counted = [(f"sign-in:email:{email}", LOCKOUT_FAILURES)]
    if ip:
        counted.append((f"sign-in:ip:{ip}", IP_FAILURES))
    try:
        waits = [ratelimit.seconds_to_wait(wl.runtime.redis, who, limit, now, window)
                 for who, limit in counted]
    except RedisError as error:
        log.warning("sign-in attempts not counted in Redis (%s)", error)
        return None
    return max((wait for wait in waits if wait), default=None)


def _forget_attempts(wl: Wayline, email: str) -> None:
    """A right password clears the email's count of attempts (not the address's)."""
    window = int(LOCKOUT_WINDOW.total_seconds())
    try:
        wl.runtime.redis.delete(ratelimit.counter_key(f"sign-in:email:{email}", wl.now(),
                                                      window))
    except RedisError as error:
        log.warning("sign-in attempts not cleared in Redis (%s)", error)


def sign_out(wl: Wayline, principal: Principal) -> None:
    """End the principal's session."""
    if principal.session_id is None:
        return
    with wl.writing() as db:
        end_session(db, principal.session_id)
        record(db, principal.actor, "user.signed_out", object_kind="user",
               object_id=principal.email, at=wl.now())


def make_link(wl: Wayline, db: Session, user: User, purpose: str) -> tuple[str, datetime]:
    """A one-time sign-in link for `user` (purpose: first_start, invite, reset) and its expiry."""
    token, now = new_token(), wl.now()
    db.add(SignInLink(id=token_hash(token), user_id=user.id, purpose=purpose, created_at=now,
                      expires_at=now + LINK_LIFETIME))
    return f"{public_url(wl.settings)}/signin/link/{token}", now + LINK_LIFETIME


def link_holder(wl: Wayline, token: str) -> str | None:
    """Whom a one-time link would sign in (their email), while it can be used; None else."""
    with wl.reading() as db:
        link = db.get(SignInLink, token_hash(token))
        user = db.get(User, link.user_id) if link else None
        if link is None or link.used_at is not None or wl.now() >= link.expires_at or \
                user is None or user.disabled_at is not None:
            return None
        return user.email


def use_link(wl: Wayline, token: str, ip: str | None,
             user_agent: str = "") -> tuple[str, Principal, str]:
    """Sign in with a one-time link: (session token, principal, the link's purpose). A reset
    link clears the old password, so the person sets a new one next."""
    now = wl.now()
    with wl.writing() as db:
        link = db.get(SignInLink, token_hash(token), with_for_update=True)
        user = db.get(User, link.user_id) if link else None
        if link is None or link.used_at is not None or now >= link.expires_at or \
                user is None or user.disabled_at is not None:
            raise NotFoundError("sign-in link", "this link")
        link.used_at = now
        if link.purpose == "reset":
            user.password_hash = None
            end_sessions_of(db, user.id)
        session_token = start_session(db, user, now, SessionPolicy.from_settings(wl.settings),
                                      ip or "", user_agent)
        principal = user_principal(user, ip=ip)
        record(db, principal.actor, SIGNED_IN, object_kind="user", object_id=user.email,
               object_name=user.name, at=now, summary=f"signed in with a one-time link "
               f"({link.purpose.replace('_', ' ')})")
        return session_token, principal, link.purpose


def change_password(wl: Wayline, principal: Principal, current: str, new: str) -> None:
    """Set the signed-in person's password (the current one is needed when there is one);
    their other sessions end."""
    with wl.reading() as db:
        user = db.get(User, principal.user_id)
        if user is None:
            raise NotFoundError("user", principal.user_id)
        hashed, email = user.password_hash, user.email
    if hashed is not None and not verify_password(hashed, current):
        raise _invalid("current_password", "The current password is not right.")
    problem = password_problem(new, email)
    if problem:
        raise _invalid("password", problem)
    new_hash = hash_password(new)
    with wl.writing() as db:
        user = db.get(User, principal.user_id)
        user.password_hash = new_hash
        end_sessions_of(db, user.id, keep=principal.session_id)  # this browser stays in
        record(db, principal.actor, "user.password_changed", object_kind="user",
               object_id=user.email, object_name=user.name, at=wl.now())


def _invalid(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(message, [Issue(code="password.invalid", message=message,
                                                field=field)])


def _minutes(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' * (minutes != 1)}"
