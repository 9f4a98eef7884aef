"""Every route the app serves, as every kind of caller, against the permission table.

The callers: anonymous, a viewer, an editor, a publisher and an admin (each signed in with a
real session), a key of each scope, the bootstrap ingest key, and the receipt secret. For each
route (from the app itself: OpenAPI operations, pages, files, links in messages) each caller's
answer must match the table: allowed → neither 401 nor 403 (nor a sign-in redirect); refused
→ 401 or a sign-in redirect for anonymous, 403 (or 401 for a key the route doesn't take) for
the others. A route missing from the table, or a table entry no route has, fails the test.
The canvas's socket is walked the same way, page by page, as is every canvas call.
"""

from __future__ import annotations

import inspect
import itertools
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import TestClient

from builder.ui.reactpy_glue import ROOT_COMPONENTS
from runtime.store.audit import SYSTEM
from runtime.store.team_models import KeyScope, Role
from server.app import create_app
from server.schemas.team import KeyCreate
from server.security.keys import bootstrap_principal, receipt_principal
from server.security.permissions import ACTIONS, PAGES, ROUTES, UI_CALLS, may
from server.security.principal import Principal, anonymous
from server.services import keys
from server.ui_services import UiServicesForWayline
from tests.server.conftest import API_KEY, seed_world, sign_in

