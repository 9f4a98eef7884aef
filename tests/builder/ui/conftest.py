"""Browser fixtures: the real app served by uvicorn on a free port, and pages of it.

The app runs on a fresh SQLite database (migrated with Alembic) and the test Redis, with the
system clock, exactly as `wayline server` serves it (`create_web_app`). Pages open in the
session's headless chromium (`browser`, tests/conftest.py), signed in: `browse(path)` as an
admin, `browse(path, "viewer")` (or editor, publisher) as someone with that role, or
`browse(path, person=...)` as a particular `Person` (`add_person`). A person's first browser
signs in with the one-time link an admin would hand them; later ones with their password.
Every page records its console errors and every request it makes: a test fails if the console
shows an error or a request leaves the app's own origin. Screenshots go to
WAYLINE_SCREENSHOTS (default /tmp/wayline-screenshots) so a person can look at them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from runtime.store.team_models import Role, User, UserSession
from server.schemas.team import UserCreate
from server.security.passwords import hash_password
from server.security.sessions import SessionPolicy, start_session, token_hash, user_principal
from server.services import users
from server.ui_services import UiServicesForWayline
from tests.live import LiveApp, serving

SCREENSHOTS = Path(os.environ.get("WAYLINE_SCREENSHOTS", "/tmp/wayline-screenshots"))


@pytest.fixture
def live_app(tmp_path: Path, redis_url: str, redis: Any) -> Iterator[LiveApp]:
    """`wayline server`'s app on 127.0.0.1:<free port>, on a new SQLite database."""
    with serving(tmp_path, redis_url) as app:
        yield app


PASSWORD = "correct horse battery"
"""Every test person's password (they sign in with their one-time link first)."""

NAMES = {"viewer": "Vera Viewer", "editor": "Eddie Editor", "publisher": "Pat Publisher",
         "admin": "Ada Admin"}


@dataclass
class Person:
    """Someone in the test workspace: their account, and the one-time link not yet used."""

    id: int
    email: str
    name: str
    role: str
    link: str | None = None


def add_person(app: LiveApp, role: str = "admin", name: str | None = None,
               email: str | None = None, password: str | None = PASSWORD) -> Person:
    """A new person with `role`, added as an admin would (a one-time link), with `password`
    set (None: none yet, as a person who hasn't used their link)."""
    name = name or NAMES[role]
    email = email or f"{name.lower().replace(' ', '.')}@example.com"
    made = users.add_user(app.wayline, SYSTEM, UserCreate(email=email, name=name,
                                                          role=Role(role)))
    if password is not None:
        with app.wayline.writing() as db:
            db.get(User, made.user.id).password_hash = hash_password(password)
    return Person(made.user.id, email, name, role, made.link)


def sign_in(context: Any, app: LiveApp, person: Person) -> None:
    """Sign a browser context in as `person`: with their one-time link the first time (the
    context keeps the session cookie), with their password after that."""
    if person.link:
        link, person.link = person.link, None
        # What the link's page does at once in a browser: post its form (tested in a page
        # in test_roles.py); the answer's redirect lands signed in.
        answer = context.request.post(app.url + urlsplit(link).path)
    else:
        answer = context.request.post(app.url + "/api/session",
                                      data={"email": person.email, "password": PASSWORD})
    assert answer.ok, f"{person.email} could not sign in: {answer.status} {answer.text()}"


def signed_in_services(app: LiveApp, role: str = "admin") -> UiServicesForWayline:
    """The UI services a page's socket gets, for a new person with `role` signed in."""
    person = add_person(app, role, email=f"{role}-{uuid.uuid4().hex[:8]}@example.com",
                        password=None)
    with app.wayline.writing() as db:
        user = db.get(User, person.id)
        token = start_session(db, user, app.wayline.now(),
                              SessionPolicy.from_settings(app.wayline.settings))
        db.flush()
        principal = user_principal(user, db.get(UserSession, token_hash(token)))
    return UiServicesForWayline(app.wayline, principal)


@dataclass
class Watch:
    """What the pages of one test did: console errors and requests off the app's origin."""

    origin: str
    errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)

    def tolerate(self, text: str) -> None:
        """Console errors containing `text` are expected (e.g. while the server restarts)."""
        self.tolerated.append(text)

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(text in e for text in self.tolerated)]

    def attach(self, page: Any) -> Any:
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)
        return page

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.origin) or url.startswith("ws://" + self.origin[7:])
                or url.startswith(("data:", "blob:"))):
            self.offsite.append(url)


@pytest.fixture
def browse(browser: Any, live_app: LiveApp, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Opens pages of the live app, signed in: `browse("/journeys/1")` → a Playwright page
    (as an admin; `browse(path, "viewer")` as a viewer; `browse(path, person=p)` as `p`;
    `browse(path, None)` signed out; `locale="ko-KR"` for a Korean browser).
    `browse.people` holds the person of each role used.

    After the test, every page must have shown no console error and fetched nothing off-site
    (`browse.watch.tolerate(text)` lets a test expect a console error it causes on purpose).
    """
    watch = Watch(live_app.url)
    contexts = []
    people: dict[str, Person] = {}

    def open_page(path: str = "/", role: str | None = "admin", *,
                  person: Person | None = None, locale: str = "en-US") -> Any:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale)
        contexts.append(context)
        if person is None and role is not None:
            person = people.get(role) or people.setdefault(role, add_person(live_app, role))
        if person is not None:
            sign_in(context, live_app, person)
        page = watch.attach(context.new_page())
        page.goto(live_app.url + path)
        return page

    open_page.watch = watch  # type: ignore[attr-defined]
    open_page.people = people  # type: ignore[attr-defined]
    yield open_page
    for context in contexts:
        context.close()
    assert watch.offsite == [], f"requests left the machine: {watch.offsite}"
    assert watch.unexpected_errors() == [], f"browser console errors: {watch.errors}"


def screenshot(page: Any, name: str) -> Path:
    """Save what the page shows now, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def set_checked(box: Any, checked: bool, timeout: int = 10_000) -> None:
    """Click a checkbox the server controls and wait for the server's answer to show.

    A checkbox's state lives on the server: a click sends the change, React keeps showing the
    old state until the new render arrives. Playwright's check() looks at once and calls a slow
    answer a failed click, so the test clicks and waits instead.
    """
    box.click()
    if checked:
        expect(box).to_be_checked(timeout=timeout)
    else:
        expect(box).not_to_be_checked(timeout=timeout)
