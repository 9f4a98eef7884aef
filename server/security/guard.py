"""The guard every Litestar route passes: the permission table decides, deny by default.

An anonymous caller of a page is sent to sign in (and back afterwards); of the API, answered
401. A principal the table doesn't allow gets 403. A route missing from the table is refused
for everyone, and logged: it is a bug the permission test catches. A JSON endpoint sent a body
of another content type answers 415 (a cross-site form can't post JSON).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

from server.security.middleware import CREDENTIAL_ERROR_KEY
from server.security.permissions import may, route_action
from server.security.principal import SCOPE_KEY, Principal, anonymous

log = logging.getLogger("wayline.security")

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SignInRequired(HTTPException):
    """A page opened without a session: the browser is sent to sign in, then back."""

    status_code = 303

    def __init__(self, path: str) -> None:
        super().__init__(detail="Sign in to open this page.")
        self.location = f"/signin?next={quote(path, safe='/')}"


class UnsupportedMediaType(HTTPException):
    """A body in a content type the endpoint does not take."""

    status_code = HTTP_415_UNSUPPORTED_MEDIA_TYPE


def principal_of(connection: ASGIConnection) -> Principal:
    """The principal the front door resolved for this request."""
    return connection.scope.get(SCOPE_KEY) or anonymous()


def authorize(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Guard: let the request through only when the permission table allows it."""
    method = connection.scope.get("method", "GET")
    method = "GET" if method == "HEAD" else method
    if method == "OPTIONS":
        return
    path = connection.scope.get("path_template") or connection.scope["path"]
    action = route_action(method, path)
    if action is None:
        log.error("refused %s %s: the route is not in the permission table", method, path)
        raise PermissionDeniedException("This route is not open to anyone yet.")
    principal = principal_of(connection)
    if not may(principal, action):
        _refuse(connection, principal, method)
    if method in BODY_METHODS:
        _check_content_type(connection, handler)


def _refuse(connection: ASGIConnection, principal: Principal, method: str) -> None:
    error = connection.scope.get(CREDENTIAL_ERROR_KEY)
    if error:
        raise NotAuthorizedException(error)
    if principal.is_anonymous:
        if method == "GET" and _is_page(connection):
            target = connection.scope["path"]
            query = connection.scope.get("query_string", b"").decode("latin-1")
            raise SignInRequired(f"{target}?{query}" if query else target)
        raise NotAuthorizedException(
            "Sign in first, or send an API key as X-Api-Key (an admin makes keys on the Team "
            "page or with `wayline key add`).")
    who = f"your role ({principal.role.value})" if principal.role else "this key's scopes"
    raise PermissionDeniedException(f"{who[0].upper()}{who[1:]} can't do this; ask an admin.")


def _is_page(connection: ASGIConnection) -> bool:
    """True for browser pages (HTML), which send people to sign in instead of answering 401."""
    return not connection.scope["path"].startswith(("/api/", "/schema", "/metrics"))


def _check_content_type(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    field = getattr(handler, "parsed_data_field", None)
    if field is None or not _has_body(connection):
        return
    expected = getattr(field.kwarg_definition, "media_type", RequestEncodingType.JSON)
    if expected != RequestEncodingType.JSON:
        return
    sent = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    if sent != "application/json" and not sent.endswith("+json"):
        raise UnsupportedMediaType(
            f"This endpoint takes JSON: send the body with Content-Type: application/json "
            f"(got {sent or 'none'}).")


def _has_body(connection: ASGIConnection) -> bool:
    length = connection.headers.get("content-length")
    return bool(connection.headers.get("transfer-encoding")) or (
        length is not None and length.strip() not in ("", "0"))
