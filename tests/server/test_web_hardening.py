"""The front door, tried as an attacker would: forged cross-site requests, foreign Origins,
other Host names, other content types, framing, inline script; and the canvas's socket."""

from __future__ import annotations

import json
import re
import time

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from builder.ui.reactpy_glue import ROOT_COMPONENTS
from runtime.store.team_models import Role
from server.app import create_app, create_web_app
from tests.server.conftest import sign_in

SAME_ORIGIN = "http://testserver.local"


def test_a_change_with_a_session_needs_its_csrf_token_or_a_same_origin_origin(admin_client):
    token = admin_client.headers.pop("X-CSRF-Token")
    bare = admin_client.post("/api/journeys", json={"name": "Forged"})
    assert bare.status_code == 403 and "X-CSRF-Token" in bare.json()["detail"]
    wrong = admin_client.post("/api/journeys", json={"name": "Forged"},
                              headers={"X-CSRF-Token": "not-the-token"})
    assert wrong.status_code == 403
    foreign = admin_client.post("/api/journeys", json={"name": "Forged"},
                                headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "another site" in foreign.json()["detail"]
    assert admin_client.post("/api/journeys", json={"name": "Mine"},
                             headers={"X-CSRF-Token": token}).status_code == 201
    assert admin_client.post("/api/journeys", json={"name": "Mine too"},
                             headers={"Origin": SAME_ORIGIN}).status_code == 201
    assert admin_client.get("/api/journeys").status_code == 200  # reading needs neither


def test_a_cross_site_text_plain_publish_is_refused(admin_client, client):
    journey = client.post("/api/journeys", json={"name": "Target"}).json()["journey"]["id"]
    admin_client.headers.pop("X-CSRF-Token")
    # What a form on another site can send without asking: text/plain, a foreign Origin.
    forged = admin_client.post(f"/api/journeys/{journey}/publish", content=b"x=y",
                               headers={"Content-Type": "text/plain",
                                        "Origin": "https://evil.example"})
    assert forged.status_code == 403
    # And a JSON endpoint refuses other content types whoever sends them.
    assert client.post("/api/journeys", content=b'{"name": "x"}',
                       headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.post("/api/journeys", content=b'name=x', headers={
        "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415


def test_only_allowed_host_names_are_served(client, anonymous_client):
    for host in ("evil.example", "127.0.0.1.evil.example", ""):
        answer = client.get("/api/journeys", headers={"Host": host})
        assert answer.status_code == 400, host
        assert "WAYLINE_ALLOWED_HOSTS" in answer.json()["detail"]
    assert anonymous_client.get("/health", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/journeys", headers={"Host": "testserver.local:8000"}).status_code == 200


def test_every_answer_carries_the_security_headers(admin_client):
    page = admin_client.get("/")
    assert page.status_code == 200
    headers = page.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts and all(f'nonce="{nonce}"' in attributes for attributes in scripts)
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    again = admin_client.get("/").headers["content-security-policy"]
    assert again != policy  # a fresh nonce every time
    assert "x-frame-options" in admin_client.get("/api/journeys").headers


def _socket_path(page: str) -> str:
    return f"/reactpy/{ROOT_COMPONENTS[page]}/?path=/"


@pytest.fixture
def web(app_context):
    """The app as `wayline server` serves it (ReactPy's socket in front of Litestar)."""
    with TestClient(create_web_app(app_context), raise_server_exceptions=False) as client:
        yield client


def _first_render(web, page: str, origin: str = SAME_ORIGIN) -> str:
    with web.websocket_connect(_socket_path(page), headers={"Origin": origin}) as socket:
        return json.dumps(_receive_json(socket))


def _receive_json(socket) -> object:
    """The next message the page sends. The test client sometimes hands over the handshake's
    own accept first (a race in its queue): that is not the page's message."""
    message = socket.receive()
    while message["type"] == "websocket.accept":
        message = socket.receive()
    if message["type"] == "websocket.close":
        from litestar.exceptions import WebSocketDisconnect

        raise WebSocketDisconnect(detail="closed", code=message.get("code", 1000))
    return json.loads(message["text"])


def test_the_socket_refuses_a_foreign_origin(web, app_context):
    sign_in(web, app_context, Role.ADMIN)
    for origin in ("https://evil.example", "null"):
        with pytest.raises(WebSocketDisconnect):
            _first_render(web, "journeys", origin)


def test_the_socket_sends_a_browser_without_a_session_to_sign_in(web):
    rendered = _first_render(web, "editor")
    assert "Your session has ended" in rendered and "/signin?next=" in rendered


def test_the_socket_opens_a_page_only_for_a_role_that_may(web, app_context):
    sign_in(web, app_context, Role.VIEWER)
    assert "Your session has ended" not in _first_render(web, "journeys")
    with pytest.raises(WebSocketDisconnect):
        _first_render(web, "team")
    with pytest.raises(WebSocketDisconnect):
        _first_render(web, "audit")


def test_the_socket_checks_the_host_too(web, app_context):
    sign_in(web, app_context, Role.ADMIN)
    with pytest.raises(WebSocketDisconnect), web.websocket_connect(
            _socket_path("journeys"), headers={"Origin": SAME_ORIGIN, "Host": "evil.example"}):
        pass


def test_a_page_without_a_session_goes_to_sign_in_and_the_api_answers_401(app_context):
    with TestClient(create_app(app_context), raise_server_exceptions=False) as client:
        page = client.get("/messages", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/signin?next=/messages"
        api = client.get("/api/templates")
        assert api.status_code == 401 and api.json()["status_code"] == 401


def test_a_pages_own_polling_is_not_use_but_the_persons_clicks_are(web, app_context):
    from datetime import timedelta

    from sqlalchemy import select

    from runtime.store.team_models import UserSession
    from server.security.sessions import session_principal
    from server.ui_services import UiServicesForWayline

    sign_in(web, app_context, Role.EDITOR)
    token = web.cookies["wayline_session"]
    policy = app_context.settings.session_idle_minutes
    principal = session_principal(app_context.reading, app_context.writing, token,
                                  app_context.now(), _policy(app_context))
    services = UiServicesForWayline(app_context, principal)
    with web.websocket_connect(_socket_path("journeys"),
                               headers={"Origin": SAME_ORIGIN}) as socket:
        _receive_json(socket)
        app_context.clock.advance(timedelta(minutes=policy - 5))
        services.list_journeys()  # polling: the idle clock keeps running
        socket.send_json({"type": "layout-event", "target": "nothing", "data": []})
        for _ in range(600):  # the touch happens beside the socket, in a thread (a busy CI: 30 s)
            with app_context.reading() as db:
                seen = db.scalar(select(UserSession.last_seen_at))
            if seen == app_context.now():
                break
            time.sleep(0.05)
    assert seen == app_context.now()  # the click counted as use
    app_context.clock.advance(timedelta(minutes=policy - 1))
    services.list_journeys()  # still on: the click restarted the idle clock
    app_context.clock.advance(timedelta(minutes=2))
    with pytest.raises(Exception, match="session has ended"):
        services.list_journeys()


def _policy(app_context):
    from server.security.sessions import SessionPolicy

    return SessionPolicy.from_settings(app_context.settings)


def test_a_host_header_is_a_name_and_at_most_a_port(client):
    for host in ("testserver.local:80@evil.com", "[testserver.local]", "testserver.local:abc",
                 "testserver.local:8000:1"):
        assert client.get("/api/journeys", headers={"Host": host}).status_code == 400, host
