"""The web's front door: every HTTP request and socket passes through `Gate` first.

In order: the Host header must be one Wayline serves (no DNS rebinding); the caller is
resolved to a `Principal` (session cookie, API key, receipt secret, or anonymous) and put on
the scope; a key over its rate limit gets 429; a state-changing request made with a session
cookie needs the session's CSRF token or a same-origin Origin; a socket needs a same-origin
Origin and a session that may open its page (without one it gets the signed-out page, which
sends the browser to sign in). Every HTTP answer gets the security headers, with a CSP nonce
for the page's own inline scripts. What each route needs is the guard's job
(`server.security.guard`), against the permission table.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio.to_thread
import msgspec
from redis import RedisError

from runtime.settings import Settings
from server.context import Wayline
from server.security import ratelimit
from server.security.keys import bootstrap_principal, key_principal, receipt_principal
from server.security.permissions import PAGES, asgi_action, may
from server.security.principal import SCOPE_KEY, Principal, anonymous
from server.security.sessions import (
    COOKIE,
    TOUCH_EVERY,
    SessionPolicy,
    session_principal,
    touch_session,
)

log = logging.getLogger("wayline.security")

NONCE_KEY = "wayline.nonce"
"""Where the request's CSP nonce sits on the scope (pages put it on their inline scripts)."""

