"""Browser fixtures: the real app served by uvicorn on a free port, and pages of it.

The app runs on a fresh SQLite database (migrated with Alembic) and the test Redis, with the
system clock, exactly as `wayline server` serves it (`create_web_app`). Pages open in the
session's headless chromium (`browser`, tests/conftest.py). Every page records its console
errors and every request it makes: a test fails if the console shows an error or a request
leaves the app's own origin. Screenshots go to WAYLINE_SCREENSHOTS (default
/tmp/wayline-screenshots) so a person can look at them.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from runtime.db import migrate
from runtime.jobs import install_runtime
from runtime.settings import Settings
from server.app import create_web_app
from server.context import Wayline, build_wayline

SCREENSHOTS = Path(os.environ.get("WAYLINE_SCREENSHOTS", "/tmp/wayline-screenshots"))


@dataclass
class LiveApp:
    """The running app: its base URL and the application context behind it.

    `stop()` and `start()` shut the web server down and bring a new one up on the same port
    (a restart, as a deploy does it); the database and Redis stay.
    """

    url: str
    wayline: Wayline
    port: int = 0
    server: Any = None
    thread: threading.Thread | None = None

    def start(self) -> None:
        """A new server for `create_web_app(wayline)` on the port; waits until it listens."""
        self.server = uvicorn.Server(uvicorn.Config(
            create_web_app(self.wayline), host="127.0.0.1", port=self.port,
            log_level="warning", ws="websockets-sansio"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the app did not start within 15 s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Shut the server down (open websockets are closed) and wait until it has."""
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live_app(tmp_path: Path, redis_url: str, redis: Any) -> Iterator[LiveApp]:
    """`wayline server`'s app on 127.0.0.1:<free port>, on a new SQLite database."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'ui.db'}",
                        redis_url=redis_url, api_key="ui-test-key-0123456789")
    migrate(settings.database)
    wayline = build_wayline(settings, redis_url)
    previous = install_runtime(wayline.runtime)
    port = _free_port()
    app = LiveApp(f"http://127.0.0.1:{port}", wayline, port)
    app.start()
    yield app
    app.stop()
    install_runtime(previous)
    wayline.runtime.engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    """Opens pages of the live app: `browse("/journeys/1")` → a Playwright page.

    After the test, every page must have shown no console error and fetched nothing off-site
    (`browse.watch.tolerate(text)` lets a test expect a console error it causes on purpose).
    """
    watch = Watch(live_app.url)
    contexts = []

    def open_page(path: str = "/") -> Any:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        contexts.append(context)
        page = watch.attach(context.new_page())
        page.goto(live_app.url + path)
        return page

    open_page.watch = watch  # type: ignore[attr-defined]
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
