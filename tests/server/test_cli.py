"""The `wayline` command, run as a user runs it: a real process, real files, real database."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis as redis_lib
import sqlalchemy as sa

from tests.builder.journeys import cart_abandonment

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(command: str, data_dir: Path) -> tuple[subprocess.Popen, int]:
    """`wayline <command>` on embedded defaults under data_dir, answering on a free port."""
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WAYLINE_")}
    environ.update(PYTHONPATH=str(Path(__file__).resolve().parents[2]),
                   WAYLINE_PORT=str(port), WAYLINE_DATA_DIR=str(data_dir))
    process = subprocess.Popen([*WAYLINE, command], env=environ, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/schema", timeout=2)
            return process, port
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"wayline {command} did not answer: {process.communicate()[0]}")
            time.sleep(0.3)


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
    process, port = _start("server", tmp_path / "data")
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/api/journeys", timeout=5)
        assert answer.status_code == 200
        assert answer.json()["items"] == []
        assert (tmp_path / "data" / "api_key").stat().st_mode & 0o077 == 0
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    assert not (tmp_path / "data" / "redis.sock").exists()


def test_up_runs_server_and_worker_and_ctrl_c_leaves_nothing_running(tmp_path):
    process, port = _start("up", tmp_path / "data")
    try:
        children = _children(process.pid)
        assert len(children) == 3, children  # the embedded Redis, the server, the worker
        answer = httpx.get(f"http://127.0.0.1:{port}/api/journeys", timeout=5)
        assert answer.status_code == 200
        workers = redis_lib.Redis(unix_socket_path=str(tmp_path / "data" / "redis.sock"))
        deadline = time.monotonic() + 30
        while not workers.smembers("rq:workers") and time.monotonic() < deadline:
            time.sleep(0.3)
        assert workers.smembers("rq:workers"), "no RQ worker registered"
        workers.close()
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    assert process.returncode == 0, output
    assert "Wayline is running at http://127.0.0.1:" in output
    assert "Wayline stopped." in output
    assert not any(_alive(child) for child in children), output
    assert not (tmp_path / "data" / "redis.sock").exists()
    assert "No customers yet. Load the demo" in output  # the first start offers it


def test_up_again_keeps_the_data_and_offers_no_demo(tmp_path):
    data = tmp_path / "data"
    process, port = _start("up", data)
    try:
        created = httpx.post(f"http://127.0.0.1:{port}/api/journeys",
                             json={"name": "Kept across restarts"}, timeout=10)
        assert created.status_code == 201, created.text
        added = httpx.put(f"http://127.0.0.1:{port}/api/customers/kept-1",
                          json={"email": "kept@example.kr"}, timeout=10,
                          headers={"Authorization": f"Bearer {_api_key(data)}"})
        assert added.status_code in (200, 201), added.text
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    process, port = _start("up", data)
    try:
        names = [journey["name"] for journey in httpx.get(
            f"http://127.0.0.1:{port}/api/journeys", timeout=10).json()["items"]]
        customer = httpx.get(f"http://127.0.0.1:{port}/api/customers/kept-1", timeout=10)
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    assert process.returncode == 0, output
    assert names == ["Kept across restarts"]
    assert customer.status_code == 200 and customer.json()["customer"]["email"] == "kept@example.kr"
    assert "No customers yet" not in output


def test_settings_show_the_api_key_but_never_the_signing_key(tmp_path):
    done = wayline("settings", env={"WAYLINE_DATA_DIR": str(tmp_path),
                                    "WAYLINE_API_KEY": "shown-api-key-0123456789",
                                    "WAYLINE_SECRET_KEY": "hidden-signing-key-0123456789"})
    assert done.returncode == 0, done.stderr
    assert "shown-api-key-0123456789" in done.stdout
    assert "hidden-signing-key" not in done.stdout and "(set; not shown)" in done.stdout
