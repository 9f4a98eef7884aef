"""Solapi (solapi.com): SMS/LMS/MMS, KakaoTalk AlimTalk and Kakao Brand Message, AlimTalk
template review, delivery reports by webhook and the 080 refusal list.

Wayline speaks Solapi's HTTP API itself rather than through its SDK (`solapi` on PyPI): the
SDK's base address is fixed, and each call opens a blocking httpx client of its own, which
delivery's async path (`send_async`, many calls in flight over one aiohttp pool) cannot use.

- Every call is signed: `Authorization: HMAC-SHA256 apiKey=…, date=…, salt=…, signature=…`,
  the signature being the hex HMAC-SHA256 of date + salt under the API secret. Solapi refuses a
  signature it has seen before, so each call takes a fresh salt.
- A message is one `POST /messages/v4/send-many/detail` with one message: `SMS`/`LMS`/`MMS`
  chosen from the content (LMS/MMS subject; an MMS image uploaded once through
  `POST /storage/v1/files` and its fileId kept by the image's sha256), `ATA` for AlimTalk
  (kakaoOptions pfId, templateId, variables as `#{name}`, `disableSms`: Wayline sends its own
  SMS fallback), `BMS_FREE` for Brand Message (kakaoOptions.bms: targeting and chatBubbleType
  TEXT, IMAGE, WIDE, WIDE_ITEM_LIST or CAROUSEL_FEED). Solapi's COMMERCE, CAROUSEL_COMMERCE and
  PREMIUM_VIDEO bubbles, coupons, the adult flag and carousel head/tail cards have no Wayline
  shape and are not sent; Solapi's MMS carries one image, so a text with more is refused.
- Exactly once: Solapi has no idempotency key. Each message carries its Wayline id in
  `customFields` (`{"waylineId": "<id>"}`), which Solapi keeps and echoes in its reports. When a
  call ended without a clear answer (timeout, dropped connection, 5xx), the gateway remembers the
  id; before sending it again it looks the message up (`GET /messages/v4/list` for that number
  since the first try) and, when Solapi has it, returns its id instead of sending twice.
  Delivery also says so for every message it hands over again (`repeating`: a retry, or a job
  that died after its call, in whichever worker), and the lookup then covers the last day. What
  remains: a repeat while the first request is still on its way (Solapi's own duplicate check,
  `allowDuplicates: false`, covers one request only).
- Failures: 429 and 5xx are transient (Retry-After honoured); an auth error, a refused message
  (`failedMessageList`: bad number, unregistered sender …) or too little balance is permanent,
  with Solapi's errorCode / statusCode and message as the reason.
- Reports: Solapi posts its "single report" webhook (a list of `{data: {messageId, statusCode,
  statusMessage, customFields, dateReceived …}}`) to POST /api/providers/solapi/reports;
  statusCode 4000 is delivered, 2xxx/3000 still on the way (skipped), anything else failed.
- Templates: `POST /kakao/v2/templates` then `PUT /kakao/v2/templates/<id>/inspection` asks Kakao
  to review; `GET /kakao/v2/templates/<id>` gives the status (PENDING, INSPECTING, APPROVED,
  REJECTED, and dormant ones) and Kakao's comments (the rejection reason).
- 080: Solapi lists refused numbers (`GET /block/numbers`, paged by nextKey); `opt_outs(since)`
  returns those added since. Solapi does not say whether a number refused by calling its 080
  line or was entered by hand; one with a memo is taken as entered by hand. A number on that list
  must get no more advertising (정보통신망법 제50조 ②; counsel should confirm), so every number
  is returned, however it got there, for the consent sync to suppress.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import httpx
import phonenumbers

from nodes.kit.channel import Product
from nodes.kit.sms import TooLongError, text_size
from runtime.messaging import inflight
from runtime.messaging.adapters import (
    RESPONSE_EXCERPT,
    PermanentFailure,
    TransientFailure,
    public_origin,
    public_url,
    retry_after,
)
from runtime.messaging.gateways import (
    ChannelReceipt,
    GatewayConfig,
    GatewaySpec,
    OptOut,
    OptOutVia,
    Review,
    ReviewStatus,
    Setting,
    TemplateDraft,
    channel_of,
    product_of,
)
from runtime.messaging.receipts import Receipt
from runtime.store.models import MessageStatus

SEND_PATH = "/messages/v4/send-many/detail"
DELIVERED = "4000"
"""Solapi's statusCode for a message the handset received."""

