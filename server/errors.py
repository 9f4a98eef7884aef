"""Errors to HTTP, in one place: 404 unknown, 409 wrong state, 422 with the list of issues,
503 with Retry-After when the database or Redis is down.

Every error body has the same shape (`Problem`), and every handler documents the errors it can
answer with `errors(...)`, so the OpenAPI schema tells the truth about them. An outage is never
a 500: `is_outage` says whether an error is one, for the pages to say it the same way.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy.exc import DataError, DBAPIError

from builder.i18n import negotiate, words
from builder.i18n.messages import say
from builder.validation import Issue
from runtime.errors import (
    InvalidInputError,
    NotFoundError,
    ProviderUnavailableError,
    RateLimitedError,
    SignInRefusedError,
    WaylineError,
    WrongStateError,
)
from runtime.outages import DATABASE_DOWN, REDIS_DOWN, service_down
from runtime.store.query_budget import is_over_budget
from server.security.permissions import ACTIONS, route_action

log = logging.getLogger("wayline.server")


class Problem(msgspec.Struct):
    """Every error answer: the status, a sentence saying what is wrong, and each issue."""

    status_code: int
    error: str
    detail: str
    issues: list[Issue] = []


STATUS = {NotFoundError: (404, "not_found"), WrongStateError: (409, "wrong_state"),
          InvalidInputError: (422, "invalid_input"), SignInRefusedError: (401, "not_signed_in"),
          RateLimitedError: (429, "too_many"),
          ProviderUnavailableError: (HTTP_503_SERVICE_UNAVAILABLE, "unavailable")}
"""Domain error → (HTTP status, error code); one with `retry_after` also sends Retry-After."""

TITLES = {404: "Not found: the thing asked for does not exist.",
          409: "Conflict: the action does not fit the current state.",
          413: "Too large: the request body is larger than this endpoint takes.",
          422: "Invalid input: each problem is listed with its node and field.",
          503: "Unavailable: the database, Redis or an outside provider is not answering; "
               "nothing was lost. Send the request again after the seconds in the Retry-After "
               "header.",
          401: "Not signed in: sign in, or send an API key as X-Api-Key.",
          403: "Not allowed: the role or the key's scopes can't do this (or a forged request).",
          415: "Unsupported media type: send the body as application/json.",
          429: "Too many requests: wait the seconds in the Retry-After header."}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for the error statuses a handler can answer with."""
    return {status: ResponseSpec(data_container=Problem, description=TITLES[status])
            for status in statuses}


def document_refusals(app: Any) -> None:
    """Add to each operation's documented answers the refusals every one can give: 401 and
    403 unless anyone may call it, 429 where keys may, 415 where it takes JSON."""
    for route in app.routes:
        for method, entry in getattr(route, "route_handler_map", {}).items():
            handler = entry[0] if isinstance(entry, tuple) else entry
            permission = ACTIONS.get(route_action(method, route.path_format) or "")
            if permission is None or permission.public or not handler.include_in_schema:
                continue
            statuses = [401, 403] + ([429] if permission.scopes else [])
            if method in ("POST", "PUT", "PATCH") and handler.parsed_data_field is not None:
                statuses.append(415)
            handler.responses = {**errors(*statuses), **(handler.responses or {})}


def as_issue(issue: Issue | dict[str, Any]) -> Issue:
    """An issue (the validator's `Issue`, which the API answers with too) from one or a dict."""
    if isinstance(issue, Issue):
        return issue
    return Issue(code=issue.get("code", "input.invalid"), message=issue["message"],
                 node_id=issue.get("node_id"), field=issue.get("field"),
                 severity=issue.get("severity", "error"))


def problem(status: int, error: str, detail: str, issues: list[Any] = ()) -> Response[Problem]:
    """An error response."""
    body = Problem(status_code=status, error=error, detail=detail,
                   issues=[as_issue(issue) for issue in issues])
    return Response(body, status_code=status)


