"""A local Firebase Cloud Messaging (HTTP v1) and Google OAuth2 token endpoint.

A real stdlib HTTP server in a thread. The token endpoint takes only a JWT-bearer assertion
signed (RS256) with the test service account's private key — generated per test with
`cryptography` — and checks its issuer, audience, scope and expiry before issuing an access
token. The send endpoint takes only a live access token for the right project, answers FCM's
error shapes (UNREGISTERED, INVALID_ARGUMENT, UNAVAILABLE, QUOTA_EXCEEDED …) and keeps what it
was asked to push.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.runtime.providers import serving

PROJECT = "wayline-test"
EMAIL = "wayline@wayline-test.iam.gserviceaccount.com"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _error(code: int, status: str, message: str, fcm_code: str | None = None) -> dict[str, Any]:
    details = ([{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                 "errorCode": fcm_code}] if fcm_code else [])
    return {"error": {"code": code, "message": message, "status": status, "details": details}}


@dataclass
class FcmCloud:
    """What the local FCM holds, and what tests tell it to do."""

    url: str = ""
    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    pushes: list[dict[str, Any]] = field(default_factory=list)
    issued: dict[str, float] = field(default_factory=dict)
    """Access tokens given out, with when they expire (time.time())."""
    dead: set[str] = field(default_factory=set)
    """Device tokens of uninstalled apps (UNREGISTERED)."""
    answers: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    """Scripted (status, headers, JSON) for the next sends, after the token check."""
    refused_assertions: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def service_account(self, key: rsa.RSAPrivateKey | None = None) -> str:
        """The service account JSON key, its token_uri pointing here."""
        pem = (key or self.private_key).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        return json.dumps({"type": "service_account", "project_id": PROJECT,
                           "private_key_id": "k1", "private_key": pem, "client_email": EMAIL,
                           "token_uri": f"{self.url}/token"})

    def revoke(self) -> None:
        """Every access token given out stops working (as when one expires)."""
        self.issued.clear()

    # --- answering ---------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        problem = self._assertion_problem(form)
        if problem:
            self.refused_assertions.append(problem)
            return 400, {}, {"error": "invalid_grant", "error_description": problem}
        token = f"ya29.test-{len(self.issued) + len(self.refused_assertions) + 1}-{time.time()}"
        self.issued[token] = time.time() + 3599
        return 200, {}, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _assertion_problem(self, form: dict[str, str]) -> str | None:
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return "Invalid grant_type."
        try:
            head, claims, signature = form["assertion"].split(".")
            header = json.loads(_unb64(head))
            payload = json.loads(_unb64(claims))
            self.private_key.public_key().verify(_unb64(signature), f"{head}.{claims}".encode(),
                                                 padding.PKCS1v15(), hashes.SHA256())
        except (KeyError, ValueError, InvalidSignature):
            return "Invalid JWT Signature."
        now = time.time()
        if header.get("alg") != "RS256":
            return "Invalid JWT algorithm."
        if payload.get("iss") != EMAIL or payload.get("aud") != f"{self.url}/token":
            return "Invalid JWT: issuer or audience."
        if SCOPE not in str(payload.get("scope", "")).split():
            return "Invalid OAuth scope."
        if not payload.get("iat", now + 1) <= now + 5 < payload.get("exp", 0) + 5 or \
                payload["exp"] - payload["iat"] > 3600:
            return "Invalid JWT: Token must be a short-lived token (60 minutes)."
        return None

    def send(self, path: str, authorization: str,
             body: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
        token = authorization.removeprefix("Bearer ")
        if self.issued.get(token, 0) < time.time():
            return 401, {}, _error(401, "UNAUTHENTICATED",
                                   "Request had invalid authentication credentials.")
        if path != f"/v1/projects/{PROJECT}/messages:send":
            return 403, {}, _error(403, "PERMISSION_DENIED", "Permission denied.",
                                   "SENDER_ID_MISMATCH")
        if self.answers:
            return self.answers.pop(0)
        message = (body or {}).get("message") or {}
        device = message.get("token")
        data = message.get("data") or {}
        if not device or not all(isinstance(v, str) for v in data.values()):
            return 400, {}, _error(400, "INVALID_ARGUMENT", "Invalid value at 'message'.",
                                   "INVALID_ARGUMENT")
        if device in self.dead:
            return 404, {}, _error(404, "NOT_FOUND", "Requested entity was not found.",
                                   "UNREGISTERED")
        self.pushes.append(message)
        return 200, {}, {"name": f"projects/{PROJECT}/messages/0:{len(self.pushes)}"}

    def handle(self, path: str, headers: dict[str, str],
               raw: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            if path == "/token":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                return self.token(form)
            return self.send(path, headers.get("authorization", ""),
                             json.loads(raw) if raw else None)


def _handler(cloud: FcmCloud) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, answer = cloud.handle(self.path, headers, raw)
            data = json.dumps(answer).encode()
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def fcm_cloud() -> Iterator[FcmCloud]:
    """A local FCM and token endpoint with a fresh service account key; stopped after."""
    cloud = FcmCloud()
    with serving(_handler(cloud)) as url:
        cloud.url = url
        yield cloud
