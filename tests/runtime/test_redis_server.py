"""The embedded Redis: real valkey-server processes, real RQ workers in separate processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from redis import Redis
from rq import Queue, get_current_job

from runtime.redis_server import EmbeddedRedis, EmbeddedRedisError, connect, redis_url_for
from runtime.settings import Settings

REPO = Path(__file__).resolve().parents[2]
RQ = Path(sys.executable).parent / "rq"


def write_key(key: str, value: str) -> None:
    """RQ job for these tests: write one key through the worker's own connection."""
    get_current_job().connection.set(key, value)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data dir that does not exist yet, as on a first `wayline up`."""
    return tmp_path / "wayline"


@pytest.fixture
def servers() -> Iterator[list[EmbeddedRedis]]:
    """Collects the servers a test starts and stops them even when the test fails."""
    started: list[EmbeddedRedis] = []
    yield started
    for server in started:
        server.stop()


def start(data_dir: Path, servers: list[EmbeddedRedis]) -> EmbeddedRedis:
    server = EmbeddedRedis(data_dir).start()
    servers.append(server)
    return server


def is_alive(pid: int) -> bool:
    """True unless the process is gone or a zombie (dead, not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def wait_dead(pid: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while is_alive(pid):
        assert time.monotonic() < deadline, f"process {pid} is still alive"
        time.sleep(0.02)


def written_to_the_file(client: Redis, timeout: float = 5.0) -> None:
    """Wait until the server has written every acknowledged command to the append-only file.
    It writes before it replies, except while the disk stalls a background fsync for over a
    second, when it may defer writes by up to two (runtime/redis_server.py); a loaded CI
    disk does stall."""
    deadline = time.monotonic() + timeout
    while client.info("persistence")["aof_buffer_length"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.info("persistence")["aof_buffer_length"] == 0


def run_worker(url: str, *options: str) -> None:
    """Run an RQ SimpleWorker (ours) in burst mode in its own process, as `wayline worker` would."""
    result = subprocess.run(
        [str(RQ), "worker", "--burst", "--worker-class", "runtime.run.worker.WaylineWorker",
         "--url", url, "--path", str(REPO), *options],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_start_serves_a_unix_socket_and_stop_leaves_nothing(data_dir: Path) -> None:
    server = EmbeddedRedis(data_dir).start()
    pid = server.pid
    assert server.owned and pid is not None and is_alive(pid)
    assert server.url == f"unix://{data_dir / 'redis.sock'}"
    with connect(server.url) as client:
        assert client.ping()
        client.set("greeting", "안녕")
        assert client.get("greeting").decode() == "안녕"
        assert client.config_get("port") == {"port": "0"}  # no TCP listener

    server.stop()

    assert not is_alive(pid)
    assert not server.socket_path.exists() and not server.pid_path.exists()
    assert not server.owned


def test_context_manager_restart_keeps_the_data(data_dir: Path) -> None:
    with EmbeddedRedis(data_dir) as server, connect(server.url) as client:
        client.set("kept", "yes")
        client.rpush("queue", "a", "b")

    with EmbeddedRedis(data_dir) as server, connect(server.url) as client:
        assert client.get("kept") == b"yes"
        assert client.lrange("queue", 0, -1) == [b"a", b"b"]


def test_a_kill_9_loses_nothing_written_to_the_file_and_its_leftovers_do_not_block(
        data_dir: Path, servers: list[EmbeddedRedis]) -> None:
    crashed = start(data_dir, servers)
    with connect(crashed.url) as client:
        client.mset({f"key:{n}": n for n in range(1000)})
        client.set("last", "written just before the crash")
        written_to_the_file(client)
    pid = crashed.pid
    assert pid is not None

    os.kill(pid, signal.SIGKILL)
    wait_dead(pid)  # a zombie: its parent, this process, has not reaped it

    assert crashed.socket_path.exists() and crashed.pid_path.exists()  # stale, not removed
    restarted = start(data_dir, servers)
    assert restarted.owned and restarted.pid != pid
    # Every write the file got is back.
    with connect(restarted.url) as client:
        assert client.get("last") == b"written just before the crash"
        assert client.mget([f"key:{n}" for n in range(1000)]) == [
            str(n).encode() for n in range(1000)]

    crashed.stop()  # reaps its dead server and leaves the new server's files alone

    with connect(restarted.url) as client:
        assert client.ping()


def test_two_instances_on_one_data_dir_share_a_server_only_the_owner_stops(
        data_dir: Path, servers: list[EmbeddedRedis]) -> None:
    first = start(data_dir, servers)
    second = start(data_dir, servers)
    assert first.owned and not second.owned
    assert second.pid == first.pid and second.url == first.url

    second.stop()
    assert is_alive(first.pid)
    # Another Wayline process reuses the same server and leaves it running on exit.
    other = subprocess.run(
        [sys.executable, "-c",
         "import sys; from runtime.redis_server import EmbeddedRedis, connect; "
         "s = EmbeddedRedis(sys.argv[1]).start(); connect(s.url).set('from', 'other'); "
         "print(s.owned); s.stop()", str(data_dir)],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert other.stdout.strip() == "False", other.stderr
    with connect(first.url) as client:
        assert client.get("from") == b"other"

    pid = first.pid
    first.stop()
    assert not is_alive(pid) and not first.socket_path.exists()


def test_an_rq_worker_in_another_process_runs_jobs(
        data_dir: Path, servers: list[EmbeddedRedis]) -> None:
    server = start(data_dir, servers)
    with connect(server.url) as client:
        Queue(connection=client).enqueue(write_key, "job:ran", "yes")

        run_worker(server.url)

        assert client.get("job:ran") == b"yes"


def test_the_rq_scheduler_runs_a_delayed_job(
        data_dir: Path, servers: list[EmbeddedRedis]) -> None:
    server = start(data_dir, servers)
    with connect(server.url) as client:
        queue = Queue(connection=client)
        job = queue.enqueue_in(timedelta(seconds=1), write_key, "delayed:ran", "yes")
        assert job.id in queue.scheduled_job_registry and queue.count == 0

        time.sleep(2.1)  # RQ scores due times in whole seconds: 2 s makes it surely due
        run_worker(server.url, "--with-scheduler")

        assert client.get("delayed:ran") == b"yes"


def test_a_data_dir_that_cannot_be_created_is_named_in_the_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    data_dir = blocker / "wayline"

    with pytest.raises(EmbeddedRedisError) as caught:
        EmbeddedRedis(data_dir).start()

    message = str(caught.value)
    assert str(data_dir) in message and "WAYLINE_DATA_DIR" in message
    assert "WAYLINE_REDIS_URL" in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories")
def test_a_read_only_data_dir_is_named_in_the_error(data_dir: Path) -> None:
    data_dir.mkdir()
    data_dir.chmod(0o500)
    try:
        with pytest.raises(EmbeddedRedisError, match="cannot write there"):
            EmbeddedRedis(data_dir).start()
    finally:
        data_dir.chmod(0o700)


def test_a_server_that_exits_while_starting_is_reported_with_its_log(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "appendonlydir").write_text("a file where the server wants a directory")
    server = EmbeddedRedis(data_dir)

    with pytest.raises(EmbeddedRedisError) as caught:
        server.start()

    message = str(caught.value)
    assert str(data_dir) in message and "exited with code 1" in message
    assert "append-only dir" in message  # the server's own log line says why
    assert not server.socket_path.exists() and not server.pid_path.exists()
    assert not server.owned


def test_a_socket_path_too_long_for_the_os_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedRedisError, match="shorter path"):
        EmbeddedRedis(tmp_path / ("d" * 100)).start()


def test_redis_url_for_uses_the_configured_url_else_the_embedded_server(
        data_dir: Path, servers: list[EmbeddedRedis]) -> None:
    assert redis_url_for(Settings(redis_url="redis://cache:6379/2")) == (
        "redis://cache:6379/2", None)

    url, server = redis_url_for(Settings(data_dir=data_dir))
    assert server is not None
    servers.append(server)
    assert url == server.url and server.owned
    with connect(url) as client:
        assert client.ping()


def test_connect_reads_the_database_from_a_unix_url(
        data_dir: Path, servers: list[EmbeddedRedis]) -> None:
    server = start(data_dir, servers)
    with connect(f"{server.url}?db=3") as db3, connect(server.url) as db0:
        db3.set("where", "db3")
        assert db0.get("where") is None and db3.get("where") == b"db3"

    with pytest.raises(ValueError, match="redis://, rediss:// or unix://"):
        connect("http://127.0.0.1:6379")


def test_the_redis_fixture_is_an_empty_database_of_this_session(
        redis: Redis, redis_url: str) -> None:
    db = int(parse_qs(urlsplit(redis_url).query)["db"][0])
    assert 1 <= db <= 15
    assert redis.connection_pool.connection_kwargs["db"] == db
    assert redis.dbsize() == 0
    redis.set("left", "behind")  # the next test's FLUSHDB or the session's end drops it
