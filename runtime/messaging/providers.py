"""HTTP providers (SMS/LMS, KakaoTalk AlimTalk, app push…): one JSON POST per message.

Delivery makes many of these calls at once (`send_async`: aiohttp, over a pool of kept-alive
connections on the worker's event loop, `runtime.messaging.inflight`); `send` makes one.

Korean messaging gateways (NHN Cloud, Solapi, Aligo, …) and push services differ in detail but
share a shape: an HTTPS endpoint, an API key, a JSON body. Wayline speaks one generic dialect,
which a thin relay (or a provider that accepts it) maps onto the real API:

    POST <WAYLINE_SMS_URL | WAYLINE_KAKAO_URL | WAYLINE_PUSH_URL>
    X-Api-Key: <the channel's key>
    Idempotency-Key: <message id>      (the provider drops a repeat: retries are harmless)

    <the body the channel's `request` builds: `nodes/channels/<key>.py`>

A 2xx answer is sent (the provider's id is the JSON "id", else X-Request-Id); 408, 429 and 5xx
are transient (Retry-After honoured); any other answer is permanent, with its text as the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx

from nodes.kit.channel import ContentError, default_channels
from runtime.messaging import inflight
from runtime.messaging.adapters import (
    PermanentFailure,
    TransientFailure,
    http_outcome,
    public_origin,
    public_url,
)

PROVIDER_TIMEOUT = 10.0
"""Seconds a provider has to answer before the call counts as a transient failure."""


class HttpProviderAdapter:
    """One channel's provider: JSON POST with the API key and the message id as idempotency key."""

    idempotent = True

    def __init__(self, channel: str, url: str, api_key: str,
                 account: Mapping[str, str] | None = None,
                 timeout: float = PROVIDER_TIMEOUT,
                 concurrency: int = inflight.PROVIDER_CONCURRENCY) -> None:
        spec = default_channels().get(channel)
        if spec is None or spec.request is None:
            raise ValueError(f"no HTTP provider dialect for '{channel}'")
        self.request = spec.request
        self.channel, self.url, self.timeout = channel, url, timeout
        self.account = dict(account or {})
        self.concurrency = concurrency
        self._origin = public_origin(url)
        self._headers = {"User-Agent": "Wayline"}
        if api_key:
            self._headers["X-Api-Key"] = api_key
        self._client = httpx.Client(timeout=timeout, follow_redirects=False,
                                    headers=self._headers)
        self._session: aiohttp.ClientSession | None = None

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Hand the message to the provider; its id, or a failure saying why not."""
        body, headers = self._request(message_id, channel, content)
        try:
            response = self._client.post(self.url, json=body, headers=headers)
        except httpx.TransportError as error:
            raise self._unreached(error) from None
        return self._outcome(message_id, channel, response)

    async def send_async(self, message_id: int, channel: str,
                         content: Mapping[str, Any]) -> str:
        """As `send`, on the worker's event loop, over its pool of kept-alive connections
        (aiohttp: ~4× less CPU a call than httpx here, `bench/delivery.py`)."""
        body, headers = self._request(message_id, channel, content)
        if self._session is None:  # made on the loop that will use its connections
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=self.concurrency))
        for attempt in (1, 2):  # a refused connect sent nothing: one more try then
            try:
                async with self._session.post(self.url, json=body, headers=headers,
                                              allow_redirects=False) as answer:
                    text = await answer.text(errors="replace")
                    response = httpx.Response(answer.status, headers=list(answer.headers.items()),
                                              text=text)
                break
            except aiohttp.ClientConnectorError as error:
                if attempt == 2:
                    raise self._unreached(httpx.ConnectError(str(error))) from None
            except TimeoutError:
                raise self._unreached(httpx.TimeoutException("timed out")) from None
            except aiohttp.ClientError as error:
                raise self._unreached(httpx.TransportError(str(error))) from None
        return self._outcome(message_id, channel, response)

    def origin(self, content: Mapping[str, Any]) -> str:
        """The provider's origin: every message of this channel goes there."""
        return self._origin

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()
        session, self._session = self._session, None
        if session is not None:
            inflight.run(session.close())

    def _request(self, message_id: int, channel: str,
                 content: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The JSON body and per-message headers of the call."""
        if not content.get("to"):
            raise PermanentFailure(f"the {channel} message has no recipient")
        try:
            body = self.request(message_id, content, self.account)
        except ContentError as error:
            raise PermanentFailure(error.reason) from None
        headers = {"Idempotency-Key": str(message_id)}
        # A test send (runtime.messaging.test_sends): the provider may say so.
        if content.get("test"):
            body["test"], headers["X-Wayline-Test"] = True, "1"
        return body, headers

    def _unreached(self, error: httpx.TransportError) -> TransientFailure:
        where = public_url(self.url)
        if isinstance(error, httpx.TimeoutException):
            return TransientFailure(f"{where} did not answer within {self.timeout:g} s")
        return TransientFailure(f"could not reach {where}: {error}")

    def _outcome(self, message_id: int, channel: str, response: httpx.Response) -> str:
        provider_id = http_outcome(f"{channel}-{message_id}", f"the {channel} provider "
                                   f"{public_url(self.url)}", response)
        return _json_id(response) or provider_id


def _json_id(response: httpx.Response) -> str | None:
    """The provider's own id for the message, when its JSON answer has one."""
    try:
        answer = response.json()
    except ValueError:
        return None
    if isinstance(answer, Mapping):
        found = answer.get("id") or answer.get("message_id")
        return str(found)[:255] if found not in (None, "") else None
    return None