REPORTS_MAX = 1000
"""Reports one webhook call may carry; more is refused (422)."""

LOOKUP_WINDOW = timedelta(hours=1)
"""How far back a retry looks for the message an unclear call may have sent."""

REPEAT_LOOK_BACK = timedelta(hours=24)
"""How far back a message delivery hands over again is looked for (`repeating`)."""

UNCLEAR_KEPT = 10_000
"""Message ids with an unclear outcome remembered at once (the oldest are forgotten)."""

OPT_OUT_PAGES = 50
"""Pages of 080 refusals read per sync at most (100 numbers each)."""

REVIEW_STATUSES = {"PENDING": ReviewStatus.REGISTERED, "INSPECTING": ReviewStatus.UNDER_REVIEW,
                   "APPROVED": ReviewStatus.APPROVED, "REJECTED": ReviewStatus.REJECTED,
                   "DORMANT": ReviewStatus.DORMANT}
BUBBLES = {"text": "TEXT", "image": "IMAGE", "wide": "WIDE", "wide_list": "WIDE_ITEM_LIST",
           "carousel": "CAROUSEL_FEED"}
PRODUCT_OF = {"SMS": Product.TEXT_MESSAGE, "LMS": Product.TEXT_MESSAGE,
              "MMS": Product.TEXT_MESSAGE, "ATA": Product.ALIMTALK}
"""Solapi's message types, as the product each is."""


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) address, e.g. https://api.solapi.com")
    return value.rstrip("/")


def _digits(value: str) -> str:
    number = value.replace("-", "").replace(" ", "")
    if not number.isdigit():
        raise ValueError("must be a phone number registered as a sender at Solapi, "
                         "e.g. 0212345678")
    return number


