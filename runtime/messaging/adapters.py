"""The seam between Wayline and the providers that carry messages: the adapter protocol, the
failures every adapter raises, the outbox adapter, and sending a message that has no ledger row.

Every adapter has one method, `send(message_id, channel, content) -> provider id` (HTTP ones
also `send_async`, for many calls in flight: `AsyncAdapter`), and tells
failures apart the same way: `TransientFailure` (worth retrying: the provider is down, busy or
rate-limiting) or `PermanentFailure` (retrying cannot help: the address is refused, the request
is wrong). The message id travels with every call as the provider's idempotency key, so a
repeated call after a lost job is harmless. An adapter is called from one thread at a time,
unless it says `connections = N`: then from up to N threads at once (SMTP).

A failure's `reason` says what happened in words anyone on the team may read ("POST
crm.example.com/hooks answered 500 Internal Server Error"); what the provider said back, which
can hold internal details, is kept apart in `answer` (stored as `messages.provider_answer`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

RESPONSE_EXCERPT = 200
"""Characters of a provider's error answer kept with the message (`provider_answer`)."""


class DeliveryError(Exception):
    """A provider did not take the message; `reason` says why, for the send ledger, and
    `answer` is an excerpt of what the provider said, if anything (shown to fewer people)."""

    def __init__(self, reason: str, answer: str | None = None) -> None:
        self.reason, self.answer = reason, answer or None
        super().__init__(reason)


# "Failure", not "Error": these are a provider's answers, which delivery records, not bugs.
class TransientFailure(DeliveryError):  # noqa: N818
    """Worth retrying later; `retry_after` (seconds) is the provider's own hint, if it gave one.

    `throttled` says the provider asked to slow down (HTTP 429): delivery then stops calling it
    for the rest of the job, not only for this message.
    """

    def __init__(self, reason: str, retry_after: float | None = None,
                 answer: str | None = None, *, throttled: bool = False) -> None:
        super().__init__(reason, answer)
        self.retry_after, self.throttled = retry_after, throttled


class PermanentFailure(DeliveryError):  # noqa: N818
    """Retrying cannot help; record the reason and stop."""


class Adapter(Protocol):
    """Sends one rendered message through a provider.

    `idempotent` says whether the provider drops a repeat of the same message id: then a crash
    between sending and recording costs nothing, and outcomes may be recorded in one commit.
    An adapter may also say `records_only = True` when sending is nothing but recording (no
    IO, cannot fail): the batch that writes such a message then writes it sent at once.
    An adapter whose provider has no idempotency key may offer `repeating(message_id)`:
    delivery calls it before calling again for a message it called before (a retry, or a job
    that died after the call), in whichever worker, so the adapter can look it up first.
    """

    idempotent: bool

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Hand the message to the provider; return its id for the message, or raise a failure."""
        ...


class AsyncAdapter(Adapter, Protocol):
    """An adapter that can also send without blocking, so many calls are in flight at once.

    Delivery uses `send_async` on the worker's event loop (`runtime.messaging.inflight`), at
    most so many calls at a time to each `origin`; `send` stays for one-off sends (`send_now`).
    Only idempotent adapters offer it: their outcomes are recorded together after the calls.
    """

    async def send_async(self, message_id: int, channel: str,
                         content: Mapping[str, Any]) -> str:
        """As `send`, awaiting the provider's answer."""
        ...

    def origin(self, content: Mapping[str, Any]) -> str:
        """Where the message goes (scheme://host:port): calls are bounded per origin."""
        ...


def is_async(adapter: Adapter | None) -> bool:
    """Whether delivery may send through `adapter` concurrently (`AsyncAdapter`)."""
    return adapter is not None and hasattr(adapter, "send_async") and adapter.idempotent


LEDGERLESS_BASE = 8 * 10**18
"""Where the idempotency keys of messages with no ledger row start: far above any message id,
so a provider that drops repeated keys never mistakes an alert or a test send for a message."""


def ledgerless_key(redis: Any) -> int:
    """A fresh idempotency key for a message that has no row in the ledger."""
    return LEDGERLESS_BASE + int(redis.incr("wayline:ledgerless:key"))


SEND_NOW_TRIES = 3
"""Calls `send_now` makes before it gives up on a provider that fails for now."""


def send_now(adapter: Adapter, key: int, channel: str, content: Mapping[str, Any],
             pause: float = 0.5) -> str | None:
    """Send one message that has no row in the ledger (an alert, a test send) at once, trying
    a passing failure again after a short pause; None when it went, else why not."""
    problem = None
    for attempt in range(SEND_NOW_TRIES):
        try:
            adapter.send(key, channel, content)
            return None
        except PermanentFailure as failure:
            return failure.reason
        except TransientFailure as failure:
            problem = failure.reason
        if attempt + 1 < SEND_NOW_TRIES:
            time.sleep(pause * (attempt + 1))
    return problem


class OutboxAdapter:
    """Sends nothing: the message stays in the outbox table only (demos, previews, no provider)."""

    idempotent = True
    records_only = True

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Accept the message as it is."""
        return f"outbox-{message_id}"


# --- HTTP providers -------------------------------------------------------------------------


def http_outcome(default_id: str, call: str, response: httpx.Response) -> str:
    """The provider id of a 2xx answer; otherwise the failure it means (408/429/5xx transient).

    The id is the answer's X-Request-Id header, else `default_id`. The failure's reason is the
    status line; the start of the answer's body goes apart, as the failure's `answer`.
    """
    status = response.status_code
    if 200 <= status < 300:
        return response.headers.get("X-Request-Id") or default_id
    reason = f"{call} answered {status} {response.reason_phrase}"
    excerpt = " ".join(response.text.split())[:RESPONSE_EXCERPT]
    if status in (408, 429) or status >= 500:
        raise TransientFailure(reason, retry_after=retry_after(response), answer=excerpt,
                               throttled=status == 429)
    if 300 <= status < 400:
        location = public_url(response.headers.get("Location", ""))
        raise PermanentFailure(f"{reason}; it redirects to {location}: put that address in "
                               "the template", answer=excerpt)
    raise PermanentFailure(reason, answer=excerpt)


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (the HTTP-date form is rare and ignored)."""
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def public_origin(url: str) -> str:
    """Where a URL goes (scheme://host[:port]) and nothing a template filled in."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}" if parts.scheme else "the webhook address"


def public_url(url: str) -> str:
    """The URL without query, fragment or credentials: those often carry secrets."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else url
