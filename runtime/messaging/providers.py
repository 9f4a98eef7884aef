"""HTTP providers (SMS/LMS, KakaoTalk AlimTalk, app push…): one JSON POST per message.

Delivery makes many of these calls at once (`send_async`, over a pool of kept-alive
connections on the worker's event loop: `runtime.messaging.inflight`); `send` makes one.

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
        self._async_clients: inflight.ClientPool | None = None

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
        """As `send`, on the worker's event loop, over its pool of kept-alive connections."""
        body, headers = self._request(message_id, channel, content)
        if self._async_clients is None:  # made on the loop that will use their connections
            self._async_clients = inflight.ClientPool(self._async_client, self.concurrency)
        try:
            response = await self._async_clients.request("POST", self.url, json=body,
                                                         headers=headers)
        except httpx.TransportError as error:
            raise self._unreached(error) from None
        return self._outcome(message_id, channel, response)

    def origin(self, content: Mapping[str, Any]) -> str:
        """The provider's origin: every message of this channel goes there."""
        return self._origin

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()
        clients, self._async_clients = self._async_clients, None
        if clients is not None:
            inflight.run(clients.aclose())

    def _async_client(self, connections: int) -> httpx.AsyncClient:
        # A refused connect sent nothing: one more try then (many connect at once).
        limits = httpx.Limits(max_connections=connections,
                              max_keepalive_connections=connections)
        return httpx.AsyncClient(timeout=self.timeout, follow_redirects=False,
                                 headers=self._headers,
                                 transport=httpx.AsyncHTTPTransport(limits=limits, retries=1))

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
