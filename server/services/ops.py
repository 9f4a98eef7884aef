"""Operating Wayline: liveness, readiness (database at the migration head, Redis answering) and
the Prometheus metrics page.

Readiness checks run with short timeouts on their own connections, so an unreachable database
or Redis makes /ready answer 503 within seconds instead of hanging the load balancer's probe.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from runtime.run import metrics
from runtime.run.jobs import DELIVERY_QUEUE, STEPS_QUEUE
from runtime.store.db import alembic_config
from server.context import Wayline
from server.schemas.ops import Check, Liveness, Readiness

CHECK_TIMEOUT = 3.0
"""Seconds each readiness check may take before it counts as failed."""

_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wayline-ready")


def liveness() -> Liveness:
    """The process answers: nothing else is checked (a restart would not fix a database)."""
    return Liveness()


def readiness(wl: Wayline) -> Readiness:
    """Check the database (reachable, schema at the head) and Redis (answers PING)."""
    running = {"database": _checks.submit(_check_database, wl),
               "redis": _checks.submit(_check_redis, wl)}
    checks = [_result(name, future) for name, future in running.items()]
    reasons = [f"{check.name}: {check.detail}" for check in checks if not check.ok]
    return Readiness("not_ready" if reasons else "ready", checks, reasons)


def metrics_text(wl: Wayline) -> str:
    """Every metric in the Prometheus text format."""
    with wl.reading() as session:
        families = metrics.collect(session, wl.runtime.redis, [STEPS_QUEUE, DELIVERY_QUEUE],
                                   wl.now())
    return metrics.exposition(families)


def _result(name: str, future) -> Check:
    try:
        return future.result(timeout=CHECK_TIMEOUT)
    except FutureTimeout:
        return Check(name, False, f"no answer within {CHECK_TIMEOUT:g} s")


def _check_database(wl: Wayline) -> Check:
    url = wl.settings.database
    try:
        with wl.runtime.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as error:  # any driver error means "not reachable"; say which
        return Check("database", False, f"cannot connect to {_shown(url)}: "
                     f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
    head = _schema_head(url)
    if current != head:
        return Check("database", False, f"schema is at revision {current or '(empty)'}, not "
                     f"{head}: run `wayline migrate`")
    return Check("database", True, f"reachable, schema at revision {head}")


def _check_redis(wl: Wayline) -> Check:
    pool = wl.runtime.redis.connection_pool
    options = {**pool.connection_kwargs, "socket_timeout": CHECK_TIMEOUT,
               "socket_connect_timeout": CHECK_TIMEOUT}
    probe = redis.Redis(connection_pool=redis.ConnectionPool(
        connection_class=pool.connection_class, **options))
    try:
        probe.ping()
    except redis.RedisError as error:
        return Check("redis", False, f"does not answer PING: {error}")
    finally:
        probe.close()
    return Check("redis", True, "answers PING")


@functools.cache
def _schema_head(url: str) -> str | None:
    """The newest migration this Wayline ships (read once per process)."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
