"""What a service being down looks like to its client, for code that rides outages out (the
workers, the metrics page) and for the API's 503 answers."""

from __future__ import annotations

import redis
import sqlalchemy.exc

REDIS_DOWN: tuple[type[BaseException], ...] = (redis.exceptions.ConnectionError,
                                               redis.exceptions.TimeoutError)
"""Redis refusing connections, gone mid-command, or not answering in time."""

DATABASE_DOWN: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError, sqlalchemy.exc.DisconnectionError)
"""The database refusing or losing connections, the server gone, no connection free in the
pool within its timeout, a lock or statement timing out."""


def service_down(error: BaseException) -> str | None:
    """Which service an error says is down ("database" or "redis"), looking through the errors
    it was raised from; None when it is not an outage."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DATABASE_DOWN):
            return "database"
        if isinstance(current, REDIS_DOWN):
            return "redis"
        current = current.__cause__ or current.__context__
    return None
