"""Services to take down on purpose, and real Wayline processes to watch ride it out.

Outage tests never touch the PostgreSQL and Redis other test sessions share: they start their
own — a PostgreSQL cluster made with initdb in a temporary directory, a redis-server on a free
port that keeps nothing on disk (restarted, it is empty, as a Redis that lost its memory) —
and stop and start them at will. `wayline(...)` starts a real `wayline` command against them.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from runtime.redis_server import NO_RETRY, connect
from tests.conftest import REQUIRE_POSTGRES
from tests.live import free_port

ROOT = Path(__file__).resolve().parents[1]


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary directory, stopped and started at will."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir, self.root = bin_dir, root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        # PostgreSQL refuses to run as root: as root, run it as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, str(self.bin_dir / tool), *args], check=check,
                       capture_output=True, timeout=60)

    def create(self) -> None:
        """initdb: trust authentication, nothing synced to disk (it is thrown away)."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")

    def stop(self, check: bool = True) -> None:
        """Stop at once, as a crash would: every connection is cut."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=check)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    tool = found[-1] if found else shutil.which("pg_ctl")
    return Path(tool).parent if tool else None


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A running throwaway PostgreSQL (not migrated); skips the test when PostgreSQL's server
    binaries are missing (fails instead under WAYLINE_TEST_REQUIRE_POSTGRES=1)."""
    bin_dir = _postgres_bin()
    if bin_dir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        message = ("PostgreSQL's server binaries (initdb, pg_ctl) are not installed, or runuser "
                   "is missing to run them as the postgres user")
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="wayline-outage-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    server = ThrowawayPostgres(bin_dir, root)
    try:
        server.create()
        server.start()
        yield server
    finally:
        server.stop(check=False)  # not running when creating it failed
        shutil.rmtree(root, ignore_errors=True)


class ThrowawayRedis:
    """A redis-server on a free port keeping nothing on disk: `stop()` loses everything."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until it answers PING."""
        binary = shutil.which("redis-server") or shutil.which("valkey-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=(self.root / "redis.log").open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Kill it (SIGKILL): nothing saved, every connection cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def answers(self) -> bool:
        try:
            with connect(self.url, socket_timeout=1, socket_connect_timeout=1,
                         retry=NO_RETRY) as client:
                return bool(client.ping())
        except Exception:
            return False


@contextmanager
def throwaway_redis(root: Path) -> Iterator[ThrowawayRedis]:
    """A running ThrowawayRedis, killed at the end."""
    server = ThrowawayRedis(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wayline(command: str, log: Path, **settings: str) -> subprocess.Popen[bytes]:
    """Start `wayline <command>` (e.g. "worker", "server") with these WAYLINE_ settings (as
    keyword arguments: database_url="…"); its output goes to `log` (`process.log`)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           **{f"WAYLINE_{name.upper()}": value for name, value in settings.items()}}
    process = subprocess.Popen([sys.executable, "-m", "server.cli", *command.split()], env=env,
                               stdout=log.open("ab"), stderr=subprocess.STDOUT)
    process.log = log
    return process


def children_of(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc)."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] not in "ZX":
            found.append(int(Path(stat).parent.name))
    return found


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM a process and wait; SIGKILL it if it does not stop in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
