"""The `wayline` command, run as a user runs it: a real process, real files, real database."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis as redis_lib
import sqlalchemy as sa

from tests.builder.journeys import cart_abandonment
from tests.live import Printed, free_port

WAYLINE = [sys.executable, "-m", "server.cli"]


def wayline(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WAYLINE_")}
    environ["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run([*WAYLINE, *args], capture_output=True, text=True, timeout=120,
                          env={**environ, **(env or {})}, cwd=cwd)


def test_validate_a_good_file_exits_zero(tmp_path):
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(cart_abandonment()))
    done = wayline("validate", str(path))
    assert done.returncode == 0, done.stderr
    assert "no problems" in done.stdout


def test_validate_prints_every_issue_and_exits_one(tmp_path):
    doc = cart_abandonment()
    doc["nodes"][1]["type"] = "flow.teleport"
    doc["nodes"][2]["data"]["config"]["channel"] = "fax"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc))
    done = wayline("validate", str(path))
    assert done.returncode == 1
    assert "node.unknown_kind" in done.stdout and "config.invalid" in done.stdout
    assert "Reminder email" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_validate_malformed_json_and_missing_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{nodes: oops")
    done = wayline("validate", str(path))
    assert done.returncode == 1 and "not valid JSON" in done.stdout
    missing = wayline("validate", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_migrate_creates_the_embedded_database_under_the_data_dir(tmp_path):
    done = wayline("migrate", env={"WAYLINE_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0, done.stderr
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'wayline.db'}")
    with engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from journeys")).scalar() == 0
    engine.dispose()


def test_misconfiguration_fails_at_start_naming_the_variable():
    done = wayline("migrate", env={"WAYLINE_DATABASE_URL": "mysql://root@localhost/x"})
    assert done.returncode == 2
    assert "WAYLINE_DATABASE_URL='mysql://root@localhost/x'" in done.stderr
    assert "Traceback" not in done.stderr


def test_server_refuses_a_configured_database_that_is_not_migrated(tmp_path):
    done = wayline("server", env={"WAYLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                                  "WAYLINE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "run `wayline migrate` first" in done.stderr
    assert "Traceback" not in done.stderr




class Running(Printed):
    """A `wayline` process, what it printed, and how a person stops it (Ctrl-C)."""

    def sign_in_link(self) -> str:
        """The one-time sign-in link `wayline up` printed (waits for it)."""
        return self.wait_for(r"Sign in: (http://\S+/signin/link/\S+)", 30).group(1)

    def stop(self, timeout: float = 60) -> str:
        """Ctrl-C, and everything it printed."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return self.output()


