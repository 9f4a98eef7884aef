"""Domain errors. The server maps each to HTTP in one place; workers log them with ids."""

from __future__ import annotations

from typing import Any


class WaylineError(Exception):
    """Base of every domain error; `message` speaks to the person who caused it."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class NotFoundError(WaylineError):
    """Something asked for by id does not exist (HTTP 404)."""

    def __init__(self, kind: str, key: Any) -> None:
        super().__init__(f"There is no {kind} {key!r}.")
        self.kind, self.key = kind, key


class WrongStateError(WaylineError):
    """The action does not fit the object's state, e.g. pausing a draft (HTTP 409).

    `issues` says what to fix when the state is "has problems" (publishing an invalid draft).
    """

    def __init__(self, message: str, issues: list[Any] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


class InvalidInputError(WaylineError):
    """Input with problems, each with a node and field when it has one (HTTP 422)."""

    def __init__(self, message: str, issues: list[Any]) -> None:
        super().__init__(message)
        self.issues = issues


class SignInRefusedError(WaylineError):
    """Wrong email or password, or a disabled account (HTTP 401)."""


class RateLimitedError(WaylineError):
    """Too many attempts: try again after `retry_after` seconds (HTTP 429 with Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderUnavailableError(WaylineError):
    """An outside provider (SMS, Kakao, push) is down or busy, so nothing was done (HTTP 503
    with Retry-After `retry_after` seconds)."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.issues = [{"code": "outage.provider", "message": message}]
