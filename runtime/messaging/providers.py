"""HTTP providers for SMS/LMS, KakaoTalk AlimTalk and app push: one JSON POST per message.

Korean messaging gateways (NHN Cloud, Solapi, Aligo, …) and push services differ in detail but
share a shape: an HTTPS endpoint, an API key, a JSON body. Wayline speaks one generic dialect,
which a thin relay (or a provider that accepts it) maps onto the real API:

    POST <WAYLINE_SMS_URL | WAYLINE_KAKAO_URL | WAYLINE_PUSH_URL>
    X-Api-Key: <the channel's key>
    Idempotency-Key: <message id>      (the provider drops a repeat: retries are harmless)

    sms:   {"message_id", "type": "SMS"|"LMS", "from", "to", "text", "bytes"}
    kakao: {"message_id", "sender_key", "template_code", "to", "text", "variables"}
    push:  {"message_id", "to", "title", "body", "deep_link", "data"}

A 2xx answer is sent (the provider's id is the JSON "id", else X-Request-Id); 408, 429 and 5xx
are transient (Retry-After honoured); any other answer is permanent, with its text as the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from nodes.kit.sms import TooLongError, text_size
from runtime.messaging.adapters import PermanentFailure, TransientFailure, http_outcome, public_url

PROVIDER_TIMEOUT = 10.0
"""Seconds a provider has to answer before the call counts as a transient failure."""


def sms_request(message_id: int, content: Mapping[str, Any],
                account: Mapping[str, str]) -> dict[str, Any]:
    """The SMS/LMS body; the kind is chosen again from the text, so it is never wrong."""
    text = str(content.get("text") or "")
    try:
        size = text_size(text)
    except TooLongError as error:
        raise PermanentFailure(str(error)) from None
    return {"message_id": message_id, "type": size.kind.value, "from": account.get("sender", ""),
            "to": content.get("to"), "text": text, "bytes": size.bytes}


def kakao_request(message_id: int, content: Mapping[str, Any],
                  account: Mapping[str, str]) -> dict[str, Any]:
    """The AlimTalk body: the approved template's code, its variables, and the full text."""
    if not content.get("template_code"):
        raise PermanentFailure("the KakaoTalk message has no template code; set the approved "
                               "AlimTalk template code in the template")
    return {"message_id": message_id, "sender_key": account.get("sender_key", ""),
            "template_code": content["template_code"], "to": content.get("to"),
            "text": content.get("text", ""), "variables": dict(content.get("variables") or {})}


def push_request(message_id: int, content: Mapping[str, Any],
                 account: Mapping[str, str]) -> dict[str, Any]:
    """The push body: to the customer's devices, known to the provider by external id."""
    return {"message_id": message_id, "to": content.get("to"), "title": content.get("title"),
            "body": content.get("text", ""), "deep_link": content.get("deep_link"),
            "data": dict(content.get("data") or {})}


REQUESTS: dict[str, Callable[[int, Mapping[str, Any], Mapping[str, str]], dict[str, Any]]] = {
    "sms": sms_request, "kakao": kakao_request, "push": push_request,
}
"""How each channel's content becomes the provider's request body."""


class HttpProviderAdapter:
    """One channel's provider: JSON POST with the API key and the message id as idempotency key."""

    idempotent = True

    def __init__(self, channel: str, url: str, api_key: str,
                 account: Mapping[str, str] | None = None,
                 timeout: float = PROVIDER_TIMEOUT) -> None:
        if channel not in REQUESTS:
            raise ValueError(f"no HTTP provider dialect for '{channel}'")
        self.channel, self.url, self.timeout = channel, url, timeout
        self.account = dict(account or {})
        headers = {"User-Agent": "Wayline"}
        if api_key:
            headers["X-Api-Key"] = api_key
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, headers=headers)

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Hand the message to the provider; its id, or a failure saying why not."""
        if not content.get("to"):
            raise PermanentFailure(f"the {channel} message has no recipient")
        body = REQUESTS[self.channel](message_id, content, self.account)
        headers = {"Idempotency-Key": str(message_id)}
        # A test send (runtime.messaging.test_sends): the provider may say so.
        if content.get("test"):
            body["test"], headers["X-Wayline-Test"] = True, "1"
        where = public_url(self.url)
        try:
            response = self._client.post(self.url, json=body, headers=headers)
        except httpx.TimeoutException:
            raise TransientFailure(f"{where} did not answer within {self.timeout:g} s") from None
        except httpx.TransportError as error:
            raise TransientFailure(f"could not reach {where}: {error}") from None
        provider_id = http_outcome(f"{channel}-{message_id}", f"the {channel} provider "
                                   f"{where}", response)
        return _json_id(response) or provider_id

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()


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
