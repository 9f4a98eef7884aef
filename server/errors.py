"""Errors to HTTP, in one place: 404 unknown, 409 wrong state, 422 with the list of issues.

Every error body has the same shape (`Problem`), and every handler documents the errors it can
answer with `errors(...)`, so the OpenAPI schema tells the truth about them.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError, DBAPIError

from runtime.errors import InvalidInputError, NotFoundError, WaylineError, WrongStateError

log = logging.getLogger("wayline.server")


class IssueOut(msgspec.Struct, omit_defaults=True):
    """One problem: a stable code, where it is (node, field) and what to do about it."""

    code: str
    message: str
    node_id: str | None = None
    field: str | None = None
    severity: str = "error"


class Problem(msgspec.Struct):
    """Every error answer: the status, a sentence saying what is wrong, and each issue."""

    status_code: int
    error: str
    detail: str
    issues: list[IssueOut] = []


STATUS = {NotFoundError: (404, "not_found"), WrongStateError: (409, "wrong_state"),
          InvalidInputError: (422, "invalid_input")}
"""Domain error → (HTTP status, error code)."""

TITLES = {404: "Not found: the thing asked for does not exist.",
          409: "Conflict: the action does not fit the current state.",
          422: "Invalid input: each problem is listed with its node and field.",
          401: "No valid API key (send it as X-Api-Key)."}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for the error statuses a handler can answer with."""
    return {status: ResponseSpec(data_container=Problem, description=TITLES[status])
            for status in statuses}


def issue_out(issue: Any) -> IssueOut:
    """An IssueOut from a validator Issue, a dict, or anything with those attributes."""
    if isinstance(issue, IssueOut):
        return issue
    if isinstance(issue, dict):
        return IssueOut(code=issue.get("code", "input.invalid"), message=issue["message"],
                        node_id=issue.get("node_id"), field=issue.get("field"),
                        severity=issue.get("severity", "error"))
    return IssueOut(code=issue.code, message=issue.message, node_id=issue.node_id,
                    field=issue.field, severity=issue.severity)


def problem(status: int, error: str, detail: str, issues: list[Any] = ()) -> Response[Problem]:
    """An error response."""
    body = Problem(status_code=status, error=error, detail=detail,
                   issues=[issue_out(issue) for issue in issues])
    return Response(body, status_code=status)


def on_wayline_error(_request: Request, error: WaylineError) -> Response[Problem]:
    """A domain error → its status."""
    for kind, (status, code) in STATUS.items():
        if isinstance(error, kind):
            return problem(status, code, error.message, getattr(error, "issues", []))
    return problem(422, "invalid_input", error.message)


def on_validation_error(_request: Request, error: ValidationException) -> Response[Problem]:
    """A request that did not decode (body, query or path) → 422 listing each field."""
    issues = [IssueOut(code="request.invalid", message=_said(item),
                       field=item.get("key") or item.get("source"))
              for item in (error.extra if isinstance(error.extra, list) else [])
              if isinstance(item, dict)]
    if not issues:
        issues = [IssueOut(code="request.invalid", message=str(error.detail))]
    return problem(422, "invalid_input", "The request has problems: " +
                   "; ".join(f"{issue.field or 'body'}: {issue.message}" for issue in issues),
                   issues)


def on_http_error(_request: Request, error: HTTPException) -> Response[Problem]:
    """Litestar's own errors (unknown route, wrong method, bad JSON) in the same shape."""
    status = error.status_code
    if status == 400:  # malformed body: the same answer as any other invalid input
        return problem(422, "invalid_input", f"The request body could not be read: {error.detail}",
                       [IssueOut(code="request.invalid", message=str(error.detail))])
    if status >= 500:
        log.error("server error: %s", error.detail)
    return problem(status, "http_error", str(error.detail))


def on_data_error(request: Request, error: DBAPIError) -> Response[Problem]:
    """A value the database can't store (PostgreSQL refuses NUL characters in text and JSON,
    numbers out of range, …): the input's fault, so a 422, never a 500."""
    log.warning("value refused by the database in %s %s: %s", request.method, request.url.path,
                error.orig)
    said = str(error.orig).splitlines()[0] if error.orig else "a value can't be stored"
    if "0x00" in said or "\\u0000" in said:
        said = "text can't contain the NUL character (\\u0000); remove it"
    return problem(422, "invalid_input", f"A value in the request can't be stored: {said}.",
                   [IssueOut(code="request.invalid", message=said)])


def on_unexpected(request: Request, error: Exception) -> Response[Problem]:
    """A bug: logged with the request, answered 500 without internals."""
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=error)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal",
                   "Something went wrong on our side; it has been logged.")


def _said(item: dict[str, Any]) -> str:
    message = str(item.get("message", "is invalid"))
    return message[0].upper() + message[1:] if message else "Is invalid"


EXCEPTION_HANDLERS = {
    WaylineError: on_wayline_error,
    ValidationException: on_validation_error,
    HTTPException: on_http_error,
    DataError: on_data_error,
    Exception: on_unexpected,
}