CREDENTIAL_ERROR_KEY = "wayline.credential_error"
"""Set on the scope when a key or secret was sent but is not valid (the guard says so)."""

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "x-csrf-token"
PROVIDER_REPORTS = re.compile(r"/api/providers/[a-z][a-z0-9]*/reports")
"""The report addresses that take the receipt secret in their query (`_report_secret`)."""

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class Gate:
    """ASGI middleware in front of everything (ReactPy's socket and files, and Litestar)."""

    def __init__(self, app: App, wayline: Wayline,
                 page_of: Callable[[str], str | None] = lambda _path: None,
                 signed_out_path: str = "") -> None:
        self.app = app
        self.wl = wayline
        self.page_of = page_of  # a socket's path → the page it renders
        self.signed_out_path = signed_out_path
        self.hosts = allowed_hosts(wayline)
        self.policy = SessionPolicy.from_settings(wayline.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if not is_allowed_host(headers.get("host", ""), self.hosts):
            await _refuse(scope, send, 400, "This host name is not one Wayline serves: add it "
                          "to WAYLINE_ALLOWED_HOSTS if it should be.")
            return
        principal, error = await anyio.to_thread.run_sync(self._principal, scope, headers)
        scope[SCOPE_KEY] = principal
        if error:
            scope[CREDENTIAL_ERROR_KEY] = error
        if scope["type"] == "websocket":
            await self._socket(scope, receive, send, headers, principal)
            return
        refusal = await self._refusal(scope, headers, principal)
        if refusal is not None:
            await _refuse(scope, send, *refusal, headers=security_headers(self.wl))
            return
        nonce = secrets.token_urlsafe(16)
        scope[NONCE_KEY] = nonce
        await self.app(scope, receive,
                       _with_headers(send, security_headers(self.wl), nonce, scope["path"]))

    def _principal(self, scope: Scope, headers: dict[str, str]) -> tuple[Principal, str | None]:
        """Who is calling, and what is wrong with the credential sent (runs in a thread: it
        may read the database)."""
        ip = (scope.get("client") or ("", 0))[0] or None
        now, wl = self.wl.now(), self.wl
        presented = _presented_key(headers)
        if presented is not None:
            principal = (bootstrap_principal(presented, wl.api_key, ip)
                         or key_principal(wl.reading, wl.writing, presented, now, ip))
            return (principal, None) if principal else (anonymous(ip), (
                "The API key is not valid (it may have been revoked): send a key an admin "
                "made, as X-Api-Key."))
        secret = headers.get("x-receipt-secret")
        if secret is None:
            secret = _report_secret(scope)
        if secret is not None:
            principal = receipt_principal(secret.strip(), wl.settings.receipt_secret, ip)
            return (principal, None) if principal else (anonymous(ip), (
                "The receipt secret is not valid: send the value of WAYLINE_RECEIPT_SECRET as "
                "X-Receipt-Secret."))
        token = _cookie(headers, COOKIE)
        if token:
            principal = session_principal(wl.reading, wl.writing, token, now, self.policy, ip)
            if principal is not None:
                return principal, None
        return anonymous(ip), None

    async def static(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Paths served outside Litestar (ReactPy's client files): those the permission table
        opens to anyone, after the host check, with the headers; nothing else."""
        if not is_allowed_host(_headers(scope).get("host", ""), self.hosts):
            await _refuse(scope, send, 400, "This host name is not one Wayline serves.")
            return
        if asgi_action(scope["path"]) != "public":
            await _refuse(scope, send, 404, "There is nothing here.")
            return
        await self.app(scope, receive,
                       _with_headers(send, security_headers(self.wl), "", scope["path"]))

    async def _refusal(self, scope: Scope, headers: dict[str, str],
                       principal: Principal) -> tuple[int, str, dict[str, str]] | None:
        """Why an HTTP request is refused before any route sees it (status, message, headers)."""
        if principal.actor.kind == "key":
            limit = principal.rate_limit or self.wl.settings.key_rate_limit
            wait = await anyio.to_thread.run_sync(self._over_limit, principal.actor.id, limit)
            if wait is not None:
                return 429, (f"This key made more than {limit:,} requests this minute: slow "
                             "down, or ask an admin for a higher limit."), {
                    "Retry-After": str(wait)}
        if scope["method"] in UNSAFE_METHODS and principal.session_id is not None:
            problem = csrf_problem(headers, principal, self.origins(headers))
            if problem:
                return 403, problem, {}
        return None

    def _over_limit(self, key_id: str | None, limit: int) -> int | None:
        try:
            return ratelimit.seconds_to_wait(self.wl.runtime.redis, f"key:{key_id}", limit,
                                             self.wl.now())
        except RedisError as error:  # the limit is a brake, not a gate: let ingest through
            log.warning("rate limit not checked (Redis: %s)", error)
            return None

    def origins(self, headers: dict[str, str]) -> set[str]:
        """The origins this request may come from."""
        return request_origins(self.wl.settings, headers.get("host", ""))

    async def _socket(self, scope: Scope, receive: Receive, send: Send,
                      headers: dict[str, str], principal: Principal) -> None:
        """A canvas socket: same origin only; a known page its principal may open (without a
        session: the signed-out page); any other path is refused."""
        if headers.get("origin", "") not in self.origins(headers):
            log.warning("socket refused: origin %r", headers.get("origin"))
            await _refuse(scope, send, 403, "")
            return
        page = self.page_of(scope["path"])
        if page is None and scope["path"] != self.signed_out_path:
            log.warning("socket refused: no page at %r", scope["path"][:200])
            await _refuse(scope, send, 404, "")
            return
        if page is not None and not principal.is_user:
            scope = {**scope, "path": self.signed_out_path, "raw_path": None}
        elif page is not None and not may(principal, PAGES[page]):
            await _refuse(scope, send, 403, "")
            return
        if principal.session_id is not None:
            receive = self._noting_use(receive, principal.session_id)
        await self.app(scope, receive, send)

    def _noting_use(self, receive: Receive, session_id: str) -> Receive:
        """The socket's `receive`, noting the person's clicks and keys (the page's events) as
        use of their session, at most once a minute; the page's own polling is not use."""
        noted = [self.wl.now()]

        async def receiving() -> dict[str, Any]:
            message = await receive()
            now = self.wl.now()
            if '"layout-event"' in (message.get("text") or "") and \
                    now - noted[0] >= TOUCH_EVERY:
                noted[0] = now
                await anyio.to_thread.run_sync(self._touch, session_id, now)
            return message

        return receiving

    def _touch(self, session_id: str, now: datetime) -> None:
        with self.wl.writing() as db:
            touch_session(db, session_id, now)


def request_origins(settings: Settings, host: str) -> set[str]:
    """The origins a request to `host` (an allowed Host header) may come from: that host
    itself, and the public URL's."""
    found = {f"http://{host}", f"https://{host}"}
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        found.add(f"{parts.scheme}://{parts.netloc}")
    return found


def allowed_hosts(wl: Wayline) -> frozenset[str]:
    """WAYLINE_ALLOWED_HOSTS, or the loopback names, the bound address and the public URL's."""
    settings = wl.settings
    if settings.allowed_hosts:
        return frozenset(settings.allowed_hosts.split(","))
    names = set(LOOPBACK_HOSTS)
    if settings.host not in ("0.0.0.0", "::", ""):
        names.add(settings.host.lower())
    if settings.public_url:
        names.add((urlsplit(settings.public_url).hostname or "").lower())
    return frozenset(names)


def is_allowed_host(host_header: str, allowed: frozenset[str]) -> bool:
    """True when the Host header names an allowed host (with at most a port number);
    `*.example.com` allows subdomains."""
    if "*" in allowed:
        return True
    found = HOST_HEADER.fullmatch(host_header.strip().lower())
    if found is None:
        return False
    host = found["host"]
    return host in allowed or host.strip("[]") in allowed or any(
        name.startswith("*.") and host.endswith(name[1:]) for name in allowed)


HOST_HEADER = re.compile(r"(?P<host>\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(:[0-9]{1,5})?")
"""A Host header: a name or an address ([…] for IPv6), and an optional port number."""


def csrf_problem(headers: dict[str, str], principal: Principal, origins: set[str]) -> str | None:
    """Why a state-changing request made with a session cookie may be forged, or None."""
    origin = headers.get("origin")
    if origin is not None and origin not in origins:
        return "Refused: this request came from another site (its Origin is not Wayline's)."
    token = headers.get(CSRF_HEADER)
    if token is not None:
        if principal.csrf_token and hmac.compare_digest(token.encode(),
                                                        principal.csrf_token.encode()):
            return None
        return ("Refused: the X-CSRF-Token header is not this session's token; reload the page "
                "or read it again from GET /api/session.")
    if origin is not None:
        return None
    return ("Refused: a change made with a signed-in session needs the session's token in "
            "X-CSRF-Token (GET /api/session gives it) or a same-origin Origin header.")


def security_headers(wl: Wayline) -> list[tuple[bytes, bytes]]:
    """The headers every answer carries (CSP is added per request, with its nonce)."""
    headers = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
               (b"referrer-policy", b"same-origin"),
               (b"cross-origin-opener-policy", b"same-origin"),
               (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
    if wl.settings.public_url.startswith("https://"):
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


def content_security_policy(nonce: str, path: str) -> str:
    """The page's CSP: our own files, inline scripts only with this request's nonce."""
    if path.startswith("/schema"):  # the API explorer pages load their own scripts and styles
        scripts = f"'self' 'nonce-{nonce}' https://cdn.jsdelivr.net https://unpkg.com"
        styles = "'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com"
    else:
        scripts, styles = f"'self' 'nonce-{nonce}'", "'self' 'unsafe-inline'"
    return (f"default-src 'self'; script-src {scripts}; style-src {styles}; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _with_headers(send: Send, headers: list[tuple[bytes, bytes]], nonce: str, path: str) -> Send:
    policy = content_security_policy(nonce, path).encode()

    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(name, value) for name, value in headers if name not in present]
            if b"content-security-policy" not in present:
                extra.append((b"content-security-policy", policy))
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


async def _refuse(scope: Scope, send: Send, status: int, detail: str,
                  extra: dict[str, str] | None = None, *,
                  headers: list[tuple[bytes, bytes]] = ()) -> None:
    """Answer without calling the app: a Problem body for HTTP, a refused handshake for a
    socket."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4000 + status})
        return
    body = msgspec.json.encode({"status_code": status, "error": "refused", "detail": detail,
                                "issues": []})
    response_headers = [(b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()), *headers]
    response_headers += [(name.lower().encode(), value.encode())
                         for name, value in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", [])}


def _report_secret(scope: Scope) -> str | None:
    """The receipt secret as `?secret=` on a provider's report address (POST
    /api/providers/<gateway>/reports): some providers' webhooks take an address and no header."""
    if not PROVIDER_REPORTS.fullmatch(scope.get("path", "")):
        return None
    found = parse_qs((scope.get("query_string") or b"").decode("latin-1")).get("secret")
    return found[0] if found else None


def _presented_key(headers: dict[str, str]) -> str | None:
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _cookie(headers: dict[str, str], name: str) -> str | None:
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is no session, not an error
        return None
    morsel = cookies.get(name)
    return morsel.value if morsel else None
