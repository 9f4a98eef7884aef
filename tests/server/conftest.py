"""API fixtures: the real Litestar app on the test database and Redis, with a frozen clock.

`client` sends a real API key with every scope (ingest, read, manage), made the way an admin
makes one: tests move the frozen clock by days, which a person's session would not outlive.
`admin_client` is signed in as an admin the way a person is: a real user, a one-time sign-in
link followed, and the session's CSRF token sent with every request (as the browser's own
calls do); `client_as(role)` makes clients signed in with other roles; `anonymous_client` has
no credential at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from runtime.clock import FrozenClock
from runtime.messaging.adapters import OutboxAdapter
from runtime.redis_server import connect
from runtime.run.jobs import Runtime, install_runtime
from runtime.settings import Settings
from runtime.store.audit import SYSTEM
from runtime.store.db import make_sessionmaker
from runtime.store.models import Segment
from runtime.store.team_models import KeyScope, Role
from server.app import create_app
from server.context import Wayline
from server.schemas.team import KeyCreate, UserCreate, UserOut
from server.services import keys, users
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import START, add_customers, add_journey, add_template, truncate

API_KEY = "test-key-0123456789abcdef"
TEST_HOST = "testserver.local,testserver"
"""The Hosts Litestar's and schemathesis's test clients send; the app is told to serve them
(WAYLINE_ALLOWED_HOSTS)."""
CHANNELS = ("email", "sms", "kakao", "push", "webhook", "brand")


@pytest.fixture
def app_context(engine: Engine, redis_url: str, redis, tmp_path) -> Iterator[Wayline]:
    """The application context the API runs on (tables emptied before and after: it commits)."""
    truncate(engine)
    runtime = Runtime(Settings(data_dir=tmp_path, api_key=API_KEY,
                               allowed_hosts=TEST_HOST), engine,
                      make_sessionmaker(engine), connect(redis_url),
                      {channel: OutboxAdapter() for channel in CHANNELS}, FrozenClock(START))
    previous = install_runtime(runtime)  # RQ jobs the API queues run on the same runtime
    yield Wayline(runtime)
    install_runtime(previous)
    truncate(engine)


def use_link(client: Any, link: str) -> Any:
    """Open a one-time sign-in link as a browser does: the page, then the form it posts at
    once (a bare fetch of the page leaves the link unused); the form's answer."""
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200, page.text
    return client.post(path, follow_redirects=False)


def sign_in(client: TestClient, wl: Wayline, role: Role = Role.ADMIN,
            email: str | None = None) -> UserOut:
    """Make a person with `role` and sign `client` in as them (a one-time link, then the
    session's CSRF token on every request)."""
    made = users.add_user(wl, SYSTEM, UserCreate(
        email=email or f"{role.value}@example.kr", name=f"Test {role.value}", role=role))
    answer = use_link(client, made.link)
    assert answer.status_code == 303, answer.text
    session = client.get("/api/session")
    assert session.status_code == 200, session.text
    client.headers["X-CSRF-Token"] = session.json()["csrf_token"]
    return made.user


@pytest.fixture
def anonymous_client(app_context: Wayline) -> Iterator[TestClient]:
    """An HTTP client on the app with no session (raises nothing: every error is an answer)."""
    with TestClient(create_app(app_context), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(app_context: Wayline) -> Iterator[TestClient]:
    """An HTTP client on the app with a key that may ingest, read and manage."""
    made = keys.create_key(app_context, SYSTEM, KeyCreate(
        name="tests", scopes=[KeyScope.INGEST, KeyScope.READ, KeyScope.MANAGE]))
    with TestClient(create_app(app_context), raise_server_exceptions=False) as client:
        client.headers["X-Api-Key"] = made.key
        yield client


@pytest.fixture
def admin_client(app_context: Wayline) -> Iterator[TestClient]:
    """An HTTP client on the app, signed in as an admin (a session)."""
    with TestClient(create_app(app_context), raise_server_exceptions=False) as client:
        sign_in(client, app_context, Role.ADMIN)
        yield client


@pytest.fixture
def client_as(app_context: Wayline) -> Iterator[Callable[[Role], TestClient]]:
    """Makes clients signed in with a given role (one person per role)."""
    opened: list[TestClient] = []

    def make(role: Role) -> TestClient:
        client = TestClient(create_app(app_context), raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        sign_in(client, app_context, role, f"{role.value}-{len(opened)}@example.kr")
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def ingest_headers() -> dict[str, str]:
    """Headers that authenticate ingest calls."""
    return {"X-Api-Key": API_KEY}


def seed_world(app_context: Wayline) -> dict[str, Any]:
    """Things that exist, for tests that call every route: customers c0…c2, a segment of
    everyone, an email template and a draft journey using both; their ids by path parameter."""
    with app_context.writing() as session:
        add_customers(session, 3, app_context.now())
        segment = Segment(name="Everyone", rule={"type": "and", "rules": []})
        session.add(segment)
        session.flush()
        template_id = add_template(session, "email")
        journey_id = add_journey(session, document(
            [node("in", "entry.segment", "Everyone", {"segment": segment.id}),
             node("wait", "flow.delay", "Wait", {"duration": {"amount": 1, "unit": "days"}}),
             node("mail", "action.send", "Mail", {"channel": "email", "template": template_id}),
             node("out", "flow.exit", "Done")],
            [edge("in", "wait", "next"), edge("wait", "mail", "next"),
             edge("mail", "out", "next")]))
    return {"segment_id": segment.id, "template_id": template_id, "journey_id": journey_id,
            "external_id": "c0", "number": 1, "node_id": "mail"}
