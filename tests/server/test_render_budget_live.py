"""A Liquid bomb against a live server: `POST /api/templates/render` answers 422 once its
render budget is spent (a second on a quiet machine; unchecked, the slowest bomb renders for
minutes), and another request to the same server is answered meanwhile in under 200 ms.

The app is served by uvicorn in a thread, as `wayline server` serves it (`LiveApp`), and two
threads talk to it over HTTP, signed in as an admin. How a request signs in is `session_for`'s
alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from runtime.messaging.templating import RENDER_BUDGET
from runtime.store.audit import SYSTEM
from runtime.store.team_models import Role
from server.schemas.team import UserCreate
from server.services import users
from tests.live import LiveApp, serving
from tests.server.conftest import use_link

SLOW = ("{% for i in (1..9000) %}{% assign a = i | plus: 1 | times: 3 | modulo: 7 | minus: 2 %}"
        "{% endfor %}") * 40
"""Loops each under the loop limit, together far over the time budget: the render must stop
itself at the deadline."""

BOMBS = {
    "one long loop": "{% for i in (1..100000000) %}x{% endfor %}",
    "nested loops": "{% for i in (1..100000) %}{% for j in (1..100000) %}x{% endfor %}"
                    "{% endfor %}",
    "doubling with append": "{% assign s = 'x' %}{% for i in (1..64) %}"
                            "{% assign s = s | append: s %}{% endfor %}{{ s }}",
    "many loops": SLOW,
    "sorting a long list, under every size limit": (
        '{% assign s = (1..50000) | join: "," %}{% for i in (1..9000) %}'
        '{% assign t = s | split: "," | sort | size %}{% endfor %}{{ t }}'),
}


@pytest.fixture
def live(tmp_path: Path, redis_url: str, redis: Any) -> Iterator[LiveApp]:
    """`wayline server`'s app on 127.0.0.1:<free port>, on a new SQLite database."""
    with serving(tmp_path, redis_url) as app:
        yield app


def session_for(app: LiveApp) -> dict[str, Any]:
    """What a request needs to be let in: an admin's session cookie and its CSRF token, got
    the way a person gets them (a one-time sign-in link, then /api/session)."""
    made = users.add_user(app.wayline, SYSTEM, UserCreate(
        email="live-admin@example.kr", name="Live admin", role=Role.ADMIN))
    with httpx.Client(base_url=app.url, timeout=10) as browser:
        followed = use_link(browser, made.link)
        assert followed.status_code == 303, followed.text
        token = browser.get("/api/session").json()["csrf_token"]
        return {"headers": {"X-CSRF-Token": token}, "cookies": dict(browser.cookies)}


def client_for(app: LiveApp, session: dict[str, Any]) -> httpx.Client:
    """An HTTP client on the live app with a session from `session_for`."""
    return httpx.Client(base_url=app.url, timeout=10, **session)


def timed(call) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_a_liquid_bomb_fails_fast_while_the_server_keeps_answering(live, bomb):
    draft = {"template": {"channel": "sms", "name": "Bomb", "source": BOMBS[bomb]}}
    session = session_for(live)
    answers: dict[str, tuple[httpx.Response, float]] = {}
    started = threading.Event()

    def explode() -> None:
        with client_for(live, session) as client:
            started.set()
            answers["bomb"] = timed(lambda: client.post("/api/templates/render", json=draft))

    with client_for(live, session) as other:
        other.get("/api/templates")  # a warm connection, so the timing is the server's
        thread = threading.Thread(target=explode)
        thread.start()
        started.wait(5)
        time.sleep(min(0.05, RENDER_BUDGET / 4))  # the bomb is rendering by now, if it can
        answers["other"] = timed(lambda: other.get("/api/templates", params={"limit": 1}))
        thread.join(10)

    answer, took = answers["bomb"]
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith("Message, line 1: the template")
    # The budget is checked between operations, and one operation of the sorting bomb (a split
    # and sort of 50,000 items) takes far longer on a loaded machine: a bound of ten budgets
    # still tells a render stopped by its budget from one that runs its minutes.
    assert took < 10 * RENDER_BUDGET
    answer, took = answers["other"]
    assert answer.status_code == 200 and took < 0.2
