"""Server-side sessions: the cookie holds a random token, the database its hash and expiry.

A session ends when it sits unused for the idle time, at its absolute expiry however busy it
is, when its user signs out, is disabled or has their password reset. Signing in always starts
a new session (no fixation). Each session has its own CSRF token for state-changing requests.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from runtime.settings import Settings
from runtime.store.audit import Actor
from runtime.store.team_models import User, UserSession
from server.security.principal import Principal

COOKIE = "wayline_session"
"""The session cookie's name."""

TOUCH_EVERY = timedelta(minutes=1)
"""A session's last use is written at most this often (not on every request)."""


def new_token() -> str:
    """A fresh random token (256 bits), for a cookie, a one-time link or a CSRF token."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """How a token is stored: its SHA-256, so the table alone signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last: idle time and absolute lifetime."""

    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        """WAYLINE_SESSION_IDLE_MINUTES and WAYLINE_SESSION_MAX_HOURS."""
        return cls(timedelta(minutes=settings.session_idle_minutes),
                   timedelta(hours=settings.session_max_hours))


def start_session(db: Session, user: User, now: datetime, policy: SessionPolicy,
                  ip: str = "", user_agent: str = "") -> str:
    """A new session for `user`; the token for the cookie (only its hash is stored)."""
    token = new_token()
    # The person's sessions that ran out go now (the table holds only live ones and the few
    # that ended since this person last signed in).
    db.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                         UserSession.expires_at <= now))
    db.add(UserSession(id=token_hash(token), user_id=user.id, csrf_token=new_token(),
                       created_at=now, last_seen_at=now, expires_at=now + policy.lifetime,
                       ip=ip[:64], user_agent=user_agent[:200]))
    user.last_sign_in_at = now
    return token


def session_principal(wl_reads: Callable[[], AbstractContextManager[Session]],
                      wl_writes: Callable[[], AbstractContextManager[Session]], token: str,
                      now: datetime, policy: SessionPolicy,
                      ip: str | None = None) -> Principal | None:
    """Who the cookie's token signs in, or None when the session is unknown or over."""
    found = live_session(wl_reads, wl_writes, token_hash(token), now, policy)
    return user_principal(found[1], found[0], ip) if found else None


def live_session(wl_reads: Callable[[], AbstractContextManager[Session]],
                 wl_writes: Callable[[], AbstractContextManager[Session]], session_id: str,
                 now: datetime, policy: SessionPolicy,
                 used: bool = True) -> tuple[UserSession, User] | None:
    """The session (by its stored id) and its user while it may be used, else None.

    Reads in a read transaction; writes only to end an expired session or, when the person
    `used` it and at most once a minute, to note its last use. A page's own polling is not
    use: the canvas counts what the person does (`touch_session`)."""
    with wl_reads() as db:
        found = db.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                           .where(UserSession.id == session_id)).first()
        if found is None:
            return None
        row, user = found
        db.expunge_all()
    if user.disabled_at is not None or now >= row.expires_at or \
            now - row.last_seen_at >= policy.idle:
        with wl_writes() as db:
            end_session(db, row.id)
        return None
    if used and now - row.last_seen_at >= TOUCH_EVERY:
        with wl_writes() as db:
            touch_session(db, row.id, now)
    return row, user


def touch_session(db: Session, session_id: str, now: datetime) -> None:
    """Note that the session's person did something now (the idle clock starts again)."""
    db.execute(update(UserSession).where(UserSession.id == session_id)
               .values(last_seen_at=now))


def user_principal(user: User, row: UserSession | None = None,
                   ip: str | None = None) -> Principal:
    """The principal of a signed-in user (with their session's ids when there is one)."""
    return Principal(Actor("user", str(user.id), f"{user.name} ({user.email})", ip),
                     role=user.role, user_id=user.id, email=user.email,
                     session_id=row.id if row else None,
                     csrf_token=row.csrf_token if row else None,
                     has_password=user.password_hash is not None, language=user.language)


def end_session(db: Session, session_id: str) -> None:
    """Sign this session out."""
    db.execute(delete(UserSession).where(UserSession.id == session_id))


def end_sessions_of(db: Session, user_id: int, keep: str | None = None) -> None:
    """Sign the user out everywhere (disabled, password reset or changed), but `keep`."""
    db.execute(delete(UserSession).where(UserSession.user_id == user_id,
                                         UserSession.id != (keep or "")))
