"""The team: people, their roles, one-time sign-in links; the owner made on a first start.

People are added by an admin (the Team page, the API or `wayline user add`) and sign in the
first time with a one-time link. A workspace always keeps an active admin: the last one can't
be demoted or disabled. Disabling someone signs them out everywhere at once.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from builder.i18n import LANGUAGES
from builder.validation import Issue
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.store.audit import SYSTEM, Actor, record
from runtime.store.team_models import Role, User
from server.context import Wayline
from server.schemas.team import SignInLinkOut, UserCreate, UserOut, UserUpdate
from server.security.sessions import end_sessions_of
from server.services.signin import make_link

OWNER_EMAIL = "owner@wayline.local"
"""The first start's owner, until they change it (`wayline user add` makes real ones)."""


def user_out(user: User) -> UserOut:
    """A user as the API shows them."""
    return UserOut(id=user.id, email=user.email, name=user.name, role=user.role,
                   active=user.disabled_at is None, has_password=user.password_hash is not None,
                   last_sign_in_at=user.last_sign_in_at, created_at=user.created_at,
                   language=user.language)


def list_users(wl: Wayline) -> list[UserOut]:
    """Everyone in the workspace, admins first, then by name."""
    with wl.reading() as db:
        users = db.scalars(select(User).order_by(User.name, User.id)).all()
        return sorted((user_out(user) for user in users), key=lambda u: -Role(u.role).rank)


def add_user(wl: Wayline, actor: Actor, data: UserCreate) -> SignInLinkOut:
    """A new person, and the one-time link they sign in with the first time."""
    email = _email(data.email)
    with wl.writing() as db:
        if db.scalar(select(func.count()).select_from(User).where(User.email == email)):
            raise WrongStateError(f"{email} already has an account; reset it to send a new link.")
        now = wl.now()
        user = User(email=email, name=data.name.strip(), role=data.role, created_at=now,
                    updated_at=now)
        db.add(user)
        try:
            db.flush()
        except IntegrityError:  # added at the same moment by someone else
            raise WrongStateError(f"{email} already has an account.") from None
        link, expires = make_link(wl, db, user, "invite")
        record(db, actor, "user.added", object_kind="user", object_id=email,
               object_name=user.name, at=now, after={"role": user.role.value},
               summary=f"added {user.name} as {user.role.value}")
        return SignInLinkOut(user=user_out(user), link=link, expires_at=expires)


def update_user(wl: Wayline, actor: Actor, user_id: int, data: UserUpdate) -> UserOut:
    """Rename, change the role of, disable or enable someone."""
    with wl.writing() as db:
        # Every active admin is locked first, in id order: two changes that could each
        # remove an admin take turns, so one of them sees the other's (no admin left: 409).
        db.scalars(select(User.id).where(User.role == Role.ADMIN, User.disabled_at.is_(None))
                   .order_by(User.id).with_for_update()).all()
        user = _user(db, user_id, lock=True)
        before = _facts(user)
        if data.name is not None:
            user.name = data.name.strip()
        if data.role is not None:
            user.role = data.role
        if data.active is not None:
            user.disabled_at = None if data.active else (user.disabled_at or wl.now())
        if before["role"] == Role.ADMIN.value and before["active"]:
            _keep_an_admin(db, user)
        if user.disabled_at is not None:
            end_sessions_of(db, user.id)
        after = _facts(user)
        if after != before:
            record(db, actor, "user.changed", object_kind="user", object_id=user.email,
                   object_name=user.name, at=wl.now(), before=before, after=after,
                   summary=_change_summary(before, after))
        return user_out(user)


def reset_link(wl: Wayline, actor: Actor, user_id: int) -> SignInLinkOut:
    """A one-time link that lets someone in to set a new password (the old one stops working
    when the link is used)."""
    with wl.writing() as db:
        user = _user(db, user_id)
        if user.disabled_at is not None:
            raise WrongStateError(f"{user.email} is disabled: enable them first.")
        link, expires = make_link(wl, db, user, "reset")
        record(db, actor, "user.reset_link", object_kind="user", object_id=user.email,
               object_name=user.name, at=wl.now(), summary="made a one-time sign-in link")
        return SignInLinkOut(user=user_out(user), link=link, expires_at=expires)


def set_language(wl: Wayline, actor: Actor, user_id: int, language: str | None) -> UserOut:
    """Save the language someone reads Wayline in (None: as their browser asks)."""
    if language is not None and language not in LANGUAGES:
        message = (f"'{language}' is not a language Wayline speaks: choose one of "
                   f"{', '.join(LANGUAGES)}, or none to follow the browser.")
        raise InvalidInputError(message, [Issue(code="user.invalid", field="language",
                                                   message=message)])
    with wl.writing() as db:
        user = _user(db, user_id, lock=True)
        before = user.language
        if language != before:
            user.language = language
            user.updated_at = wl.now()
            record(db, actor, "user.language_changed", object_kind="user",
                   object_id=user.email, object_name=user.name, at=wl.now(),
                   before={"language": before}, after={"language": language},
                   summary=f"language: {before or 'as the browser asks'} → "
                           f"{language or 'as the browser asks'}")
        return user_out(user)


def find_user(wl: Wayline, email: str) -> UserOut:
    """The user with this email (for the CLI)."""
    with wl.reading() as db:
        user = db.scalars(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise NotFoundError("user", email)
        return user_out(user)


def first_start_link(wl: Wayline) -> SignInLinkOut | None:
    """On a workspace with nobody in it, the owner (an admin) and their one-time link; while
    the owner has never set a password, a fresh link each start; None otherwise."""
    with wl.writing() as db:
        users = db.scalars(select(User).limit(2)).all()
        if len(users) > 1 or (users and users[0].password_hash is not None):
            return None
        now = wl.now()
        if users:
            owner = users[0]
        else:
            owner = User(email=OWNER_EMAIL, name="Owner", role=Role.ADMIN, created_at=now,
                         updated_at=now)
            db.add(owner)
            db.flush()
            record(db, SYSTEM, "user.added", object_kind="user", object_id=owner.email,
                   object_name=owner.name, at=now, after={"role": "admin"},
                   summary="made the workspace's owner on the first start")
        if owner.disabled_at is not None:
            return None
        link, expires = make_link(wl, db, owner, "first_start")
        return SignInLinkOut(user=user_out(owner), link=link, expires_at=expires)


def has_users(wl: Wayline) -> bool:
    """True when someone can sign in (an active user exists)."""
    with wl.reading() as db:
        return bool(db.scalar(select(func.count()).select_from(User)
                              .where(User.disabled_at.is_(None))))


def _keep_an_admin(db: Session, changed: User) -> None:
    """Refuse a change that leaves the workspace with no active admin."""
    db.flush()
    admins = db.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.disabled_at.is_(None)))
    if not admins:
        raise WrongStateError(f"{changed.email} is the last active admin: make someone else "
                              "an admin first, so the workspace keeps one.")


def _user(db: Session, user_id: int, lock: bool = False) -> User:
    user = db.get(User, user_id, with_for_update=lock)
    if user is None:
        raise NotFoundError("user", user_id)
    return user


def _email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        message = f"'{value}' is not an email address: {error}"
        raise InvalidInputError(message, [Issue(code="user.invalid", field="email",
                                                   message=message)]) from None


def _facts(user: User) -> dict[str, object]:
    return {"name": user.name, "role": user.role.value, "active": user.disabled_at is None}


def _change_summary(before: dict[str, object], after: dict[str, object]) -> str:
    return ", ".join(f"{name}: {before[name]} → {after[name]}"
                     for name in after if before[name] != after[name])

