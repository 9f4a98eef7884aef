"""A local NHN Cloud: SMS v3.0 and KakaoTalk Bizmessage (AlimTalk v2.3, Brand Message v1.0).

A real stdlib HTTP server in a thread, speaking NHN's request and answer shapes: it checks the
app key in the path and `X-Secret-Key`, answers 200 with `header.isSuccessful/resultCode/
resultMessage`, refuses a repeated `X-NC-API-IDEMPOTENCY-KEY` within 10 minutes (-1005), keeps
what was sent (searchable by `recipientGroupingKey`), takes attachments and images, keeps the
delivery results a test sets and lists them by update time (one day per query, as NHN does),
keeps AlimTalk templates and their review, and the 080 block list.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.runtime.providers import serving

KST = ZoneInfo("Asia/Seoul")
SMS_KEY, SMS_SECRET = "sms-app", "sms-secret"
KAKAO_KEY, KAKAO_SECRET = "kakao-app", "kakao-secret"
SENDER_KEY = "a" * 40


def kst(moment: datetime) -> str:
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S.0")


@dataclass
class Sent:
    """One recipient of one send request, as NHN keeps it."""

    product: str          # "sms", "alimtalk", "brand"
    path: str
    body: dict[str, Any]
    recipient: dict[str, Any]
    request_id: str
    requested_at: datetime
    result: dict[str, Any] | None = None   # set by `deliver`


@dataclass
class NhnCloud:
    """What the local NHN holds, and what tests tell it to do."""

    url: str = ""
    sent: list[Sent] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    """(method, path with query, headers, JSON or form body) of every request."""
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """Scripted (HTTP status, JSON) for the next send requests, before any other check."""
    files: dict[int, bytes] = field(default_factory=dict)
    images: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what tests do -----------------------------------------------------------------

    def deliver(self, key: str | int, code: str = "1000", name: str = "성공",
                at: datetime | None = None) -> None:
        """NHN learns the result of the message with grouping key `key`."""
        when = at or datetime.now(KST)
        for item in self.sent:
            if item.recipient.get("recipientGroupingKey") == str(key):
                item.result = {"resultCode": code, "resultCodeName": name,
                               "updateDate": kst(when), "resultDate": kst(when)}

    def approve(self, code: str, status: str, comment: str | None = None) -> None:
        """Kakao's reviewer moves the template to `status` (TSC03 approved, TSC04 rejected)."""
        template = self.templates[code]
        template["status"] = status
        if comment:
            template["comments"].append({"id": len(template["comments"]) + 1,
                                         "content": comment, "userName": "kakao",
                                         "createAt": kst(datetime.now(KST)), "status": "REJ"})

    def block(self, phone: str, unsubscribe_no: str, at: datetime) -> None:
        """Someone called the 080 line from `phone`."""
        self.blocks.append({"unsubscribeNo": unsubscribe_no, "recipientNo": phone,
                            "requestDate": kst(at)})

    def of(self, product: str) -> list[Sent]:
        return [item for item in self.sent if item.product == product]

    # --- answering ---------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str],
               body: Any) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        segments = parts.path.strip("/").split("/")
        with self._lock:
            self.requests.append((method, raw_path, headers, body))
            if segments[0] == "sms":
                return self._sms(method, segments, query, headers, body)
            return self._kakao(method, segments, query, headers, body)

    def _auth(self, segments: list[str], headers: dict[str, str], key: str,
              secret: str) -> dict[str, Any] | None:
        if segments[3] != key:
            return _fail(-1000, "Invalid appKey.")
        if headers.get("x-secret-key") != secret:
            return _fail(-1001, "Invalid secretKey.")
        return None

    def _scripted(self) -> tuple[int, dict[str, Any]] | None:
        return self.answers.pop(0) if self.answers else None

    def _sms(self, method, segments, query, headers, body) -> tuple[int, dict[str, Any]]:
        refused = self._auth(segments, headers, SMS_KEY, SMS_SECRET)
        if refused:
            return 200, refused
        action = "/".join(segments[4:])
        if method == "POST" and action.startswith("sender/"):
            return self._scripted() or (200, self._sms_send(action, body))
        if method == "GET" and action in ("sender/sms", "sender/mms"):
            kind = action.split("/")[1]
            rows = [_sms_row(item) for item in self.of("sms")
                    if item.path.endswith(kind)
                    and item.recipient.get("recipientGroupingKey")
                    == query.get("recipientGroupingKey")]
            return 200, _ok(body={"pageNum": 1, "pageSize": 15, "totalCount": len(rows),
                                  "data": rows})
        if method == "POST" and action == "attachfile/binaryUpload":
            if not str(body.get("fileName", "")).endswith((".jpg", ".jpeg")):
                return 200, _fail(-2020, "Invalid file extension.")
            file_id = len(self.files) + 1
            self.files[file_id] = base64.b64decode(body["fileBody"])
            return 200, _ok(body={"data": {"fileId": file_id, "fileName": body["fileName"]}})
        if method == "GET" and action == "message-results":
            rows = [dict(_sms_row(item), **item.result) for item in self.of("sms")
                    if item.result and _within(item.result["updateDate"], query)]
            return _page(rows, query)
        if method == "GET" and action == "blockservice/recipients":
            if not query["unsubscribeNo"].startswith("080"):
                return 200, _fail(-9, "Not a registered 080 number.")
            rows = [row for row in self.blocks if row["unsubscribeNo"] == query["unsubscribeNo"]
                    and query["startRequestDate"] <= row["requestDate"][:19]
                    <= query["endRequestDate"]]
            return _page(rows, query)
        return 404, {"error": "no such NHN SMS API"}

    def _sms_send(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        missing = [name for name in ("body", "sendNo", "recipientList") if not body.get(name)]
        if missing:
            return _fail(-1, f"{', '.join(missing)} is required.")
        if body["sendNo"] != "0212345678":
            return _fail(-2003, "Unregistered sendNo.")
        if action.startswith("sender/ad-") and not (
                body["body"].startswith("(광고)") and "080" in body["body"]):
            return _fail(-2010, "Ad message must contain (광고) and 080 number.")
        if action.endswith("mms") and not body.get("title"):
            return _fail(-1, "title is required.")
        if any(file_id not in self.files for file_id in body.get("attachFileIdList") or []):
            return _fail(-1, "Invalid attachFileId.")
        request_id = f"sms-{len(self.sent) + 1}"
        results = []
        for seq, recipient in enumerate(body["recipientList"], start=1):
            if not str(recipient.get("recipientNo", "")).startswith("01"):
                results.append({"recipientNo": recipient.get("recipientNo"), "resultCode": -4,
                                "resultMessage": "Invalid recipientNo.", "recipientSeq": seq})
                continue
            self.sent.append(Sent("sms", action, body, recipient, request_id,
                                  datetime.now(KST)))
            results.append({"recipientNo": recipient["recipientNo"], "resultCode": 0,
                            "resultMessage": "SUCCESS", "recipientSeq": seq,
                            "recipientGroupingKey": recipient.get("recipientGroupingKey")})
        return _ok(body={"data": {"requestId": request_id, "statusCode": "2",
                                  "sendResultList": results}})

    def _kakao(self, method, segments, query, headers, body) -> tuple[int, dict[str, Any]]:
        refused = self._auth(segments, headers, KAKAO_KEY, KAKAO_SECRET)
        if refused:
            return 200, refused
        product, action = segments[0], "/".join(segments[4:])
        if method == "POST" and action in ("messages", "freestyle-messages"):
            scripted = self._scripted()
            if scripted:
                return scripted
            key = headers.get("x-nc-api-idempotency-key")
            now = datetime.now(KST)
            if key and key in self.keys and now - self.keys[key] < timedelta(minutes=10):
                return 200, _fail(-1005, "The same 'X-NC-API-IDEMPOTENCY-KEY' was used within "
                                         "the last 10 minute.")
            answer = (self._alimtalk(body) if product == "alimtalk" else self._brand(body))
            if key and answer["header"]["isSuccessful"]:
                self.keys[key] = now
            return 200, answer
        if method == "GET" and product == "alimtalk" and action == "message-results":
            if not _one_day(query):
                return 200, _fail(-1, "The search period is limited to one day.")
            rows = [dict(_kakao_row(item), **item.result) for item in self.of("alimtalk")
                    if item.result and _within(item.result["updateDate"], query)]
            return 200, _kakao_page(rows, query)
        if method == "GET" and product == "brand-message" and action == "messages":
            start = datetime.strptime(query["startRequestDate"], "%Y-%m-%d %H:%M")
            end = datetime.strptime(query["endRequestDate"], "%Y-%m-%d %H:%M")
            if not timedelta(0) <= end - start <= timedelta(days=1):
                return 200, _fail(-1, "The search period is limited to one day.")
            rows = [dict(_kakao_row(item), **(item.result or {})) for item in self.of("brand")
                    if start <= item.requested_at.replace(tzinfo=None, second=0,
                                                          microsecond=0) <= end]
            return 200, _kakao_page(rows, query)
        if method == "POST" and action == "images":
            name = f"{len(self.images) + 1}"
            self.images[name] = (body.get("imageType", ""), body.get("image", b""))
            return 200, _ok(image={"imageSeq": int(name),
                                   "imageUrl": f"https://mud-kage.kakao.com/nhn/{name}.jpg",
                                   "imageName": name})
        if action.startswith(f"senders/{SENDER_KEY}/templates"):
            return 200, self._templates(method, query, body)
        return 404, {"error": "no such NHN KakaoTalk API"}

    def _alimtalk(self, body: dict[str, Any]) -> dict[str, Any]:
        template = self.templates.get(body.get("templateCode", ""))
        if body.get("senderKey") != SENDER_KEY:
            return _fail(-1006, "Plus friend don't have senderKey.")
        if template is None or template["status"] != "TSC03":
            return _fail(-1028, "Invalid template.")
        return self._accept("alimtalk", "messages", body)

    def _brand(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("senderKey") != SENDER_KEY:
            return _fail(-1006, "Plus friend don't have senderKey.")
        if body.get("chatBubbleType") not in ("TEXT", "IMAGE", "WIDE", "WIDE_ITEM_LIST",
                                              "CAROUSEL_FEED"):
            return _fail(-1, "Invalid chatBubbleType.")
        for url in _image_urls(body):
            if not url.startswith("https://mud-kage.kakao.com/nhn/"):
                return _fail(-1, "Image must be uploaded first.")
        return self._accept("brand", "freestyle-messages", body)

    def _accept(self, product: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request_id = f"{product}-{len(self.sent) + 1}"
        results = []
        for seq, recipient in enumerate(body.get("recipientList") or [], start=1):
            self.sent.append(Sent(product, path, body, recipient, request_id,
                                  datetime.now(KST)))
            results.append({"recipientSeq": seq, "recipientNo": recipient.get("recipientNo"),
                            "resultCode": 0, "resultMessage": "SUCCESS",
                            "recipientGroupingKey": recipient.get("recipientGroupingKey")})
        return _ok(message={"requestId": request_id, "senderGroupingKey": None,
                            "sendResults": results})

    def _templates(self, method: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        if method == "POST":
            code = body.get("templateCode", "")
            if not code or not body.get("templateContent") or not body.get("templateName"):
                return _fail(-1, "templateCode, templateName and templateContent are required.")
            if code in self.templates:
                return _fail(-1030, "Template code already exists.")
            self.templates[code] = {**body, "senderKey": SENDER_KEY, "status": "TSC01",
                                    "statusName": "요청", "comments": [], "dormant": False,
                                    "createDate": kst(datetime.now(KST))}
            return _ok()
        found = [t for t in self.templates.values()
                 if not query.get("templateCode") or t["templateCode"] == query["templateCode"]]
        return _ok(templateListResponse={"templates": found, "totalCount": len(found)})


def _ok(**parts: Any) -> dict[str, Any]:
    return {"header": {"isSuccessful": True, "resultCode": 0, "resultMessage": "SUCCESS"},
            **parts}


def _fail(code: int, message: str) -> dict[str, Any]:
    return {"header": {"isSuccessful": False, "resultCode": code, "resultMessage": message}}


def _one_day(query: dict[str, str]) -> bool:
    start = datetime.fromisoformat(query["startUpdateDate"])
    end = datetime.fromisoformat(query["endUpdateDate"])
    return timedelta(0) <= end - start <= timedelta(days=1)


def _within(when: str, query: dict[str, str]) -> bool:
    return query["startUpdateDate"] <= when[:19] <= query["endUpdateDate"]


def _page(rows: list[dict[str, Any]], query: dict[str, str]) -> tuple[int, dict[str, Any]]:
    if "startUpdateDate" in query and not _one_day(query):
        return 200, _fail(-1, "The search period is limited to one day.")
    size, number = int(query.get("pageSize", 15)), int(query.get("pageNum", 1))
    return 200, _ok(body={"pageNum": number, "pageSize": size, "totalCount": len(rows),
                          "data": rows[(number - 1) * size:number * size]})


def _kakao_page(rows: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    size, number = int(query.get("pageSize", 15)), int(query.get("pageNum", 1))
    return _ok(messageSearchResultResponse={"messages": rows[(number - 1) * size:number * size],
                                            "totalCount": len(rows)})


def _sms_row(item: Sent) -> dict[str, Any]:
    return {"requestId": item.request_id, "recipientSeq": 1,
            "recipientNo": item.recipient["recipientNo"], "requestDate": kst(item.requested_at),
            "msgStatus": "3" if item.result and item.result["resultCode"] == "1000" else "2",
            "messageType": "SMS" if item.path.endswith("sms") else "LMS",
            "senderGroupingKey": item.body.get("senderGroupingKey"),
            "recipientGroupingKey": item.recipient.get("recipientGroupingKey")}


def _kakao_row(item: Sent) -> dict[str, Any]:
    done = item.result and item.result["resultCode"] == "1000"
    status = "COMPLETED" if done else "FAILED" if item.result else "SENDING"
    return {"requestId": item.request_id, "recipientSeq": 1,
            "recipientNo": item.recipient["recipientNo"],
            "templateCode": item.body.get("templateCode"), "requestDate": kst(item.requested_at),
            "messageStatus": status,
            "recipientGroupingKey": item.recipient.get("recipientGroupingKey")}


def _image_urls(body: dict[str, Any]) -> Iterator[str]:
    if body.get("image"):
        yield body["image"].get("imageUrl", "")
    for item in (body.get("item") or {}).get("list") or []:
        yield item.get("imageUrl", "")
    for card in (body.get("carousel") or {}).get("list") or []:
        yield card.get("imageUrl", "")


def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body's fields (files as bytes)."""
    boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
    fields: dict[str, Any] = {}
    for part in raw.split(b"--" + boundary)[1:-1]:
        head, _, value = part.strip(b"\r\n").partition(b"\r\n\r\n")
        disposition = head.decode().split('name="', 1)[1]
        name = disposition.split('"', 1)[0]
        fields[name] = value if b"filename=" in head else value.decode()
    return fields


def _handler(cloud: NhnCloud) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            kind = self.headers.get("Content-Type", "")
            body: Any = (_multipart(kind, raw) if kind.startswith("multipart/")
                         else json.loads(raw) if raw else None)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = cloud.handle(self.command, self.path, headers, body)
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def nhn_cloud() -> Iterator[NhnCloud]:
    """A local NHN Cloud, stopped after the test; `nhn_cloud.url` is both products' base."""
    cloud = NhnCloud()
    with serving(_handler(cloud)) as url:
        cloud.url = url
        yield cloud
