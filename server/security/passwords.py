"""Passwords, hashed with Argon2id (argon2-cffi's recommended parameters), never stored.

Verifying costs ~50–150 ms of CPU on purpose; an unknown email is checked against a dummy
hash so the answer takes as long as for a known one (no telling which emails have accounts).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
"""The shortest password accepted: long enough that guessing within the lockout is hopeless."""

MAX_LENGTH = 256
"""The longest password accepted: hashing is bounded work, whatever is sent."""

_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("wayline-dummy-password")


def hash_password(password: str) -> str:
    """The Argon2id hash of `password` (checked with `password_problem` first)."""
    return _HASHER.hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """True when `password` matches `hashed`; a missing hash costs the same time and fails."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(hashed or _DUMMY, password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    """Why `password` can't be used, in the user's words, or None when it can."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long."
    if len(password) > MAX_LENGTH:
        return f"The password can be at most {MAX_LENGTH} characters long."
    if email and password.strip().lower() == email.strip().lower():
        return "The password can't be your email address."
    return None
