"""Provider calls: one message's call, many in flight, and the row values each outcome writes.

`attempt` calls an adapter once; `attempt_all` sends many messages at once on the worker's
event loop (`runtime.messaging.inflight`), at most so many calls in flight to each provider
origin, and stops calling a provider that answered 429 for the rest of the batch (the messages
not called yet get the values that put them back, their attempt given back). Either way, what
comes back is the column values that record the outcome, which delivery writes
(`runtime.messaging.delivery`): sent; retrying after a backoff that doubles, or as long as the
provider asked, with up to JITTER more at random, so that messages that failed together do
not come back in lock-step; or failed, with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from nodes.kit.channel import default_channels
from runtime.messaging import inflight
from runtime.messaging.adapters import Adapter, PermanentFailure, TransientFailure
from runtime.store.models import MessageStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""Provider calls per message; a transient failure on the last one fails the message."""

BACKOFF_BASE = timedelta(seconds=30)
"""Wait after the first transient failure; it doubles with each further attempt."""

BACKOFF_CAP = timedelta(hours=1)
"""The longest wait between two attempts, whatever the attempt count or provider hint."""

JITTER = 0.1
"""Up to this share of a wait is added at random, so that messages which failed together (a
provider outage, a 429) come back spread out, not in lock-step."""


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` calls: 30 s, 1 min, 2 min, … at most 1 h."""
    # The exponent is bounded so a huge attempt count cannot overflow timedelta.
    doublings = min(max(attempts - 1, 0), 32)
    return min(BACKOFF_BASE * 2 ** doublings, BACKOFF_CAP)


Claimed = dict[int, tuple[str, dict[str, Any], int, int]]
"""Claimed messages by id: (channel, content, attempts, journey id)."""


def attempt(message_id: int, channel: str, content: Mapping[str, Any], attempts: int,
            adapters: Mapping[str, Adapter], now: datetime) -> dict[str, Any]:
    """Call the adapter once; the column values that record what happened."""
    adapter = adapters.get(channel)
    if adapter is None:
        return _failed(_no_adapter(channel, adapters))
    try:
        _say_repeat(adapter, message_id, attempts)
        provider_id = adapter.send(message_id, channel, content)
    except Exception as error:  # every error ends on the row: _after
        return _after(error, message_id, channel, attempts, now)
    return _sent(provider_id, now)


def _say_repeat(adapter: Adapter, message_id: int, attempts: int) -> None:
    """Tell an adapter that asks (`repeating`) that this message was handed to it before: a
    provider with no idempotency key then looks it up instead of sending it again."""
    if attempts > 1 and callable(repeating := getattr(adapter, "repeating", None)):
        repeating(message_id)


async def attempt_all(claimed: Claimed, adapters: Mapping[str, Adapter], now: datetime,
                      bounds: inflight.Bounds) -> dict[int, dict[str, Any]]:
    """Send the claimed messages concurrently, each provider origin within its bound; the
    column values of each. A provider that asks to slow down (429) is called no more in this
    job: its messages not yet called are put back for when it said (their claim given back)."""
    paused: dict[str, tuple[timedelta, str]] = {}  # origin → (the wait it asked for, why)

    async def one(message_id: int, channel: str, content: Mapping[str, Any],
                  attempts: int) -> dict[str, Any]:
        adapter: Any = adapters[channel]
        try:
            origin = adapter.origin(content)
        except Exception:  # a URL past repair: the call fails and says why, on its own row
            origin = channel
        async with bounds(origin):
            if origin in paused:  # spread out, so they do not all come back at once either
                wait, why = paused[origin]
                return {"attempts": attempts - 1, "next_attempt_at": now + _jittered(wait),
                        "reason": why}
            try:
                _say_repeat(adapter, message_id, attempts)
                provider_id = await adapter.send_async(message_id, channel, content)
            except Exception as error:  # every error ends on the row: _after
                if isinstance(error, TransientFailure) and error.throttled:
                    paused.setdefault(origin, (_wait(1, error.retry_after),
                                               f"waiting: {error.reason}"))
                return _after(error, message_id, channel, attempts, now)
            return _sent(provider_id, now)

    done = await asyncio.gather(*(one(message_id, channel, content, attempts)
                                  for message_id, (channel, content, attempts, _journey)
                                  in claimed.items()))
    return dict(zip(claimed, done, strict=True))


def _sent(provider_id: str, now: datetime) -> dict[str, Any]:
    return {"status": MessageStatus.SENT, "provider_id": provider_id, "sent_at": now,
            "reason": None, "provider_answer": None, "next_attempt_at": None}


def _after(error: Exception, message_id: int, channel: str, attempts: int,
           now: datetime) -> dict[str, Any]:
    """The column values that record a call that raised `error`."""
    if isinstance(error, PermanentFailure):
        return _failed(error.reason, error.answer)
    if isinstance(error, TransientFailure):
        return _retry(error.reason, error.retry_after, attempts, now, error.answer)
    # An adapter bug must not sink the rest of the batch, nor vanish: it is logged with
    # its traceback and retried like an outage, so the row shows it until it is fixed.
    log.error("message %s: the %s adapter raised", message_id, channel, exc_info=error)
    return _retry(f"unexpected error in the {channel} adapter: {error!r}", None, attempts, now)


def _retry(reason: str, retry_after: float | None, attempts: int, now: datetime,
           answer: str | None = None) -> dict[str, Any]:
    if attempts >= MAX_ATTEMPTS:
        return _failed(f"gave up after {attempts} attempts: {reason}", answer)
    return {"status": MessageStatus.QUEUED, "reason": f"retrying: {reason}",
            "provider_answer": answer,
            "next_attempt_at": now + _jittered(_wait(attempts, retry_after))}


def _wait(attempts: int, retry_after: float | None) -> timedelta:
    """The backoff after `attempts` calls, or the provider's hint if longer (within reason)."""
    wait = backoff(attempts)
    if retry_after is not None:  # the provider said when it takes more; believe it
        wait = min(max(wait, timedelta(seconds=retry_after)), BACKOFF_CAP)
    return wait


def _jittered(wait: timedelta) -> timedelta:
    """`wait` and up to JITTER of it more, at random (never past BACKOFF_CAP)."""
    return min(wait * (1 + random.uniform(0, JITTER)), BACKOFF_CAP)


def _failed(reason: str, answer: str | None = None) -> dict[str, Any]:
    return {"status": MessageStatus.FAILED, "reason": reason, "provider_answer": answer,
            "next_attempt_at": None}


def _no_adapter(channel: str, adapters: Mapping[str, Adapter]) -> str:
    configured = ", ".join(sorted(adapters)) or "none"
    spec = default_channels().get(channel)
    how = (spec.configure if spec is not None and spec.configure else
           "channels are wired in runtime.messaging.channels.adapters_from_settings")
    return (f"no way to send '{channel}' messages is configured (configured: {configured}); "
            f"{how}")