class SolapiGateway:
    """Sends through Solapi and reads its reports, templates and 080 list."""

    idempotent = True

    def __init__(self, config: GatewayConfig) -> None:
        values = config.values
        self.key, self.secret = values["api_key"], values["api_secret"]
        self.url, self.timeout = values["url"], config.timeout
        self.concurrency = config.concurrency
        accounts = config.accounts
        self.sender = values.get("sender") or \
            accounts.get(channel_of(Product.TEXT_MESSAGE), {}).get("sender", "")
        self.pf_id = values.get("kakao_pf_id") or \
            accounts.get(channel_of(Product.ALIMTALK), {}).get("sender_key", "")
        self.assets = config.assets
        self.file_ids: dict[tuple[str, str], str] = {}
        self.unclear: dict[int, datetime] = {}
        self._client = httpx.Client(base_url=self.url, timeout=config.timeout,
                                    follow_redirects=False)
        self._session: aiohttp.ClientSession | None = None

    # --- the adapter ----------------------------------------------------------------------

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Hand the message to Solapi; its messageId, or a failure saying why not."""
        found = self._already_sent(message_id, content)
        if found:
            return found
        uploads = {need: self._upload(*need) for need in self._images(channel, content)}
        body = self._body(message_id, channel, content, uploads)
        return self._sent(message_id, self._call("POST", SEND_PATH, body, message_id))

    async def send_async(self, message_id: int, channel: str,
                         content: Mapping[str, Any]) -> str:
        """As `send`, on the worker's event loop, over its pool of kept-alive connections."""
        if message_id in self.unclear:  # rare: the lookup may block the loop a moment
            return self.send(message_id, channel, content)
        uploads = {need: await self._upload_async(*need)
                   for need in self._images(channel, content)}
        body = self._body(message_id, channel, content, uploads)
        return self._sent(message_id,
                          await self._call_async("POST", SEND_PATH, body, message_id))

    def repeating(self, message_id: int) -> None:
        """Delivery says this message was handed over before (maybe by another worker, up to a
        day ago): look it up before sending it again."""
        self._unclear(message_id)
        self.unclear[message_id] = min(self.unclear[message_id],
                                       datetime.now(UTC) - REPEAT_LOOK_BACK)

    def origin(self, content: Mapping[str, Any]) -> str:
        """Solapi's origin: every message goes there."""
        return public_origin(self.url)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()
        session, self._session = self._session, None
        if session is not None:
            inflight.run(session.close())

    # --- what Solapi is sent --------------------------------------------------------------

    def _body(self, message_id: int, channel: str, content: Mapping[str, Any],
              uploads: Mapping[tuple[str, str], str]) -> dict[str, Any]:
        """The send-many body for one message."""
        if not content.get("to"):
            raise PermanentFailure(f"the {channel} message has no recipient")
        country, to = _national(str(content["to"]))
        message: dict[str, Any] = {"to": to, "country": country, "autoTypeDetect": False,
                                   "customFields": {"waylineId": str(message_id)}}
        sender = str(content.get("from") or self.sender)
        if sender:
            message["from"] = _digits_or_fail(sender)
        kind = product_of(channel)
        if kind is Product.ALIMTALK:
            message.update(self._alimtalk(content))
        elif kind is Product.BRAND_MESSAGE:
            message.update(self._brand(content, uploads))
        else:
            message.update(self._text(content, uploads))
            if "from" not in message:
                raise PermanentFailure("no sender number: set WAYLINE_SOLAPI_SENDER or "
                                       "WAYLINE_SMS_SENDER to a number registered at Solapi")
        return {"messages": [message], "allowDuplicates": False, "showMessageList": True}

    def _text(self, content: Mapping[str, Any],
              uploads: Mapping[tuple[str, str], str]) -> dict[str, Any]:
        text = str(content.get("text") or "")
        images = list(content.get("images") or [])
        try:
            kind = text_size(text).kind.value
        except TooLongError as error:
            raise PermanentFailure(str(error)) from None
        message: dict[str, Any] = {"text": text, "type": "MMS" if images else kind}
        if images:
            message["imageId"] = uploads[("MMS", str(images[0]))]
        if content.get("subject") and message["type"] != "SMS":
            message["subject"] = str(content["subject"])
        return message

    def _alimtalk(self, content: Mapping[str, Any]) -> dict[str, Any]:
        if not content.get("template_code"):
            raise PermanentFailure("the KakaoTalk message has no template code; set the "
                                   "approved AlimTalk template's Solapi id in the template")
        variables = {f"#{{{name}}}": str(value)
                     for name, value in (content.get("variables") or {}).items()}
        return {"type": "ATA", "kakaoOptions": {
            "pfId": self._pf_id(content), "templateId": str(content["template_code"]),
            "variables": variables, "disableSms": True}}

    def _brand(self, content: Mapping[str, Any],
               uploads: Mapping[tuple[str, str], str]) -> dict[str, Any]:
        shape = str(content.get("format") or "text")
        if shape not in BUBBLES:
            raise PermanentFailure(f"Solapi cannot send a Brand Message of format {shape!r}")
        bms: dict[str, Any] = {"targeting": str(content.get("targeting") or "I"),
                               "chatBubbleType": BUBBLES[shape]}
        image = content.get("image") or {}
        if image and shape in ("image", "wide"):
            bms["imageId"] = uploads[("BMS" if shape == "image" else "BMS_WIDE",
                                      str(image["asset"]))]
            if image.get("link"):
                bms["imageLink"] = str(image["link"])
        if content.get("header"):
            bms["header"] = str(content["header"])
        if content.get("buttons"):
            bms["buttons"] = [_button(button) for button in content["buttons"]]
        if shape == "wide_list":
            bms.update(_wide_list(content.get("items") or [], uploads))
        if shape == "carousel":
            bms["carousel"] = {"list": [
                {"header": str(card.get("header") or ""), "content": str(card.get("text") or ""),
                 "imageId": uploads[("BMS_CAROUSEL_FEED_LIST", str(card["asset"]))],
                 "buttons": [_button(button) for button in card.get("buttons") or []]}
                for card in content.get("carousel") or []]}
        return {"type": "BMS_FREE", "text": str(content.get("text") or ""),
                "kakaoOptions": {"pfId": self._pf_id(content), "bms": bms}}

    def _pf_id(self, content: Mapping[str, Any]) -> str:
        pf_id = str(content.get("sender_key") or self.pf_id)
        if not pf_id:
            raise PermanentFailure("no Kakao channel: set WAYLINE_SOLAPI_KAKAO_PF_ID to the "
                                   "pfId Solapi shows for the channel")
        return pf_id

    def _images(self, channel: str, content: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(Solapi file type, asset id) of each image the message needs uploaded."""
        kind = product_of(channel)
        if kind is Product.TEXT_MESSAGE:
            images = list(content.get("images") or [])
            if len(images) > 1:
                raise PermanentFailure(f"Solapi sends one image per MMS; this one has "
                                       f"{len(images)}: keep one")
            return [("MMS", str(images[0]))] if images else []
        if kind is not Product.BRAND_MESSAGE:
            return []
        shape = content.get("format")
        needs: list[tuple[str, str]] = []
        if shape in ("image", "wide") and content.get("image"):
            needs.append(("BMS" if shape == "image" else "BMS_WIDE",
                          str(content["image"]["asset"])))
        items = list(content.get("items") or []) if shape == "wide_list" else []
        if shape == "wide_list" and len(items) < 4:
            raise PermanentFailure("a wide list Brand Message needs a main item and at least 3 "
                                   f"more at Solapi; this one has {len(items)} items")
        for index, item in enumerate(items):
            kind = "BMS_WIDE_MAIN_ITEM_LIST" if index == 0 else "BMS_WIDE_SUB_ITEM_LIST"
            needs.append((kind, str(item["asset"])))
        for card in content.get("carousel") or [] if shape == "carousel" else []:
            needs.append(("BMS_CAROUSEL_FEED_LIST", str(card["asset"])))
        return needs

    # --- images ---------------------------------------------------------------------------

    def _upload_body(self, kind: str, asset_id: str) -> tuple[tuple[str, str], dict[str, Any]]:
        """The cache key and storage body of an image; PermanentFailure when it is gone."""
        if self.assets is None:
            raise PermanentFailure("images cannot be sent: this Wayline reads no uploads")
        try:
            asset = self.assets(int(asset_id))
        except (LookupError, ValueError) as error:
            raise PermanentFailure(str(error)) from None
        return (kind, asset.sha256), {"type": kind, "name": asset.name,
                                      "file": base64.b64encode(asset.data).decode()}

    def _upload(self, kind: str, asset_id: str) -> str:
        key, body = self._upload_body(kind, asset_id)
        if key not in self.file_ids:
            self.file_ids[key] = str(self._call("POST", "/storage/v1/files", body)["fileId"])
        return self.file_ids[key]

    async def _upload_async(self, kind: str, asset_id: str) -> str:
        key, body = self._upload_body(kind, asset_id)
        if key not in self.file_ids:
            answer = await self._call_async("POST", "/storage/v1/files", body)
            self.file_ids[key] = str(answer["fileId"])
        return self.file_ids[key]

    # --- answers --------------------------------------------------------------------------

    def _sent(self, message_id: int, answer: Mapping[str, Any]) -> str:
        """Solapi's id for the message, or why it refused it."""
        self.unclear.pop(message_id, None)
        for failed in answer.get("failedMessageList") or []:
            raise PermanentFailure(
                f"Solapi refused the message: {failed.get('statusMessage')} "
                f"({failed.get('statusCode')})", json.dumps(failed)[:RESPONSE_EXCERPT])
        listed = answer.get("messageList") or []
        if isinstance(listed, Mapping):  # some answers key the list by messageId
            listed = list(listed.values())
        return str(listed[0]["messageId"]) if listed else f"solapi-{message_id}"

    def _already_sent(self, message_id: int, content: Mapping[str, Any]) -> str | None:
        """Solapi's id for a message an unclear call may have sent already, if it did."""
        since = self.unclear.get(message_id)
        if since is None or not content.get("to"):
            return None
        _country, to = _national(str(content["to"]))
        query = {"to": to, "startDate": (since - LOOKUP_WINDOW).isoformat(), "limit": 100}
        answer = self._call("GET", "/messages/v4/list", None, params=query)
        listed = answer.get("messageList") or {}
        for found in (listed.values() if isinstance(listed, Mapping) else listed):
            if (found.get("customFields") or {}).get("waylineId") == str(message_id):
                self.unclear.pop(message_id, None)
                return str(found["messageId"])
        return None

    def _unclear(self, message_id: int | None) -> None:
        if message_id is None:
            return
        if len(self.unclear) >= UNCLEAR_KEPT:
            self.unclear.pop(next(iter(self.unclear)))
        self.unclear.setdefault(message_id, datetime.now(UTC))

    def _outcome(self, status: int, headers: Mapping[str, str], text: str,
                 message_id: int | None) -> dict[str, Any]:
        """The JSON answer of a 2xx; otherwise the failure Solapi's answer means."""
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            answer = {}
        if 200 <= status < 300:
            return answer if isinstance(answer, dict) else {}
        answer = answer if isinstance(answer, dict) else {}
        code, said = answer.get("errorCode", ""), answer.get("errorMessage", "")
        excerpt = " ".join(text.split())[:RESPONSE_EXCERPT]
        reason = f"Solapi answered {status}" + (f" {code}: {said}" if code else "")
        if status == 429 or status >= 500:
            if status >= 500:
                self._unclear(message_id)
            raise TransientFailure(reason, retry_after=retry_after(httpx.Response(
                status, headers=dict(headers))), answer=excerpt, throttled=status == 429)
        if status in (401, 403):
            reason += ("; check WAYLINE_SOLAPI_API_KEY and WAYLINE_SOLAPI_API_SECRET (and that "
                       "this server's clock is right)")
        elif code == "NotEnoughBalance":
            reason += "; top up the Solapi account"
        raise PermanentFailure(reason, answer=excerpt)

    # --- calls ----------------------------------------------------------------------------

    def authorization(self) -> str:
        """A fresh HMAC-SHA256 Authorization header (never used twice: Solapi refuses that)."""
        date = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        salt = secrets.token_hex(16)
        signature = hmac.new(self.secret.encode(), (date + salt).encode(),
                             hashlib.sha256).hexdigest()
        return f"HMAC-SHA256 apiKey={self.key}, date={date}, salt={salt}, signature={signature}"

    def _call(self, method: str, path: str, body: Any, message_id: int | None = None,
              params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, json=body, params=params,
                                            headers={"Authorization": self.authorization()})
        except httpx.TransportError as error:
            raise self._unreached(error, message_id) from None
        return self._outcome(response.status_code, response.headers, response.text, message_id)

    async def _call_async(self, method: str, path: str, body: Any,
                          message_id: int | None = None) -> dict[str, Any]:
        if self._session is None:  # made on the loop that will use its connections
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=self.concurrency))
        try:
            async with self._session.request(
                    method, self.url + path, json=body, allow_redirects=False,
                    headers={"Authorization": self.authorization()}) as answer:
                text = await answer.text(errors="replace")
                status, headers = answer.status, dict(answer.headers)
        except aiohttp.ClientConnectorError as error:  # nothing was sent
            raise self._unreached(httpx.ConnectError(str(error)), None) from None
        except TimeoutError:
            raise self._unreached(httpx.TimeoutException("timed out"), message_id) from None
        except aiohttp.ClientError as error:
            raise self._unreached(httpx.TransportError(str(error)), message_id) from None
        return self._outcome(status, headers, text, message_id)

    def _unreached(self, error: httpx.TransportError, message_id: int | None) -> TransientFailure:
        if not isinstance(error, httpx.ConnectError):
            self._unclear(message_id)  # it may have been sent
        where = public_url(self.url)
        if isinstance(error, httpx.TimeoutException):
            return TransientFailure(f"{where} did not answer within {self.timeout:g} s")
        return TransientFailure(f"could not reach {where}: {error}")

    # --- capabilities ---------------------------------------------------------------------

    def reports(self, body: bytes, headers: Mapping[str, str]) -> list[ChannelReceipt]:
        """Solapi's single-report webhook as receipts; ValueError when it cannot be read."""
        try:
            events = json.loads(body)
        except ValueError:
            raise ValueError("the body is not JSON") from None
        events = events if isinstance(events, list) else [events]
        if len(events) > REPORTS_MAX:
            raise ValueError(f"at most {REPORTS_MAX} reports a call; this one has {len(events)}")
        receipts = []
        for index, event in enumerate(events):
            if not isinstance(event, Mapping) or not isinstance(event.get("data"), Mapping):
                raise ValueError(f"report {index} has no data object")
            receipt = _receipt(event["data"])
            if receipt is not None:
                receipts.append(receipt)
        return receipts

    def submit_template(self, draft: TemplateDraft) -> Review:
        """Register the AlimTalk template with Solapi and ask Kakao to review it."""
        body: dict[str, Any] = {
            "channelId": draft.sender_key or self.pf_id, "name": draft.name,
            "content": draft.text, "messageType": draft.message_type,
            "emphasizeType": draft.emphasis,
            "buttons": [{"buttonType": button.kind, "buttonName": button.name,
                         "linkMo": button.url_mobile, "linkPc": button.url_pc}
                        for button in draft.buttons]}
        if draft.category:
            body["categoryCode"] = draft.category
        if draft.emphasis == "TEXT" and draft.title:
            body["emphasizeTitle"] = draft.title
        template = self._call("POST", "/kakao/v2/templates", body)
        code = str(template["templateId"])
        return _review(self._call("PUT", f"/kakao/v2/templates/{code}/inspection", None), code)

    def review(self, code: str) -> Review:
        """Where the template is in Kakao's review, as Solapi says."""
        return _review(self._call("GET", f"/kakao/v2/templates/{code}", None), code)

    def opt_outs(self, since: datetime, lines: Sequence[str] = ()) -> list[OptOut]:
        """Numbers added to Solapi's refusal list (080) since `since`: one list per account,
        whatever the 080 `lines`."""
        found: list[OptOut] = []
        start = None
        for _page in range(OPT_OUT_PAGES):
            query = {"limit": 100, **({"startKey": start} if start else {})}
            answer = self._call("GET", "/block/numbers", None, params=query)
            for number in answer.get("blockNumbers") or []:
                at = _instant(number.get("dateCreated"))
                if at is not None and at >= since:
                    found.append(OptOut(_e164(str(number["phoneNumber"])), at,
                                        OptOutVia.MANUAL if number.get("memo")
                                        else OptOutVia.ARS))
            start = answer.get("nextKey")
            if not start:
                break
        return found