SECRET = "receipt-secret-0123456789"
_PEOPLE = itertools.count()
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
LAST = {("DELETE", "/api/session"), ("POST", "/signout")}
"""Routes that end the caller's session: walked last."""


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route the Litestar app serves."""
    return {(method, route.path_format) for route in app.routes
            for method in getattr(route, "methods", ()) if method not in SKIPPED_METHODS}


def test_every_route_is_in_the_table_and_every_entry_is_a_route(app_context):
    served = app_routes(create_app(app_context))
    assert served - set(ROUTES) == set(), "routes missing from the permission table"
    assert set(ROUTES) - served == set(), "table entries no route has"
    assert set(ROUTES.values()) <= set(ACTIONS)


def test_every_canvas_call_and_page_is_in_the_table():
    calls = {name for name, _ in inspect.getmembers(UiServicesForWayline, inspect.isfunction)
             if not name.startswith("_") and name not in ("may", "check")}
    assert calls == set(UI_CALLS), "canvas calls and UI_CALLS differ"
    assert set(PAGES) == set(ROOT_COMPONENTS) - {"signed_out"}
    assert set(UI_CALLS.values()) | set(PAGES.values()) <= set(ACTIONS)


def _callers(app_context) -> dict[str, tuple[Principal, dict[str, str]]]:
    """Each caller: the principal the table is asked about, and how it authenticates."""
    made = {}
    for scope in KeyScope:
        key = keys.create_key(app_context, SYSTEM, KeyCreate(name=f"k-{scope.value}",
                                                             scopes=[scope]))
        made[scope] = key
    callers: dict[str, tuple[Principal, dict[str, str]]] = {
        "anonymous": (anonymous(), {}),
        "bootstrap key": (bootstrap_principal(API_KEY, API_KEY), {"X-Api-Key": API_KEY}),
        "receipt secret": (receipt_principal(SECRET, SECRET), {"X-Receipt-Secret": SECRET}),
    }
    for scope, key in made.items():
        principal = Principal(SYSTEM, scopes=frozenset({scope.value}))
        callers[f"{scope.value} key"] = (principal, {"X-Api-Key": key.key})
    for role in Role:
        callers[role.value] = (Principal(SYSTEM, role=role), {"role": role.value})
    return callers


def _seed(app_context) -> dict[str, Any]:
    known = seed_world(app_context)
    spare = keys.create_key(app_context, SYSTEM, KeyCreate(name="spare", scopes=[KeyScope.READ]))
    return {**known, "key": "welcome",
            "channel": "sms", "name": "plan", "user_id": 1, "key_id": spare.detail.id,
            "request_id": 1, "pool_id": 1, "token": "not-a-real-token", "file_path": "canvas.css",
            "path": "nothing", "gateway": "solapi", "sender_id": 1, "asset_id": 1}


def _client(app_context, how: dict[str, str]) -> TestClient:
    client = TestClient(create_app(app_context), raise_server_exceptions=False)
    client.__enter__()
    if "role" in how:
        sign_in(client, app_context, Role(how["role"]),
                f"walk-{how['role']}-{next(_PEOPLE)}@example.kr")
    else:
        client.headers.update(how)
    return client


def _expected(principal: Principal, action: str) -> str:
    return "allowed" if may(principal, action) else "refused"


def _answered(status: int, location: str) -> str:
    if status in (401, 403) or (status == 303 and location.startswith("/signin?")):
        return "refused"
    return "allowed"


def test_every_route_answers_every_caller_as_the_table_says(app_context):
    app_context.runtime.settings = replace(app_context.runtime.settings, receipt_secret=SECRET)
    known = _seed(app_context)
    callers = _callers(app_context)
    clients = {name: _client(app_context, how) for name, (_, how) in callers.items()}
    wrong = []
    try:
        for method, path in sorted(set(ROUTES) - LAST) + sorted(LAST):
            url = path.format(**known)
            if (method, path) in LAST:  # each ends the session it is sent with: fresh ones
                clients = {name: _client(app_context, how) for name, (_, how) in callers.items()}
            for name, (principal, _how) in callers.items():
                answer = clients[name].request(method, url, json={} if method != "GET" else None,
                                               follow_redirects=False)
                assert answer.status_code < 500, f"{method} {path} as {name}: {answer.text}"
                got = _answered(answer.status_code, answer.headers.get("location", ""))
                want = _expected(principal, ROUTES[(method, path)])
                if got != want:
                    wrong.append(f"{method} {path} as {name}: {answer.status_code} "
                                 f"(the table says {want}) {answer.text[:120]}")
    finally:
        for client in clients.values():
            client.__exit__(None, None, None)
    assert not wrong, f"{len(wrong)} answers disagree with the table:\n" + "\n".join(wrong)


FACTS = [  # (method, path, who may) written out here, apart from the table they check
    ("POST", "/api/journeys/{journey_id}/publish", {"publisher", "admin", "manage key"}),
    ("PATCH", "/api/journeys/{journey_id}", {"editor", "publisher", "admin", "manage key"}),
    ("GET", "/api/journeys", {"viewer", "editor", "publisher", "admin", "read key",
                              "manage key"}),
    ("POST", "/api/publish-requests/{request_id}/approve", {"publisher", "admin"}),
    ("PUT", "/api/workspace/send-policy", {"publisher", "admin", "manage key"}),
    ("PUT", "/api/workspace/indexed-attributes/{name}", {"admin"}),
    ("GET", "/api/users", {"admin"}),
    ("POST", "/api/keys", {"admin"}),
    ("GET", "/api/audit", {"publisher", "admin"}),
    ("POST", "/api/events", {"ingest key", "bootstrap key"}),
    ("POST", "/api/receipts/{channel}", {"ingest key", "bootstrap key", "receipt secret"}),
    ("PUT", "/api/customers/{external_id}", {"editor", "publisher", "admin", "ingest key",
                                             "bootstrap key"}),
    ("POST", "/api/audience/preview", {"editor", "publisher", "admin", "manage key"}),
    ("GET", "/metrics", {"admin", "read key"}),
    ("GET", "/health", None),  # anyone
]
"""What a marketer or an operator would say each role and key may do, for the routes where a
mistake in the table would hurt most."""


def test_the_table_says_what_the_product_promises(app_context):
    callers = _callers(app_context)
    for method, path, allowed in FACTS:
        action = ROUTES[(method, path)]
        for name, (principal, _how) in callers.items():
            expected = allowed is None or name in allowed
            assert may(principal, action) is expected, f"{method} {path} as {name}"


def test_every_page_socket_opens_only_for_who_may_see_the_page(app_context):
    from server.app import create_web_app

    origin = {"Origin": "http://testserver.local"}
    with TestClient(create_web_app(app_context), raise_server_exceptions=False) as web:
        for role in Role:
            web.cookies.clear()
            sign_in(web, app_context, role, f"socket-{role.value}-{next(_PEOPLE)}@example.kr")
            for page, dotted in ROOT_COMPONENTS.items():
                if page == "signed_out":
                    continue
                allowed = may(Principal(SYSTEM, role=role), PAGES[page])
                rendered = _first_message(_alike(app_context, web), f"/reactpy/{dotted}/",
                                          origin)
                opened = rendered is not None and "session has ended" not in rendered
                assert opened is allowed, f"{page} as {role.value}: {rendered}"
            for path in ("/reactpy/builder.ui.team_page.TeamPage/%0A/", "/reactpy/os.system/",
                         "/reactpy/builder.ui.nav.AppBar/"):
                assert _refused(_alike(app_context, web), path, origin), path
            # no Origin: not a page of ours
            assert _refused(_alike(app_context, web), f"/reactpy/{ROOT_COMPONENTS['journeys']}/",
                            {})
        assert web.get("/reactpy/static/index.js").status_code == 200
        assert web.get("/reactpy/anything-else").status_code == 404


def test_every_canvas_call_is_refused_to_a_role_the_table_does_not_allow(app_context):
    from builder.ui.services import UiError
    from server.security.sessions import session_principal

    for role in Role:
        with TestClient(create_app(app_context), raise_server_exceptions=False) as client:
            sign_in(client, app_context, role, f"calls-{role.value}-{next(_PEOPLE)}@example.kr")
            principal = session_principal(app_context.reading, app_context.writing,
                                          client.cookies["wayline_session"], app_context.now(),
                                          _policy(app_context))
        services = UiServicesForWayline(app_context, principal)
        for call, action in UI_CALLS.items():
            if may(principal, action):
                continue
            with pytest.raises(UiError) as refused:
                getattr(services, call)(*[None] * _arity(getattr(services, call)))
            assert refused.value.kind == "forbidden", f"{call} as {role.value}"


def _alike(app_context, web: TestClient) -> Any:
    """A new client on a new app, with `web`'s cookies (the same person signed in): each
    socket gets an event loop of its own. Litestar's test sockets keep polling after they
    close, so many on one client's loop slow it until a page's first message may not come."""
    from server.app import create_web_app

    return _Alike(create_web_app(app_context), web.cookies)


class _Alike:
    """A context that opens a client with given cookies and closes it after one socket."""

    def __init__(self, app: Any, cookies: Any) -> None:
        self.app, self.cookies = app, cookies

    def websocket_connect(self, path: str, headers: dict[str, str]) -> Any:
        import contextlib

        @contextlib.contextmanager
        def opened() -> Any:
            from anyio.from_thread import start_blocking_portal

            try:
                # The client's event loop is ours, so that it can be closed cancelling what
                # the page still runs after its socket closed (leaving it with an exception
                # does), instead of waiting for it: once it waited for good.
                with start_blocking_portal(backend="asyncio") as portal:
                    client = TestClient(self.app, raise_server_exceptions=False)
                    client.blocking_portal = portal
                    with client:
                        client.cookies = self.cookies
                        with client.websocket_connect(path, headers=headers) as socket:
                            yield socket
                    raise _SocketDone
            except _SocketDone:
                pass
        return opened()


class _SocketDone(Exception):  # noqa: N818 - not an error: a way out
    """Raised to close a test client's event loop without waiting for its leftover tasks."""


