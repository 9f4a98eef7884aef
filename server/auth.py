"""API-key authentication for the ingest endpoints (customer writes, imports, events, entries).

The key is `X-Api-Key: <key>` (or `Authorization: Bearer <key>`), compared in constant time
with the installation's key (WAYLINE_API_KEY, else the one kept under the data dir; `wayline
settings` shows it). A missing or wrong key is a 401 in the usual error shape; the request body
is never read first.
"""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

API_KEY_HEADER = "x-api-key"


def presented_key(connection: ASGIConnection) -> str | None:
    """The key the caller sent, from X-Api-Key or an Authorization: Bearer header."""
    key = connection.headers.get(API_KEY_HEADER)
    if key:
        return key.strip()
    scheme, _, token = (connection.headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def require_api_key(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    """Guard: let the request through only with the installation's API key."""
    key = presented_key(connection)
    if key is None:
        raise NotAuthorizedException(
            "This endpoint needs the API key: send it as the X-Api-Key header "
            "(`wayline settings` shows the key).")
    expected = connection.app.state.wayline.api_key
    if not expected or not hmac.compare_digest(key.encode(), expected.encode()):
        raise NotAuthorizedException(
            "The API key is not valid: use the key `wayline settings` shows (WAYLINE_API_KEY).")


INGEST_GUARDS = [require_api_key]
"""Guards of every ingest handler."""
