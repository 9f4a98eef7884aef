"""Firebase Cloud Messaging (HTTP v1): app push to each of the customer's devices.

FCM addresses devices, not customers: the push channel's content carries the customer's device
tokens (`"tokens"`, from their `push_tokens` attribute, `runtime.messaging.rendering`), and this
gateway makes one `POST {url}/v1/projects/{project}/messages:send` per token, with an OAuth2
access token got from the service account's JSON key (an RS256-signed JWT exchanged at the
key's `token_uri`, kept until shortly before it expires).

Why not `firebase-admin`: its FCM endpoint is fixed in the library (no setting to point it at a
local server, so it could not be tested against one here), its sends block on `requests`, and
it brings Google's API client and gRPC stack for what is two HTTP calls. The JWT is signed with
`cryptography`.

Outcome of a message with several devices: sent when at least one device took it (the others'
failures are logged with the answer); a permanent failure when every token is dead
(UNREGISTERED, INVALID_ARGUMENT, SENDER_ID_MISMATCH: the app was removed or the token belongs
elsewhere); otherwise transient (UNAVAILABLE, INTERNAL, QUOTA_EXCEEDED / HTTP 429, with
Retry-After). A 401 gets a fresh access token and one more try.

FCM has no idempotency key: a repeated call sends again. So `idempotent` is False, and delivery
records each push as soon as FCM took it (no batching of outcomes, no `send_async`).
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from nodes.kit.channel import Product
from runtime.messaging.adapters import (
    RESPONSE_EXCERPT,
    PermanentFailure,
    TransientFailure,
    public_origin,
    public_url,
    retry_after,
)
from runtime.messaging.gateways import GatewayConfig, GatewayError, GatewaySpec, Setting

log = logging.getLogger(__name__)

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
"""The OAuth2 scope FCM sends need."""

TOKEN_LIFETIME = 3600
"""Seconds an access token is asked for (Google's maximum)."""

TOKEN_MARGIN = 120
"""Seconds before expiry an access token is replaced."""

MAX_TOKENS = 10
"""Devices one push goes to at most (a customer's newest tokens, as the attribute lists them)."""

DEAD = frozenset({"UNREGISTERED", "INVALID_ARGUMENT", "SENDER_ID_MISMATCH", "NOT_FOUND"})
"""FCM error codes that mean the token will never take a message."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def parse_credentials(value: str) -> str:
    """The service account's JSON key, given as the JSON itself or the path of its file."""
    text = value if value.lstrip().startswith("{") else _read(value)
    try:
        key = json.loads(text)
    except ValueError:
        raise ValueError("is not a service account JSON key (or the path of one)") from None
    missing = [name for name in ("client_email", "private_key", "token_uri")
               if not isinstance(key, dict) or not key.get(name)]
    if missing:
        raise ValueError(f"the service account key lacks {', '.join(missing)}; download a new "
                         "key in Firebase console → Project settings → Service accounts")
    try:
        signer = serialization.load_pem_private_key(key["private_key"].encode(), None)
    except (ValueError, TypeError):
        raise ValueError("the service account key's private_key is not a PEM key") from None
    if not isinstance(signer, rsa.RSAPrivateKey):
        raise ValueError("the service account key's private_key is not an RSA key")
    return text


def _read(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"cannot read the service account key file: {error.strerror}") from None


class FcmGateway:
    """App push through FCM HTTP v1; see the module docstring."""

    idempotent = False  # FCM has no idempotency key

    def __init__(self, config: GatewayConfig) -> None:
        key = json.loads(config.values["credentials"])
        self.email, self.token_uri = key["client_email"], key["token_uri"]
        self.key_id = key.get("private_key_id", "")
        self.project = config.values["project_id"] or key.get("project_id", "")
        if not self.project:
            raise GatewayError("WAYLINE_FCM_PROJECT_ID must be set: the key names no project")
        signer = serialization.load_pem_private_key(key["private_key"].encode(), None)
        assert isinstance(signer, rsa.RSAPrivateKey)  # parse_credentials checked it
        self._signer = signer
        self.url = (f"{config.values['url'].rstrip('/')}/v1/projects/{quote(self.project)}"
                    "/messages:send")
        self.timeout = config.timeout
        self._access: tuple[str, float] | None = None  # token, monotonic expiry
        self._client = httpx.Client(timeout=config.timeout, follow_redirects=False,
                                    headers={"User-Agent": "Wayline"})

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Push to every device of the customer; FCM's message name(s), or why not."""
        tokens = [str(t) for t in content.get("tokens") or [] if t][:MAX_TOKENS]
        if not tokens:
            raise PermanentFailure(f"customer {content.get('to')} has no device to push to; "
                                   "their app sets the push_tokens attribute when it registers")
        sent: list[str] = []
        dead: list[PermanentFailure] = []
        later: list[TransientFailure] = []
        for token in tokens:
            try:
                sent.append(self._push(message_id, token, content))
            except PermanentFailure as failure:
                dead.append(failure)
            except TransientFailure as failure:
                later.append(failure)
        if sent:
            for failure in dead + later:
                log.info("push %s: one device did not take it: %s", message_id, failure.reason)
            return ",".join(sent)[:255]
        if later:
            raise later[0]
        if len(dead) == 1:
            raise dead[0]
        raise PermanentFailure(f"none of the customer's {len(dead)} devices takes pushes any "
                               f"more ({dead[0].reason})", answer=dead[0].answer)

    def origin(self, content: Mapping[str, Any]) -> str:
        """FCM's origin."""
        return public_origin(self.url)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def _push(self, message_id: int, token: str, content: Mapping[str, Any]) -> str:
        body = {"message": _message(message_id, token, content)}
        for attempt in (1, 2):
            try:
                response = self._client.post(
                    self.url, json=body,
                    headers={"Authorization": f"Bearer {self._access_token(attempt == 2)}"})
            except httpx.TimeoutException:
                raise TransientFailure(f"FCM did not answer within {self.timeout:g} s") from None
            except httpx.TransportError as error:
                raise TransientFailure(f"could not reach {public_url(self.url)}: "
                                       f"{error}") from None
            if response.status_code != 401 or attempt == 2:
                break
        if 200 <= response.status_code < 300:
            return str(_json(response).get("name") or f"fcm-{message_id}")
        raise _failure(response)

    def _access_token(self, fresh: bool = False) -> str:
        """An OAuth2 access token for FCM, from the cache while it has time left."""
        if not fresh and self._access and time.monotonic() < self._access[1]:
            return self._access[0]
        try:
            response = self._client.post(self.token_uri, data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": self._assertion()})
        except httpx.TransportError as error:
            raise TransientFailure(f"could not reach Google's token service "
                                   f"{public_url(self.token_uri)}: {error}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientFailure(f"Google's token service answered {response.status_code}",
                                   retry_after=retry_after(response))
        answer = _json(response)
        token = answer.get("access_token")
        if response.status_code != 200 or not token:
            said = str(answer.get("error_description") or answer.get("error") or "")
            raise TransientFailure(
                f"Google refused the service account key ({response.status_code}: {said}); "
                "check WAYLINE_FCM_CREDENTIALS", answer=said[:RESPONSE_EXCERPT])
        lifetime = float(answer.get("expires_in") or TOKEN_LIFETIME)
        self._access = (str(token), time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN))
        return self._access[0]

    def _assertion(self) -> str:
        """The JWT (RS256) that asks for an access token, signed with the service account."""
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", **({"kid": self.key_id} if self.key_id else {})}
        claims = {"iss": self.email, "scope": SCOPE, "aud": self.token_uri, "iat": now,
                  "exp": now + TOKEN_LIFETIME}
        signing = (_b64(json.dumps(header).encode()) + "." +
                   _b64(json.dumps(claims).encode()))
        signature = self._signer.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing}.{_b64(signature)}"