def on_wayline_error(request: Request, error: WaylineError) -> Response[Problem]:
    """A domain error → its status; its issues' messages in the language the caller asks
    for (Accept-Language: Korean or English; their codes never change)."""
    status, code = next((found for kind, found in STATUS.items() if isinstance(error, kind)),
                        (422, "invalid_input"))
    answer = problem(status, code, error.message,
                     said_in(request, getattr(error, "issues", [])))
    if getattr(error, "retry_after", None) is not None:
        answer.headers["Retry-After"] = str(error.retry_after)
    return answer


def said_in(request: Request, issues: list[Any]) -> list[Issue]:
    """`issues` with their messages in the request's language."""
    _ = words(negotiate(request.headers.get("accept-language")))
    if _.language == "en":
        return [as_issue(issue) for issue in issues]
    return [msgspec.structs.replace(issue, message=say(_, issue.message))
            for issue in map(as_issue, issues)]


def on_validation_error(_request: Request, error: ValidationException) -> Response[Problem]:
    """A request that did not decode (body, query or path) → 422 listing each field."""
    issues = [Issue(code="request.invalid", message=_said(item),
                       field=item.get("key") or item.get("source"))
              for item in (error.extra if isinstance(error.extra, list) else [])
              if isinstance(item, dict)]
    if not issues:
        issues = [Issue(code="request.invalid", message=str(error.detail))]
    return problem(422, "invalid_input", "The request has problems: " +
                   "; ".join(f"{issue.field or 'body'}: {issue.message}" for issue in issues),
                   issues)


def on_http_error(request: Request, error: HTTPException) -> Response[Any]:
    """Litestar's own errors (unknown route, wrong method, bad JSON) in the same shape; a page
    opened without signing in goes to the sign-in page."""
    status = error.status_code
    location = getattr(error, "location", None)
    if status == 303 and location:
        return Redirect(location, status_code=303)
    if status == 400:  # malformed body: the same answer as any other invalid input
        return problem(422, "invalid_input", f"The request body could not be read: {error.detail}",
                       [Issue(code="request.invalid", message=str(error.detail))])
    if status == 413:
        return _too_large(request)
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
                   [Issue(code="request.invalid", message=said)])


def on_unexpected(request: Request, error: Exception) -> Response[Problem]:
    """A bug: logged with the request, answered 500 without internals (unless an outage is
    behind it: then the 503 it is)."""
    if is_outage(error):
        return on_outage(request, error)
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=error)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal",
                   "Something went wrong on our side; it has been logged.")


# --- outages and limits ------------------------------------------------------------------------

RETRY_AFTER_SECONDS = 5
"""What Retry-After asks of a client when the database or Redis is down: long enough not to
hammer a server coming back, short enough that a restart or fail-over costs a few seconds."""

OUTAGES: dict[str, tuple[type[BaseException], ...]] = {
    "database": DATABASE_DOWN, "redis": REDIS_DOWN}
"""What a service being down looks like (`runtime.outages`)."""

SERVICE_NAMES = {"database": "The database", "redis": "Redis (the job queue)"}
"""How an outage names the service that is down."""


TOO_MUCH = ("too many sql variables", "expression tree is too large", "too many terms",
            "parser stack overflow")
"""What the database says when one query asks too much of it (the request's fault)."""


def asks_too_much(error: BaseException) -> bool:
    """True when the database stopped a query for what it asked, not for being down: its time
    budget ran out (`runtime.store.query_budget`), or it was too big to run."""
    return is_over_budget(error) or any(phrase in str(error).lower() for phrase in TOO_MUCH)


def outage_of(error: BaseException) -> str | None:
    """Which service an error says is down ("database" or "redis"), looking through the errors
    it was raised from; None when it is not an outage."""
    return None if asks_too_much(error) else service_down(error)


def is_outage(error: BaseException) -> bool:
    """True when an error means the database or Redis is down (answer 503, not 500)."""
    return outage_of(error) is not None


def outage_message(error: BaseException) -> str:
    """What to tell a person when an outage stopped what they asked for."""
    service = SERVICE_NAMES[outage_of(error) or "database"]
    return (f"{service} is not answering right now, so this was not done; nothing was lost. "
            f"Try again in {RETRY_AFTER_SECONDS} seconds.")