FIRST_MESSAGE_SECONDS = 90
"""How long a page's socket may take to send its first message before the test says so (a
first render waited 30 s once on a loaded two-core CI machine)."""


def _first_message(web: Any, path: str, headers: dict[str, str]) -> str | None:
    """What a socket to `path` sends first, or None when it is closed instead."""
    import queue

    from litestar.exceptions import WebSocketDisconnect

    try:
        with web.websocket_connect(f"{path}?path=/", headers=headers) as socket:
            message = socket.receive(timeout=FIRST_MESSAGE_SECONDS)
            while message["type"] == "websocket.accept":  # the handshake may come first
                message = socket.receive(timeout=FIRST_MESSAGE_SECONDS)
    except WebSocketDisconnect:
        return None
    except queue.Empty:
        raise AssertionError(f"{path} sent nothing in {FIRST_MESSAGE_SECONDS} s") from None
    return message.get("text") if message["type"] == "websocket.send" else None


def _refused(web: TestClient, path: str, headers: dict[str, str]) -> bool:
    """True when a socket to `path` is closed before it renders anything."""
    return _first_message(web, path, headers) is None


def _arity(method: Any) -> int:
    return len(inspect.signature(method).parameters)


def _policy(app_context):
    from server.security.sessions import SessionPolicy

    return SessionPolicy.from_settings(app_context.settings)