def _message(message_id: int, token: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """One FCM message: the notification, and data (strings only, as FCM requires) with the
    deep link and Wayline's message id for the app's open tracking."""
    notification = {"body": str(content.get("text") or "")}
    if content.get("title"):
        notification["title"] = str(content["title"])
    data = {str(k): str(v) for k, v in dict(content.get("data") or {}).items()}
    data["wayline_message_id"] = str(message_id)
    if content.get("deep_link"):
        data["deep_link"] = str(content["deep_link"])
    return {"token": token, "notification": notification, "data": data}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _failure(response: httpx.Response) -> PermanentFailure | TransientFailure:
    """What an FCM error answer means for this token."""
    error = _json(response).get("error") or {}
    status = str(error.get("status") or "")
    codes = [str(d.get("errorCode")) for d in error.get("details") or []
             if isinstance(d, dict) and d.get("errorCode")]
    code = codes[0] if codes else status or str(response.status_code)
    said = " ".join(str(error.get("message") or response.text).split())[:RESPONSE_EXCERPT]
    if code in DEAD or status in DEAD:
        return PermanentFailure(f"the device token is no longer valid (FCM {code})", answer=said)
    if response.status_code in (401, 403) and code != "QUOTA_EXCEEDED":
        return TransientFailure(f"FCM refused Wayline's credentials ({code}); check that the "
                                "service account may send for this project", answer=said)
    if response.status_code == 429 or response.status_code >= 500 or code in (
            "UNAVAILABLE", "INTERNAL", "QUOTA_EXCEEDED"):
        return TransientFailure(f"FCM is busy or unavailable ({code})",
                                retry_after=retry_after(response), answer=said,
                                throttled=response.status_code == 429)
    return PermanentFailure(f"FCM refused the message ({code})", answer=said)


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with https:// (or http:// for a local test server)")
    return value.rstrip("/")


GATEWAY = GatewaySpec(
    key="fcm", label="Firebase Cloud Messaging", products=frozenset({Product.APP_PUSH}),
    settings={
        "credentials": Setting("the service account's JSON key, or the path of its file",
                               secret=True, required=True, parse=parse_credentials),
        "project_id": Setting("the Firebase project id, when the key names another"),
        "url": Setting("FCM's base address", default="https://fcm.googleapis.com", parse=_url),
    },
    build=FcmGateway,
    docs_url="https://firebase.google.com/docs/cloud-messaging/send/v1-api",
)