def on_outage(request: Request, error: Exception) -> Response[Problem]:
    """The database or Redis is down: 503 with Retry-After, saying what is down. (A query
    stopped for asking too much is the request's fault: 422.)"""
    if asks_too_much(error):
        log.warning("query stopped in %s %s: %s", request.method, request.url.path,
                    str(error).splitlines()[0][:200])
        message = ("This asks the database for too much: it would take longer than Wayline "
                   "allows, or it is too big to run. Make the audience rule simpler (fewer "
                   "conditions on what customers did, shorter lists), or save parts of it as "
                   "segments or tags.")
        return problem(422, "too_much", message, [Issue(code="request.too_much",
                                                            message=message)])
    service = outage_of(error) or "database"
    log.warning("%s unavailable in %s %s: %s", service, request.method, request.url.path,
                str(error).splitlines()[0][:300] if str(error) else type(error).__name__)
    if wants_page(request):
        return outage_page(service)
    response = problem(HTTP_503_SERVICE_UNAVAILABLE, "unavailable", outage_message(error),
                       [Issue(code=f"outage.{service}", message=outage_message(error))])
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


OUTAGE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{seconds}">
<title>Wayline: {title}</title></head>
<body>
<h1>{title}</h1><p>{detail}</p></body></html>
"""
"""The page a browser gets during an outage: it says what is down and reloads itself."""

PAGE_TITLES = {"database": "Wayline can't reach its database; retrying",
               "redis": "Wayline can't reach Redis (its job queue); retrying"}


def wants_page(request: Request) -> bool:
    """True when a browser asked for a page (not the API, which always answers JSON)."""
    return (request.scope["type"] == "http" and request.method == "GET"
            and not request.url.path.startswith("/api/")
            and "text/html" in request.headers.get("accept", ""))


def outage_page(service: str) -> Response[str]:
    """A short 503 page with Retry-After, reloading itself after that many seconds."""
    detail = ("Nothing was lost. This page tries again by itself in "
              f"{RETRY_AFTER_SECONDS} seconds.")
    body = OUTAGE_PAGE.format(seconds=RETRY_AFTER_SECONDS, title=PAGE_TITLES[service],
                              detail=detail)
    return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE,
                    media_type="text/html; charset=utf-8",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS),
                             "Cache-Control": "no-store"})


def on_too_deep(request: Request, error: RecursionError) -> Response[Problem]:
    """A body nested thousands of levels deep: msgspec refuses to decode it with a
    RecursionError (our own checks bound rules and values before anything recurses), → 422."""
    log.warning("request nested too deep in %s %s: %s", request.method, request.url.path,
                error)  # no traceback: anyone can send one, and it is thousands of frames
    message = ("The request nests objects or lists too deeply to be read (thousands of "
               "levels); nothing Wayline takes goes that deep.")
    return problem(422, "invalid_input", message,
                   [Issue(code="request.too_deep", message=message)])


def _too_large(request: Request) -> Response[Problem]:
    limit = request.route_handler.resolve_request_max_body_size() or 0
    size = f" ({limit >> 20} MiB)" if limit >= 1 << 20 else f" ({limit >> 10} KiB)"
    return problem(413, "too_large", f"The request body is larger than this endpoint takes"
                   f"{size}: send fewer items at a time (a batch of customers or events can be "
                   "split), or load customers from a file with POST /api/customers/import.")


def _said(item: dict[str, Any]) -> str:
    message = str(item.get("message", "is invalid"))
    return message[0].upper() + message[1:] if message else "Is invalid"


EXCEPTION_HANDLERS = {
    WaylineError: on_wayline_error,
    ValidationException: on_validation_error,
    HTTPException: on_http_error,
    DataError: on_data_error,
    **{kind: on_outage for kinds in OUTAGES.values() for kind in kinds},
    RecursionError: on_too_deep,
    Exception: on_unexpected,
}
