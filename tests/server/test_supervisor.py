"""`wayline worker` supervises its worker: a child that dies is restarted; SIGTERM or SIGINT to
the command stops the child and then the command; `--burst` runs in-process and exits."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from runtime.store.db import migrate
from tests.outages import children_of, wayline
from tests.runtime.harness import wait_until


@pytest.fixture
def settings(tmp_path, redis_url, redis) -> dict[str, str]:
    """A migrated SQLite database and this session's Redis database, as WAYLINE_ settings."""
    url = f"sqlite:///{tmp_path / 'wayline.db'}"
    migrate(url)
    return {"database_url": url, "redis_url": redis_url, "data_dir": str(tmp_path),
            "log_level": "INFO"}


def the_child(supervisor: subprocess.Popen) -> int:
    wait_until(lambda: len(children_of(supervisor.pid)) == 1, 30, "the worker process",
               lambda: supervisor.log.read_text()[-2000:])
    return children_of(supervisor.pid)[0]


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_a_killed_worker_is_restarted_and_a_stop_signal_stops_both(settings, tmp_path,
                                                                  stop_with):
    supervisor = wayline("worker", tmp_path / "worker.log", **settings)
    try:
        first = the_child(supervisor)
        time.sleep(1)  # past start-up: a running worker, not one failing to start
        subprocess.run(["kill", "-9", str(first)], check=True)
        wait_until(lambda: children_of(supervisor.pid) not in ([], [first]), 30,
                   "a new worker process", lambda: supervisor.log.read_text()[-2000:])
        second = the_child(supervisor)
        assert second != first
        assert f"worker process {first} was killed by SIGKILL" in supervisor.log.read_text()
        supervisor.send_signal(stop_with)
        assert supervisor.wait(30) == 0, supervisor.log.read_text()[-2000:]
        wait_until(lambda: not _alive(second), 10, "the worker to stop with the supervisor")
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait(10)


def test_burst_runs_in_process_and_exits_when_the_queues_are_empty(settings, tmp_path):
    burst = wayline("worker --burst", tmp_path / "burst.log", **settings)
    assert burst.wait(60) == 0, burst.log.read_text()[-2000:]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except OSError:
        return False