def _button(button: Mapping[str, Any]) -> dict[str, Any]:
    shown = {"linkType": str(button.get("kind") or "WL"), "name": str(button.get("name") or ""),
             "linkMobile": str(button.get("url_mobile") or "")}
    if button.get("url_pc"):
        shown["linkPc"] = str(button["url_pc"])
    return shown


def _wide_list(items: list[Mapping[str, Any]],
               uploads: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    """The main item and the sub items (at least three: `_images` checked)."""
    kinds = ["BMS_WIDE_MAIN_ITEM_LIST"] + ["BMS_WIDE_SUB_ITEM_LIST"] * (len(items) - 1)
    shown = [{"title": str(item.get("title") or ""),
              "linkMobile": str(item.get("url_mobile") or ""),
              "imageId": uploads[(kind, str(item["asset"]))]}
             for item, kind in zip(items, kinds, strict=True)]
    return {"mainWideItem": shown[0], "subWideItemList": shown[1:]}


def _receipt(data: Mapping[str, Any]) -> ChannelReceipt | None:
    """One report's receipt; None for one Wayline did not send or that is not final yet."""
    custom = data.get("customFields") or {}
    wayline_id = str(custom.get("waylineId") or "") if isinstance(custom, Mapping) else ""
    code = str(data.get("statusCode") or "")
    if not wayline_id.isdigit() or not code or code.startswith("2") or code == "3000":
        return None
    kind = str(data.get("type") or "")
    channel = channel_of(Product.BRAND_MESSAGE if kind.startswith("BMS")
                         else PRODUCT_OF.get(kind, Product.TEXT_MESSAGE))
    at = None
    for name in ("dateReceived", "dateReported", "dateProcessed"):
        at = at or _instant(data.get(name))
    if code == DELIVERED:
        return ChannelReceipt(channel, Receipt(int(wayline_id), MessageStatus.DELIVERED, None, at))
    reason = f"{data.get('statusMessage') or 'failed'} ({code})"[:1000]
    return ChannelReceipt(channel, Receipt(int(wayline_id), MessageStatus.FAILED, reason, at))


def _review(template: Mapping[str, Any], code: str) -> Review:
    status = str(template.get("status") or "")
    if not status and template.get("codes"):
        status = str(template["codes"][0].get("status") or "")
    mapped = ReviewStatus.DORMANT if template.get("dormant") else \
        REVIEW_STATUSES.get(status.upper(), ReviewStatus.UNDER_REVIEW)
    comments = [comment for comment in template.get("comments") or []
                if isinstance(comment, Mapping) and comment.get("content")]
    reason = str(comments[-1]["content"]) if comments and mapped is ReviewStatus.REJECTED \
        else None
    return Review(code, mapped, reason, _instant(template.get("dateUpdated")))


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _national(number: str) -> tuple[str, str]:
    """(country code, national number in digits) as Solapi takes them."""
    try:
        parsed = phonenumbers.parse(number, "KR")
    except phonenumbers.NumberParseException:
        raise PermanentFailure(f"{number!r} is not a phone number") from None
    national = phonenumbers.national_significant_number(parsed)
    if parsed.country_code == 82:
        national = "0" + national
    return str(parsed.country_code), national


def _e164(number: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(number, "KR"),
                                          phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return number


def _digits_or_fail(sender: str) -> str:
    try:
        return _digits(sender)
    except ValueError as error:
        raise PermanentFailure(f"sender {sender!r} {error}") from None


GATEWAY = GatewaySpec(
    key="solapi", label="Solapi", products=frozenset({Product.TEXT_MESSAGE, Product.ALIMTALK,
                                                Product.BRAND_MESSAGE}),
    settings={
        "api_key": Setting("API key (Solapi console → API keys)", secret=True, required=True),
        "api_secret": Setting("API secret of that key", secret=True, required=True),
        "url": Setting("API address", default="https://api.solapi.com", parse=_url),
        "sender": Setting("sender number registered at Solapi (default: WAYLINE_SMS_SENDER)",
                          parse=_digits),
        "kakao_pf_id": Setting("Kakao channel pfId for AlimTalk and Brand Message "
                               "(default: WAYLINE_KAKAO_SENDER_KEY)"),
    },
    build=SolapiGateway, docs_url="https://developers.solapi.com")
