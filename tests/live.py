"""`wayline server`'s app served for real in the test process: uvicorn in a thread on a free
port, on a new SQLite database and the test Redis, for browser tests and tests that need real
HTTP (concurrent requests, the socket)."""

from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from runtime.run.jobs import install_runtime
from runtime.settings import Settings
from runtime.store.db import migrate
from server.app import create_web_app
from server.context import Wayline, build_wayline


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


@contextmanager
def serving(tmp_path: Path, redis_url: str) -> Iterator[LiveApp]:
    """`wayline server`'s app on 127.0.0.1:<free port>, on a new SQLite database."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'ui.db'}",
                        redis_url=redis_url, api_key="ui-test-key-0123456789")
    migrate(settings.database)
    wayline = build_wayline(settings, redis_url)
    previous = install_runtime(wayline.runtime)
    port = free_port()
    app = LiveApp(f"http://127.0.0.1:{port}", wayline, port)
    app.start()
    yield app
    app.stop()
    install_runtime(previous)
    wayline.runtime.engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Printed:
    """A process started with its output on a pipe, and everything it printed so far (read as
    it prints, by a thread, so it never blocks on a full pipe)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self) -> str:
        """Everything printed so far."""
        return "".join(self.lines)

    def wait_for(self, pattern: str, seconds: float) -> re.Match:
        """The first match of `pattern` in the output, waiting for it up to `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output())
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} after {seconds} s; output:\n{self.output()[-4000:]}")