def _start(command: str, data_dir: Path, **env: str) -> tuple[Running, int]:
    """`wayline <command>` on embedded defaults under data_dir, answering on a free port."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WAYLINE_")}
    environ.update(PYTHONPATH=str(Path(__file__).resolve().parents[2]),
                   WAYLINE_PORT=str(port), WAYLINE_DATA_DIR=str(data_dir), **env)
    running = Running(subprocess.Popen([*WAYLINE, command], env=environ,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True))
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            return running, port
        except httpx.TransportError:
            if running.process.poll() is not None or time.monotonic() > deadline:
                running.process.kill()
                pytest.fail(f"wayline {command} did not answer: {running.stop()}")
            time.sleep(0.3)


def _key(data_dir: Path, scopes: str = "ingest,read,manage") -> str:
    """A new API key made with `wayline key add` for the data dir."""
    done = wayline("key", "add", "tests", "--scopes", scopes, "--quiet",
                   env={"WAYLINE_DATA_DIR": str(data_dir)})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _api_key(data_dir: Path) -> str:
    """The API key `wayline` made for this data dir on its first start."""
    return (data_dir / "api_key").read_text().strip()


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                    found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def test_server_on_embedded_defaults_serves_the_api_and_stops_cleanly(tmp_path):
    running, port = _start("server", tmp_path / "data")
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/api/journeys", timeout=5).status_code == 401
        key = _key(tmp_path / "data", "read")
        answer = httpx.get(f"http://127.0.0.1:{port}/api/journeys", timeout=5,
                           headers={"X-Api-Key": key})
        assert answer.status_code == 200
        assert answer.json()["items"] == []
        assert (tmp_path / "data" / "api_key").stat().st_mode & 0o077 == 0
    finally:
        output = running.stop(30)
    assert running.process.returncode == 0, output
    assert not (tmp_path / "data" / "redis.sock").exists()


def test_up_runs_server_and_worker_and_ctrl_c_leaves_nothing_running(tmp_path):
    running, port = _start("up", tmp_path / "data")
    try:
        children = _children(running.process.pid)
        assert len(children) == 3, children  # the embedded Redis, the server, the worker
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as browser:
            link = running.sign_in_link()
            page = browser.get(link)  # a page whose form signs in (the browser posts it)
            assert page.status_code == 200 and "Continue to Wayline" in page.text
            landed = browser.post(link, follow_redirects=True)
            assert landed.status_code == 200 and landed.url.path == "/"
            assert browser.get("/api/journeys").status_code == 200  # the session's cookie
        workers = redis_lib.Redis(unix_socket_path=str(tmp_path / "data" / "redis.sock"))
        deadline = time.monotonic() + 30
        while not workers.smembers("rq:workers") and time.monotonic() < deadline:
            time.sleep(0.3)
        assert workers.smembers("rq:workers"), "no RQ worker registered"
        workers.close()
    finally:
        output = running.stop()
    assert running.process.returncode == 0, output
    assert "Wayline is running at http://127.0.0.1:" in output
    assert "Wayline stopped." in output
    assert not any(_alive(child) for child in children), output
    assert not (tmp_path / "data" / "redis.sock").exists()
    assert "No customers yet. Load the demo" in output  # the first start offers it


def test_up_again_keeps_the_data_and_offers_no_demo(tmp_path):
    data = tmp_path / "data"
    running, port = _start("up", data)
    key = {"X-Api-Key": _key(data)}
    try:
        created = httpx.post(f"http://127.0.0.1:{port}/api/journeys", headers=key,
                             json={"name": "Kept across restarts"}, timeout=10)
        assert created.status_code == 201, created.text
        added = httpx.put(f"http://127.0.0.1:{port}/api/customers/kept-1",
                          json={"email": "kept@example.kr"}, timeout=10,
                          headers={"Authorization": f"Bearer {_api_key(data)}"})
        assert added.status_code in (200, 201), added.text
    finally:
        running.stop()
    running, port = _start("up", data)
    try:
        names = [journey["name"] for journey in httpx.get(
            f"http://127.0.0.1:{port}/api/journeys", headers=key, timeout=10).json()["items"]]
        customer = httpx.get(f"http://127.0.0.1:{port}/api/customers/kept-1", headers=key,
                             timeout=10)
        running.sign_in_link()  # the owner has no password yet: a fresh link each start
    finally:
        output = running.stop()
    assert running.process.returncode == 0, output
    assert names == ["Kept across restarts"]
    assert customer.status_code == 200 and customer.json()["customer"]["email"] == "kept@example.kr"
    assert "No customers yet" not in output


def test_users_and_keys_from_the_command_line(tmp_path):
    env = {"WAYLINE_DATA_DIR": str(tmp_path)}
    added = wayline("user", "add", "Minji@Example.kr", "--name", "Minji Kim", "--role",
                    "publisher", env=env)
    assert added.returncode == 0, added.stderr
    assert "minji@example.kr (publisher) added" in added.stdout
    assert re.search(r"/signin/link/\S{20,}", added.stdout)
    twice = wayline("user", "add", "minji@example.kr", env=env)
    assert twice.returncode == 1 and "already has an account" in twice.stderr
    listed = wayline("user", "list", env=env)
    assert "minji@example.kr" in listed.stdout and "never signed in" in listed.stdout
    assert wayline("user", "disable", "minji@example.kr", env=env).returncode == 0
    assert "disabled" in wayline("user", "list", env=env).stdout
    refused = wayline("user", "reset", "minji@example.kr", env=env)
    assert refused.returncode == 1 and "enable them first" in refused.stderr
    assert wayline("user", "enable", "minji@example.kr", env=env).returncode == 0
    assert "/signin/link/" in wayline("user", "reset", "minji@example.kr", env=env).stdout
    made = wayline("key", "add", "shop", "--scopes", "ingest", env=env)
    assert made.returncode == 0 and "shown this once" in made.stdout
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("wl_") and key not in wayline("key", "list", env=env).stdout
    assert wayline("key", "revoke", "shop", env=env).returncode == 0
    assert "revoked" in wayline("key", "list", env=env).stdout
    bad = wayline("key", "add", "x", "--scopes", "everything", env=env)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_a_network_address_needs_a_user_and_a_secret_key(tmp_path):
    env = {"WAYLINE_DATA_DIR": str(tmp_path), "WAYLINE_HOST": "0.0.0.0",
           "WAYLINE_PORT": str(free_port())}
    refused = wayline("server", env=env)
    assert refused.returncode == 2
    assert "a user" in refused.stderr and "WAYLINE_SECRET_KEY" in refused.stderr
    assert wayline("user", "add", "ops@example.kr", "--role", "admin",
                   env=env).returncode == 0
    still = wayline("server", env=env)
    assert still.returncode == 2 and "a user" not in still.stderr
    assert "WAYLINE_SECRET_KEY" in still.stderr


def test_settings_show_the_api_key_but_never_the_signing_key(tmp_path):
    done = wayline("settings", env={"WAYLINE_DATA_DIR": str(tmp_path),
                                    "WAYLINE_API_KEY": "shown-api-key-0123456789",
                                    "WAYLINE_SECRET_KEY": "hidden-signing-key-0123456789"})
    assert done.returncode == 0, done.stderr
    assert "shown-api-key-0123456789" in done.stdout
    assert "hidden-signing-key" not in done.stdout and "(set; not shown)" in done.stdout
