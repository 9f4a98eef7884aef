"""A local server speaking Solapi's API, standing in for api.solapi.com in tests.

It checks each call's HMAC-SHA256 Authorization header as Solapi does (signature of date + salt
under the secret; a signature seen before is refused), keeps the messages it accepted with their
customFields, stores uploaded files, holds AlimTalk templates whose status a test moves, lists
refused (080) numbers, and answers with Solapi's bodies: `failedMessageList` for a refused
message, `{"errorCode", "errorMessage"}` for an error. Like Solapi, it has no idempotency key: a
repeated message is a second message (the gateway must look before sending again).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

AUTH = re.compile(r"^HMAC-SHA256 apiKey=(?P<key>[^,]+), date=(?P<date>[^,]+), "
                  r"salt=(?P<salt>[^,]+), signature=(?P<signature>[0-9a-f]{64})$")


@dataclass
class Solapi:
    """What the server holds and how it answers; tests read and steer it."""

    api_key: str = "NCSTESTKEY"
    api_secret: str = "test-secret"
    url: str = ""
    messages: list[dict] = field(default_factory=list)
    """Every message accepted, with the messageId it was given."""
    files: dict[str, dict] = field(default_factory=dict)
    templates: dict[str, dict] = field(default_factory=dict)
    block_numbers: list[dict] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every call that passed the signature check."""
    errors: list[tuple[int, dict, dict]] = field(default_factory=list)
    """(status, headers, body) to answer the next send calls with, instead of sending."""
    accept_then_fail: int = 0
    """Send calls to accept (keep the message) but answer 500 to, as a timeout after sending."""
    refuse: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Recipient → (statusCode, statusMessage) put in failedMessageList."""
    seen_signatures: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sends(self) -> int:
        return sum(1 for call in self.calls if call == ("POST", "/messages/v4/send-many/detail"))

    def by_wayline_id(self, message_id: int) -> list[dict]:
        return [message for message in self.messages
                if message["customFields"].get("waylineId") == str(message_id)]

    def report(self, message: dict, code: str = "4000", status_message: str = "정상 수신",
               at: str = "2026-03-02T00:00:05.000Z") -> dict:
        """A single-report webhook event for a message, as Solapi posts it."""
        return {"eventDataId": f"EV{len(self.messages)}", "retryCount": 0, "data": {
            "messageId": message["messageId"], "groupId": "G4V1", "type": message["type"],
            "to": message["to"], "from": message.get("from"), "statusCode": code,
            "statusMessage": status_message, "customFields": message["customFields"],
            "dateProcessed": at, "dateReported": at, "dateReceived": at}}

    # --- answering ------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict, headers, body) -> tuple[int, dict, dict]:
        problem = self._signature_problem(headers.get("Authorization", ""))
        if problem:
            return 401 if problem[0] != "DuplicatedSignature" else 403, {}, {
                "errorCode": problem[0], "errorMessage": problem[1]}
        with self._lock:
            self.calls.append((method, path))
            if path == "/messages/v4/send-many/detail" and method == "POST":
                return self._send(body)
            if path == "/storage/v1/files" and method == "POST":
                file_id = f"ST01FZ{len(self.files):020d}"
                self.files[file_id] = body
                return 200, {}, {"fileId": file_id, "type": body["type"], "name": body["name"]}
            if path == "/messages/v4/list":
                return 200, {}, self._list(query)
            if path == "/block/numbers":
                return 200, {}, {"limit": 100, "nextKey": None, "blockNumbers": self.block_numbers}
            return self._template(method, path, body)

    def _signature_problem(self, header: str) -> tuple[str, str] | None:
        found = AUTH.match(header)
        if not found:
            return "InvalidAuthorizationHeader", "Authorization 헤더 형식이 올바르지 않습니다."
        if found["key"] != self.api_key:
            return "InvalidApiKey", "유효하지 않은 API Key 입니다."
        expected = hmac.new(self.api_secret.encode(), (found["date"] + found["salt"]).encode(),
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, found["signature"]):
            return "SignatureDoesNotMatch", "서명이 일치하지 않습니다."
        with self._lock:
            if found["signature"] in self.seen_signatures:
                return "DuplicatedSignature", "이미 사용된 서명입니다."
            self.seen_signatures.add(found["signature"])
        return None

    def _send(self, body: dict) -> tuple[int, dict, dict]:
        if self.errors:
            return self.errors.pop(0)
        accepted, failed = [], []
        for message in body["messages"]:
            message_id = f"M4V{len(self.messages) + len(failed):017d}"
            if message["to"] in self.refuse:
                code, said = self.refuse[message["to"]]
                failed.append({"to": message["to"], "from": message.get("from"),
                               "type": message.get("type"), "statusCode": code,
                               "statusMessage": said, "country": message.get("country"),
                               "messageId": message_id, "accountId": "A1",
                               "customFields": message.get("customFields")})
                continue
            stored = {**message, "messageId": message_id,
                      "dateCreated": datetime.now(UTC).isoformat()}
            self.messages.append(stored)
            accepted.append({"messageId": message_id, "statusCode": "2000",
                             "statusMessage": "정상 접수(이통사로 접수 예정) ",
                             "customFields": message.get("customFields")})
        if self.accept_then_fail:
            self.accept_then_fail -= 1
            return 500, {}, {"errorCode": "InternalError", "errorMessage": "잠시 후 다시 시도"}
        return 200, {}, {"groupInfo": {"groupId": "G4V1", "count": {
            "total": len(body["messages"]), "registeredFailed": len(failed),
            "registeredSuccess": len(accepted)}},
            "failedMessageList": failed, "messageList": accepted}

    def _list(self, query: dict) -> dict:
        to = query.get("to", [""])[0]
        found = {message["messageId"]: message for message in self.messages
                 if message["to"] == to}
        return {"limit": 100, "startKey": None, "nextKey": None, "messageList": found}

    def _template(self, method: str, path: str, body) -> tuple[int, dict, dict]:
        if path == "/kakao/v2/templates" and method == "POST":
            missing = [name for name in ("channelId", "name", "content") if not body.get(name)]
            if missing:
                return 400, {}, {"errorCode": "ValidationError",
                                 "errorMessage": f"{', '.join(missing)} 필수 입력"}
            code = f"KA01TP{len(self.templates):020d}"
            self.templates[code] = {**body, "templateId": code, "status": "PENDING",
                                    "comments": [], "dateUpdated": "2026-12-07T05:00:00.000Z"}
            return 200, {}, self.templates[code]
        found = re.fullmatch(r"/kakao/v2/templates/([^/]+)(/inspection)?", path)
        if not found or found[1] not in self.templates:
            return 404, {}, {"errorCode": "NotFound", "errorMessage": "템플릿을 찾을 수 없습니다."}
        template = self.templates[found[1]]
        if found[2] and method == "PUT":
            template["status"] = "INSPECTING"
        return 200, {}, template

    def decide(self, code: str, status: str, comment: str = "") -> None:
        """Kakao's review decides (APPROVED, REJECTED with a comment)."""
        template = self.templates[code]
        template["status"] = status
        if comment:
            template["comments"].append({"isAdmin": True, "content": comment,
                                         "dateCreated": "2026-12-08T01:00:00.000Z"})


def _handler(solapi: Solapi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            status, headers, answer = solapi.answer(self.command, parts.path,
                                                    parse_qs(parts.query), self.headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve  # noqa: N815

        def log_message(self, *args):  # keep pytest output clean
            pass

    return Handler


@pytest.fixture
def solapi_server() -> Iterator:
    """Start a local Solapi: `solapi_server()` → its `Solapi`; stopped after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start(**behaviour) -> Solapi:
        solapi = Solapi(**behaviour)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(solapi))
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        solapi.url = f"http://127.0.0.1:{server.server_address[1]}"
        return solapi

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
