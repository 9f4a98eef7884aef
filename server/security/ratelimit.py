"""Counting in Redis, per caller per window (fixed windows, counted by the clock): API keys'
rate limits, and sign-in attempts counted before the slow password check.

Every server shares the counters, so a limit holds however many servers answer. One round
trip a count (INCR, and EXPIRE on the window's first). Over the limit, `seconds_to_wait`
says how long until the next window starts, for Retry-After.
"""

from __future__ import annotations

from datetime import datetime

from redis import Redis

WINDOW = 60
"""Seconds in one counting window of a key's rate limit."""


def counter_key(who: str, now: datetime, window: int = WINDOW) -> str:
    """The Redis key counting `who` in the window `now` falls in."""
    return f"wayline:rate:{who}:{window}:{int(now.timestamp()) // window}"


def seconds_to_wait(redis: Redis, who: str, limit: int, now: datetime,
                    window: int = WINDOW) -> int | None:
    """Count one more for `who`; None when within `limit` this window, else the seconds
    until the next window starts."""
    epoch = int(now.timestamp())
    key = counter_key(who, now, window)
    pipe = redis.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, window * 2, nx=True)
    count, _ = pipe.execute()
    if count <= limit:
        return None
    return max(1, (epoch // window + 1) * window - epoch)
