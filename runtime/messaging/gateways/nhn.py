"""NHN Cloud Notification: SMS/LMS/MMS, KakaoTalk AlimTalk and Brand Message, in NHN's API shapes.

Two NHN products, each with its app key in the path and its own secret key in `X-Secret-Key`:

- SMS v3.0 (`WAYLINE_NHN_SMS_URL`, default https://api-sms.cloud.toast.com):
  `POST /sms/v3.0/appKeys/{appKey}/sender/sms` (SMS), `/sender/mms` (LMS and MMS, with
  `title` and `attachFileIdList`); advertising texts go to `/sender/ad-sms` and `/sender/ad-mms`,
  which NHN requires for them and which check the "(광고)" label and the free 080 opt-out line
  (정보통신망법 제50조 ④, 시행령 제61조; counsel should confirm the wording the channel adds).
  A text is advertising when it starts with the "(광고)" label Wayline put in front of it.
  MMS images are uploaded once through `/attachfile/binaryUpload` and their file ids cached by
  the image's sha256 (NHN takes jpg/jpeg only, ≤ 300 KB each).
- KakaoTalk Bizmessage (`WAYLINE_NHN_KAKAO_URL`, default https://api-alimtalk.cloud.toast.com):
  AlimTalk `POST /alimtalk/v2.3/appkeys/{appkey}/messages` (`templateCode` +
  `templateParameter`) and Brand Message `POST /brand-message/v1.0/appkeys/{appkey}/
  freestyle-messages`. NHN's own SMS fallback (`resendParameter`) is turned off on every
  message: Wayline falls back itself (the channel's `Fallback`), and two fallbacks would text
  the customer twice.

Brand Message formats map to NHN's `chatBubbleType`: text → TEXT, image → IMAGE, wide → WIDE,
wide_list → WIDE_ITEM_LIST (`header`, `item.list[]`), carousel → CAROUSEL_FEED
(`carousel.list[]`). Images are uploaded once to `/brand-message/v1.0/appkeys/{appkey}/images`
(`imageType` IMAGE, WIDE_IMAGE, WIDE_ITEM_LIST_IMAGE or CAROUSEL_FEED_IMAGE) and their URLs
cached by sha256. Not mapped: coupons, commerce and premium-video formats, `adult`, BK/MD/BC/BT/
BF buttons (Wayline's content has none of these), and the wide-list and carousel field names
are NHN's guide as read for v1.0 — check them against the guide when NHN moves the version.

Exactly once. Every message carries its Wayline id as NHN's `recipientGroupingKey`, which comes
back in the delivery results (`poll_reports`). KakaoTalk calls also send it as
`X-NC-API-IDEMPOTENCY-KEY`: NHN refuses the same key for 10 minutes (result -1005), which this
gateway reads as "already accepted", so a repeat within 10 minutes never sends twice. NHN's SMS
API has no such key; before an SMS/LMS/MMS that delivery hands over again (`repeating`: a
retry, or a job that died after its call, in whichever worker) goes, the gateway asks NHN's send
list for a message with that grouping key sent in the last `REPEAT_LOOK_BACK` and returns it
instead of sending again (only a row with that very key counts, should NHN ever ignore the
filter); a first try costs one call. What remains:
an SMS repeat while the first request is still on its way, and a KakaoTalk repeat more than 10
minutes after a call whose answer was lost, can send twice. Delivery's own backoff (30 s,
doubling, five tries: `runtime.messaging.calls`) ends within 8 minutes, inside NHN's 10; a
longer Retry-After from NHN or a job lost for longer falls outside. Asking NHN's AlimTalk list
before every call would close that at the cost of a second call per message; it is not done.

Results: NHN keeps delivery results to be fetched; `poll_reports` turns them into receipts.
Texts and AlimTalk are listed by the time their result was updated (`/message-results`, one
day per query at most); Brand Message has no such list, so its sends are listed by request
time (`/brand-message/v1.0/appkeys/{appkey}/messages`) over the last day and more. NHN can
also post results to a webhook (`reports`, POST /api/providers/nhn/reports), for results
sooner than the poll's minute; polling needs no public address, so it stays on. NHN
answers HTTP 200 with `header.isSuccessful`/`resultCode`/`resultMessage`; a failed header is
transient for NHN's own system errors and permanent otherwise (`KAKAO_CODES`, `SMS_CODES`);
HTTP 429 and 5xx are transient.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp
import httpx
from sqlalchemy.exc import SQLAlchemyError

from nodes.kit.channel import Product
from nodes.kit.sms import TooLongError, text_size
from runtime.messaging import inflight
from runtime.messaging.adapters import (
    RESPONSE_EXCERPT,
    DeliveryError,
    PermanentFailure,
    TransientFailure,
    public_origin,
    public_url,
    retry_after,
)
from runtime.messaging.gateways import (
    AssetFile,
    ChannelReceipt,
    GatewayConfig,
    GatewayError,
    GatewaySpec,
    IncompleteListError,
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

log = logging.getLogger(__name__)

KST = ZoneInfo("Asia/Seoul")
"""NHN's dates are Korean time, without an offset."""

REPEAT_LOOK_BACK = timedelta(hours=24)
"""How far back an SMS's grouping key is looked for before it is sent (a retry comes sooner)."""

REPEATS_KEPT = 10_000
"""Messages handed over again remembered at once until their call (`repeating`)."""

PAGE_SIZE = 1000
"""Rows per page of NHN's lists (its maximum)."""

MAX_LOOK_BACK = timedelta(days=7)
"""How far back a poll reads at most (a poll after a long outage: its last week), one day a
query, as NHN allows."""

BRAND_RESULT_WAIT = timedelta(hours=24)
"""How long after its request a Brand Message's result is looked for (by request time)."""

MAX_PAGES = 50
"""Pages read per query window at most: a poll stops there and resumes at the next."""

MMS_IMAGE_BYTES = 300_000
"""The largest image NHN attaches to an MMS."""

DIGEST_TTL = 600.0
"""Seconds an image's id is trusted to name the same bytes without reading them again."""

MMS_DEFAULT_TITLE = 20
"""Characters of the text's first line an LMS/MMS without a subject takes as its title
(20 Hangul are the 40 bytes carriers show)."""

AD_LABEL = "(광고)"
"""The label an advertising text starts with (정보통신망법 제50조 ④ 1호)."""

DUPLICATE_KEY = -1005
"""KakaoTalk Bizmessage: the same X-NC-API-IDEMPOTENCY-KEY within 10 minutes."""

KAKAO_CODES: dict[int, tuple[bool, str]] = {
    -1000: (False, "NHN does not know the KakaoTalk app key; check WAYLINE_NHN_KAKAO_APP_KEY"),
    -1001: (False, "NHN refused the KakaoTalk secret key; check WAYLINE_NHN_KAKAO_SECRET_KEY"),
    -1006: (False, "the Kakao channel has no sender key at NHN; finish its registration"),
    -1027: (False, "Kakao has blocked the sending channel; see the NHN console"),
    -1028: (False, "the AlimTalk template is not approved or not found; check its code"),
    -1029: (False, "the message does not match the approved AlimTalk template"),
    -9997: (True, "NHN's KakaoTalk service is busy"),
    -9998: (True, "NHN's KakaoTalk service had a timeout"),
    -9999: (True, "NHN's KakaoTalk service had an internal error"),
}
"""KakaoTalk Bizmessage header codes: (transient?, what it means). Others are permanent, with
NHN's own message."""

SMS_CODES: dict[int, tuple[bool, str]] = {
    -1000: (False, "NHN does not know the SMS app key; check WAYLINE_NHN_SMS_APP_KEY"),
    -1001: (False, "NHN refused the SMS secret key; check WAYLINE_NHN_SMS_SECRET_KEY"),
    -2003: (False, "the sender number is not registered at NHN; register it (전기통신사업법 "
                   "제84조의2) or pick a registered one"),
    -2010: (False, "the advertising text lacks the 080 opt-out line NHN requires"),
    -2020: (False, "the image is not a jpg NHN can attach, or is over 300 KB"),
    -9996: (True, "NHN's SMS service is busy"),
    -9999: (True, "NHN's SMS service had an internal error"),
}
"""SMS v3.0 header codes: (transient?, what it means). Others are permanent, with NHN's message."""

DELIVERED_CODES = frozenset({"1000", "MRC01"})
"""Result codes that mean the phone got the message (SMS/AlimTalk 1000; MRC01 in NHN's
KakaoTalk webhooks)."""

REPORTS_MAX = 1000
"""Hooks one webhook call may carry."""

REVIEW_STATUS = {"TSC01": ReviewStatus.UNDER_REVIEW, "TSC02": ReviewStatus.UNDER_REVIEW,
                 "TSC03": ReviewStatus.APPROVED, "TSC04": ReviewStatus.REJECTED}
"""NHN's template statuses (요청, 검수 중, 승인, 반려)."""

BRAND_BUBBLES = {"text": "TEXT", "image": "IMAGE", "wide": "WIDE",
                 "wide_list": "WIDE_ITEM_LIST", "carousel": "CAROUSEL_FEED"}
"""Wayline's Brand Message formats as NHN's `chatBubbleType`."""

BRAND_IMAGE_TYPES = {"image": "IMAGE", "wide": "WIDE_IMAGE", "wide_list": "WIDE_ITEM_LIST_IMAGE",
                     "carousel": "CAROUSEL_FEED_IMAGE"}
"""The `imageType` an image is uploaded as, by format."""


def _phone(value: str) -> str:
    """NHN's number form: Korean numbers national ("010…"), others as digits with country code."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if value.startswith("+82"):
        return "0" + digits[2:].lstrip("0")
    return digits


def _e164(number: str) -> str:
    """A Korean national number as Wayline keeps phones ("010…" → "+8210…")."""
    digits = _digits(number)
    return "+82" + digits[1:] if digits.startswith("0") else "+" + digits


def _days(start: datetime, end: datetime, field: str = "Update",
          form: str = "%Y-%m-%d %H:%M:%S") -> Iterator[dict[str, str]]:
    """[start, end] as query windows of at most a day (NHN's limit), end included."""
    while start <= end:
        last = min(start + timedelta(days=1) - timedelta(seconds=1), end)
        yield {f"start{field}Date": start.strftime(form), f"end{field}Date": last.strftime(form)}
        start = last + timedelta(seconds=1)


def _digits(number: str) -> str:
    """A number as digits only ("080-123-4567" → "0801234567"), as senders keep 080 lines."""
    return "".join(ch for ch in number if ch.isdigit())


def _kst(moment: datetime) -> str:
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def _parse_kst(value: Any) -> datetime | None:
    """NHN's "2023-09-14 10:15:08.0" (Korean time) as an aware datetime."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)[:19]).replace(tzinfo=KST)
    except ValueError:
        return None


def _message_id(key: Any) -> int | None:
    try:
        return int(str(key))
    except (TypeError, ValueError):
        return None


@dataclass
class Call:
    """One HTTP request to NHN."""

    method: str
    url: str
    secret: str
    json: Any = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] | None = None
    form: dict[str, str] | None = None


Steps = Generator[Call, httpx.Response, str]
"""A send as the calls it makes: each yielded call's response is sent back in; it returns the
provider id. The same steps run blocking (`send`) or on the event loop (`send_async`)."""


class NhnGateway:
    """NHN Cloud for the sms, kakao and brand channels; see the module docstring."""

    idempotent = True  # within the limits the module docstring states

    def __init__(self, config: GatewayConfig) -> None:
        values = config.values
        self.sms_url = values["sms_url"].rstrip("/")
        self.kakao_url = values["kakao_url"].rstrip("/")
        self.sms_app_key, self.kakao_app_key = values["sms_app_key"], values["kakao_app_key"]
        self.sms_secret, self.kakao_secret = values["sms_secret_key"], values["kakao_secret_key"]
        self.sender_key = values["sender_key"]
        self.repeats: set[int] = set()
        self.webhook_signature = values["webhook_signature"]
        _check_keys(self.sms_app_key, self.sms_secret, "SMS")
        _check_keys(self.kakao_app_key, self.kakao_secret, "KAKAO")
        if not (self.sms_app_key or self.kakao_app_key):
            raise GatewayError("WAYLINE_NHN_SMS_APP_KEY or WAYLINE_NHN_KAKAO_APP_KEY must be "
                               "set: the app keys of the NHN products Wayline sends through")
        self.unsubscribe_nos = [_digits(no) for no in values["unsubscribe_nos"].split(",")
                                if _digits(no)]
        self.accounts = config.accounts
        self.assets = config.assets
        self.timeout, self.concurrency = config.timeout, config.concurrency
        self.polled_at: datetime | None = None
        self._files: dict[str, int] = {}         # sha256 → NHN SMS attachment id
        self._images: dict[str, str] = {}        # "format:sha256" → Brand Message image URL
        self._digests: dict[str, tuple[str, float]] = {}  # asset id → sha256, until when
        self._client = httpx.Client(timeout=config.timeout, follow_redirects=False,
                                    headers={"User-Agent": "Wayline"})
        self._session: aiohttp.ClientSession | None = None

    # --- sending -------------------------------------------------------------------------

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Hand the message to NHN; its request id, or a failure saying why not."""
        steps = self._steps(message_id, channel, content)
        response = None
        try:
            while True:
                call = steps.send(response)  # type: ignore[arg-type]
                response = self._call(call)
        except StopIteration as done:
            return done.value

    async def send_async(self, message_id: int, channel: str,
                         content: Mapping[str, Any]) -> str:
        """As `send`, on the worker's event loop over its pool of kept-alive connections."""
        steps = self._steps(message_id, channel, content)
        response = None
        try:
            while True:
                call = steps.send(response)  # type: ignore[arg-type]
                response = await self._call_async(call)
        except StopIteration as done:
            return done.value

    def repeating(self, message_id: int) -> None:
        """Delivery says this message was handed over before: a text is looked up first."""
        if len(self.repeats) >= REPEATS_KEPT:
            self.repeats.pop()
        self.repeats.add(message_id)

    def origin(self, content: Mapping[str, Any]) -> str:
        """NHN's origin for the message's product (texts and KakaoTalk are two hosts)."""
        return public_origin(self.kakao_url if "template_code" in content
                             or "targeting" in content else self.sms_url)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()
        session, self._session = self._session, None
        if session is not None:
            inflight.run(session.close())

    def _steps(self, message_id: int, channel: str, content: Mapping[str, Any]) -> Steps:
        if not content.get("to"):
            raise PermanentFailure(f"the {channel} message has no recipient")
        kind = product_of(channel)
        if kind is Product.TEXT_MESSAGE:
            return self._sms(message_id, content)
        if kind is Product.ALIMTALK:
            return self._alimtalk(message_id, content)
        if kind is Product.BRAND_MESSAGE:
            return self._brand(message_id, content)
        raise PermanentFailure(f"NHN Cloud does not carry {channel} messages")

    def _sms(self, message_id: int, content: Mapping[str, Any]) -> Steps:
        text = str(content.get("text") or "")
        images = list(content.get("images") or [])[:3]
        try:
            kind = "MMS" if images else text_size(text).kind.value
        except TooLongError as error:
            raise PermanentFailure(str(error)) from None
        path = ("ad-" if text.lstrip().startswith(AD_LABEL) else "") + \
            ("sms" if kind == "SMS" else "mms")
        base = f"{self.sms_url}/sms/v3.0/appKeys/{quote(self.sms_app_key)}"
        key = str(message_id)
        now = datetime.now(KST)
        earlier = None
        if message_id in self.repeats:
            earlier = yield Call("GET", f"{base}/sender/{'sms' if kind == 'SMS' else 'mms'}",
                                 self.sms_secret, params={
                                     "recipientGroupingKey": key, "pageSize": 1,
                                     "startRequestDate": _kst(now - REPEAT_LOOK_BACK),
                                     "endRequestDate": _kst(now + timedelta(minutes=5))})
        self.repeats.discard(message_id)
        for row in _rows(_checked(earlier, "SMS", SMS_CODES)) if earlier is not None else ():
            if row.get("recipientGroupingKey") == key and str(row.get("msgStatus")) not in (
                    "0", "4", "5", "6"):  # not one that failed: that one may go again
                return str(row.get("requestId") or f"nhn-sms-{message_id}")
        sender = content.get("from") or self.accounts.get(channel_of(Product.TEXT_MESSAGE), {}).get(
            "sender", "")
        if not sender:
            raise PermanentFailure("no sender number: set WAYLINE_SMS_SENDER or pick a "
                                   "registered sender in the send step")
        body: dict[str, Any] = {
            "body": text, "sendNo": _phone(str(sender)), "senderGroupingKey": "wayline",
            "recipientList": [{"recipientNo": _phone(str(content["to"])),
                               "recipientGroupingKey": key}]}
        if kind != "SMS":  # NHN requires a title on LMS/MMS: the text's first words without one
            body["title"] = str(content.get("subject") or "").strip() or \
                text.strip().split("\n", 1)[0][:MMS_DEFAULT_TITLE]
        if images:
            body["attachFileIdList"] = []
            for asset_id in images:
                body["attachFileIdList"].append((yield from self._attachment(base, asset_id)))
        answer = _checked((yield Call("POST", f"{base}/sender/{path}", self.sms_secret,
                                      json=body)), "SMS", SMS_CODES)
        data = ((answer.get("body") or {}).get("data") or {})
        _recipient_result(data.get("sendResultList"), "SMS")
        return str(data.get("requestId") or f"nhn-sms-{message_id}")

    def _attachment(self, base: str, asset_id: Any) -> Generator[Call, httpx.Response, int]:
        known = self._digest(asset_id)
        if known in self._files:  # sent before: no read of the image at all
            return self._files[known]
        asset = self._asset(asset_id)
        if asset.content_type not in ("image/jpeg", "image/jpg"):
            raise PermanentFailure(f"NHN attaches JPEG images only, and {asset.name!r} is "
                                   f"{asset.content_type}; upload it as a JPEG")
        if len(asset.data) > MMS_IMAGE_BYTES:
            raise PermanentFailure(f"{asset.name!r} is {len(asset.data) // 1000:,} KB; NHN "
                                   f"attaches images up to {MMS_IMAGE_BYTES // 1000} KB")
        if asset.sha256 not in self._files:
            answer = _checked((yield Call(
                "POST", f"{base}/attachfile/binaryUpload", self.sms_secret, json={
                    "fileName": _jpg_name(asset), "createUser": "wayline",
                    "fileBody": base64.b64encode(asset.data).decode()})), "SMS", SMS_CODES)
            file_id = (((answer.get("body") or {}).get("data") or {}).get("fileId"))
            if file_id is None:
                raise TransientFailure("NHN accepted the image but gave no file id")
            self._files[asset.sha256] = int(file_id)
        self._digests[str(asset_id)] = (asset.sha256, time.monotonic() + DIGEST_TTL)
        return self._files[asset.sha256]

    def _alimtalk(self, message_id: int, content: Mapping[str, Any]) -> Steps:
        if not content.get("template_code"):
            raise PermanentFailure("the KakaoTalk message has no template code; set the "
                                   "approved AlimTalk template code in the template")
        body = {
            "senderKey": self._sender_key(content, Product.ALIMTALK),
            "templateCode": str(content["template_code"]),
            "senderGroupingKey": "wayline",
            "recipientList": [{
                "recipientNo": _phone(str(content["to"])),
                "templateParameter": {str(k): str(v) for k, v in
                                      dict(content.get("variables") or {}).items()},
                "resendParameter": {"isResend": False},
                "recipientGroupingKey": str(message_id)}]}
        url = f"{self.kakao_url}/alimtalk/v2.3/appkeys/{quote(self.kakao_app_key)}/messages"
        return (yield from self._kakao_send(message_id, url, body, "AlimTalk"))

    def _brand(self, message_id: int, content: Mapping[str, Any]) -> Steps:
        form = str(content.get("format") or "text")
        bubble = BRAND_BUBBLES.get(form)
        if bubble is None:
            raise PermanentFailure(f"NHN does not send Brand Messages in the {form!r} format")
        base = f"{self.kakao_url}/brand-message/v1.0/appkeys/{quote(self.kakao_app_key)}"
        body: dict[str, Any] = {"senderKey": self._sender_key(content, Product.BRAND_MESSAGE),
                                "chatBubbleType": bubble, "senderGroupingKey": "wayline"}
        if form in ("text", "image", "wide"):
            body["content"] = str(content.get("text") or "")
        if content.get("image") and form in ("image", "wide"):
            image = content["image"]
            url = yield from self._brand_image(base, image.get("asset"), form)
            body["image"] = {"imageUrl": url, **({"imageLink": image["link"]}
                                                  if image.get("link") else {})}
        if content.get("buttons"):
            body["buttons"] = [_button(b) for b in content["buttons"]]
        if form == "wide_list":
            body["header"] = str(content.get("header") or "")
            items = []
            for item in content.get("items") or []:
                url = yield from self._brand_image(base, item.get("asset"), form)
                items.append({"title": item.get("title", ""), "imageUrl": url,
                              "linkMo": item.get("url_mobile", "")})
            body["item"] = {"list": items}
        if form == "carousel":
            cards = []
            for card in content.get("carousel") or []:
                url = yield from self._brand_image(base, card.get("asset"), form)
                cards.append({"header": card.get("header", ""), "content": card.get("text", ""),
                              "imageUrl": url,
                              "buttons": [_button(b) for b in card.get("buttons") or []]})
            body["carousel"] = {"list": cards}
        body["recipientList"] = [{"recipientNo": _phone(str(content["to"])),
                                  "targeting": str(content.get("targeting") or "I"),
                                  "resendParameter": {"isResend": False},
                                  "recipientGroupingKey": str(message_id)}]
        return (yield from self._kakao_send(message_id, f"{base}/freestyle-messages", body,
                                            "Brand Message"))

    def _brand_image(self, base: str, asset_id: Any,
                     form: str) -> Generator[Call, httpx.Response, str]:
        known = f"{form}:{self._digest(asset_id)}"
        if known in self._images:  # sent before: no read of the image at all
            return self._images[known]
        asset = self._asset(asset_id)
        cache_key = f"{form}:{asset.sha256}"
        self._digests[str(asset_id)] = (asset.sha256, time.monotonic() + DIGEST_TTL)
        if cache_key not in self._images:
            answer = _checked((yield Call(
                "POST", f"{base}/images", self.kakao_secret,
                files={"image": (asset.name or f"image-{asset.id}", asset.data,
                                 asset.content_type)},
                form={"imageType": BRAND_IMAGE_TYPES[form]})), "Brand Message", KAKAO_CODES)
            url = (answer.get("image") or {}).get("imageUrl")
            if not url:
                raise TransientFailure("NHN accepted the image but gave no address for it")
            self._images[cache_key] = str(url)
        return self._images[cache_key]

    def _kakao_send(self, message_id: int, url: str, body: dict[str, Any],
                    product: str) -> Steps:
        response = yield Call("POST", url, self.kakao_secret, json=body,
                              headers={"X-NC-API-IDEMPOTENCY-KEY": str(message_id)})
        answer = _json(response, product)
        header = answer.get("header") or {}
        if not header.get("isSuccessful") and _code(header) == DUPLICATE_KEY:
            return f"nhn-{message_id}"  # NHN took this message id within the last 10 minutes
        answer = _checked(response, product, KAKAO_CODES)
        message = answer.get("message") or {}
        _recipient_result(message.get("sendResults"), product)
        return str(message.get("requestId") or f"nhn-{message_id}")

    def _digest(self, asset_id: Any) -> str | None:
        """The digest of an image read lately, so a campaign reads its image once (not for
        ever: SQLite may give a deleted image's id to the next one)."""
        digest, until = self._digests.get(str(asset_id), ("", 0.0))
        return digest if time.monotonic() < until else None

    def _sender_key(self, content: Mapping[str, Any], product: Product) -> str:
        key = (content.get("sender_key") or self.sender_key
               or self.accounts.get(channel_of(product), {}).get("sender_key", ""))
        if not key:
            raise PermanentFailure("no Kakao sender key: set WAYLINE_NHN_SENDER_KEY or pick a "
                                   "registered Kakao channel in the send step")
        return str(key)

    def _asset(self, asset_id: Any) -> AssetFile:
        if self.assets is None:
            raise PermanentFailure("images cannot be read here (no asset store configured)")
        try:
            return self.assets(int(asset_id))
        except (LookupError, TypeError, ValueError) as error:
            raise PermanentFailure(f"the image cannot be attached: {error}") from None
        except SQLAlchemyError as error:  # the database is away for a moment
            raise TransientFailure(f"the image could not be read: {type(error).__name__}") \
                from None

    # --- HTTP ----------------------------------------------------------------------------

    def _call(self, call: Call) -> httpx.Response:
        headers = {"X-Secret-Key": call.secret, **call.headers}
        try:
            return self._client.request(call.method, call.url, json=call.json,
                                        params=call.params, headers=headers,
                                        files=call.files, data=call.form)
        except httpx.TimeoutException:
            raise TransientFailure(f"{public_url(call.url)} did not answer within "
                                   f"{self.timeout:g} s") from None
        except httpx.TransportError as error:
            raise TransientFailure(f"could not reach {public_url(call.url)}: {error}") from None

    async def _call_async(self, call: Call) -> httpx.Response:
        if self._session is None:  # made on the loop that will use its connections
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": "Wayline"},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=self.concurrency))
        headers = {"X-Secret-Key": call.secret, **call.headers}
        data: Any = None
        if call.files:
            data = aiohttp.FormData()
            for name, value in (call.form or {}).items():
                data.add_field(name, value)
            for name, (filename, raw, kind) in call.files.items():
                data.add_field(name, raw, filename=filename, content_type=kind)
        params = {k: str(v) for k, v in (call.params or {}).items()}
        try:
            async with self._session.request(call.method, call.url, json=call.json, data=data,
                                             params=params or None, headers=headers,
                                             allow_redirects=False) as answer:
                text = await answer.text(errors="replace")
                return httpx.Response(answer.status, headers=list(answer.headers.items()),
                                      text=text)
        except TimeoutError:
            raise TransientFailure(f"{public_url(call.url)} did not answer within "
                                   f"{self.timeout:g} s") from None
        except aiohttp.ClientError as error:
            raise TransientFailure(f"could not reach {public_url(call.url)}: {error}") from None

    def _get(self, url: str, secret: str, params: dict[str, Any], product: str,
             codes: Mapping[int, tuple[bool, str]]) -> dict[str, Any]:
        return _checked(self._call(Call("GET", url, secret, params=params)), product, codes)

    # --- delivery results ----------------------------------------------------------------

    def poll_reports(self, since: datetime) -> list[ChannelReceipt]:
        """Delivery results since `since`, as receipts. Texts and AlimTalk are asked for by
        the time NHN updated them; Brand Messages, whose API lists by request time only, by
        requests since `since` less BRAND_RESULT_WAIT (a result seen twice changes nothing).
        A product NHN cannot answer for is logged and skipped, so the others still count."""
        now = datetime.now(KST)
        start = max(since.astimezone(KST), now - MAX_LOOK_BACK)
        polls: list[tuple[str, Any]] = []
        if self.sms_app_key:
            polls.append(("SMS", lambda: [r for day in _days(start, now)
                                          for r in self._sms_results(day)]))
        if self.kakao_app_key:
            polls.append(("AlimTalk", lambda: [r for day in _days(start, now)
                                               for r in self._alimtalk_results(day)]))
            polls.append(("Brand Message", lambda: [
                r for day in _days(start - BRAND_RESULT_WAIT, now, "Request", "%Y-%m-%d %H:%M")
                for r in self._brand_results(day)]))
        receipts: list[ChannelReceipt] = []
        failures: list[DeliveryError] = []
        for product, poll in polls:
            try:
                receipts += poll()
            except DeliveryError as error:
                log.warning("NHN %s results could not be read: %s", product, error.reason)
                failures.append(error)
        if polls and len(failures) == len(polls):
            raise failures[0]
        return receipts

    def _sms_results(self, window: dict[str, str]) -> list[ChannelReceipt]:
        url = f"{self.sms_url}/sms/v3.0/appKeys/{quote(self.sms_app_key)}/message-results"
        rows = self._pages(url, self.sms_secret, window, "SMS", SMS_CODES, _rows)
        return [ChannelReceipt(channel_of(Product.TEXT_MESSAGE), receipt) for row in rows
                if (receipt := _receipt(row, str(row.get("resultCode") or ""), None))]

    def _alimtalk_results(self, window: dict[str, str]) -> list[ChannelReceipt]:
        url = (f"{self.kakao_url}/alimtalk/v2.3/appkeys/{quote(self.kakao_app_key)}"
               "/message-results")
        return self._kakao_receipts(channel_of(Product.ALIMTALK), self._pages(
            url, self.kakao_secret, window, "AlimTalk", KAKAO_CODES, _kakao_rows))

    def _brand_results(self, window: dict[str, str]) -> list[ChannelReceipt]:
        url = f"{self.kakao_url}/brand-message/v1.0/appkeys/{quote(self.kakao_app_key)}/messages"
        return self._kakao_receipts(channel_of(Product.BRAND_MESSAGE), self._pages(
            url, self.kakao_secret, window, "Brand Message", KAKAO_CODES, _kakao_rows))

    @staticmethod
    def _kakao_receipts(channel: str, rows: list[dict[str, Any]]) -> list[ChannelReceipt]:
        return [ChannelReceipt(channel, receipt) for row in rows
                if (receipt := _receipt(row, str(row.get("resultCode") or ""),
                                        str(row.get("messageStatus") or "")))]

    def _pages(self, url: str, secret: str, window: dict[str, str], product: str,
               codes: Mapping[int, tuple[bool, str]], rows: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            batch = rows(self._get(url, secret, {**window, "pageNum": page,
                                                 "pageSize": PAGE_SIZE}, product, codes))
            found += batch
            if len(batch) < PAGE_SIZE:
                break
        return found

    def reports(self, body: bytes, headers: Mapping[str, str]) -> list[ChannelReceipt]:
        """NHN's MESSAGE_RESULT_UPDATE webhook (SMS or KakaoTalk Bizmessage) as receipts, when
        results should come sooner than the poll brings them; ValueError when it cannot be
        read or its X-Toast-Webhook-Signature is not WAYLINE_NHN_WEBHOOK_SIGNATURE. Other
        events (080 UNSUBSCRIBE, template status) are left to the syncs: none here."""
        given = {k.lower(): v for k, v in headers.items()}.get("x-toast-webhook-signature", "")
        if self.webhook_signature and not hmac.compare_digest(
                given.encode(), self.webhook_signature.encode()):
            raise ValueError("the X-Toast-Webhook-Signature header is not the signature set "
                             "in WAYLINE_NHN_WEBHOOK_SIGNATURE")
        try:
            event = json.loads(body)
        except ValueError:
            raise ValueError("the body is not JSON") from None
        if not isinstance(event, Mapping) or not isinstance(event.get("hooks"), list):
            raise ValueError("the body is no NHN webhook (no hooks list)")
        if len(event["hooks"]) > REPORTS_MAX:
            raise ValueError(f"at most {REPORTS_MAX} hooks a call; this one has "
                             f"{len(event['hooks'])}")
        if event.get("event") != "MESSAGE_RESULT_UPDATE":
            return []
        kakao = "kakao" in str(event.get("productName", "")).lower()
        found = []
        for hook in event["hooks"]:
            if not isinstance(hook, Mapping):
                raise ValueError("a hook is not an object")
            kind = str(hook.get("kakaoMessageType") or "")
            product = (Product.TEXT_MESSAGE if not kakao
                       else Product.ALIMTALK if kind.startswith("ALIMTALK")
                       else Product.BRAND_MESSAGE if kind.startswith("BRAND_MESSAGE") else None)
            channel = product and channel_of(product)
            receipt = channel and _receipt(hook, str(hook.get("resultCode") or ""),
                                           str(hook.get("messageStatus") or ""))
            if receipt:
                found.append(ChannelReceipt(channel, receipt))
        return found

    # --- AlimTalk templates --------------------------------------------------------------

    def submit_template(self, draft: TemplateDraft) -> Review:
        """Register an AlimTalk template at NHN, which asks Kakao to review it."""
        sender_key = self._sender_key({"sender_key": draft.sender_key}, Product.ALIMTALK)
        url = (f"{self.kakao_url}/alimtalk/v2.3/appkeys/{quote(self.kakao_app_key)}/senders/"
               f"{quote(sender_key)}/templates")
        body: dict[str, Any] = {
            "templateCode": draft.code, "templateName": draft.name,
            "templateContent": draft.text, "templateMessageType": draft.message_type,
            "templateEmphasizeType": draft.emphasis,
            "buttons": [{"ordering": n, "type": b.kind, "name": b.name,
                         **({"linkMo": b.url_mobile} if b.url_mobile else {}),
                         **({"linkPc": b.url_pc} if b.url_pc else {})}
                        for n, b in enumerate(draft.buttons, start=1)]}
        if draft.category:
            body["categoryCode"] = draft.category
        if draft.emphasis == "TEXT" and draft.title:
            body["templateTitle"] = draft.title
        _checked(self._call(Call("POST", url, self.kakao_secret, json=body)), "AlimTalk",
                 KAKAO_CODES)
        return Review(draft.code, ReviewStatus.UNDER_REVIEW, None, datetime.now(KST))

    def review(self, code: str) -> Review:
        """Where the template `code` is in Kakao's review, with the reviewer's reason."""
        url = (f"{self.kakao_url}/alimtalk/v2.3/appkeys/{quote(self.kakao_app_key)}/senders/"
               f"{quote(self._sender_key({}, Product.ALIMTALK))}/templates")
        answer = self._get(url, self.kakao_secret, {"templateCode": code}, "AlimTalk",
                           KAKAO_CODES)
        templates = (answer.get("templateListResponse") or {}).get("templates") or []
        template = next((t for t in templates if t.get("templateCode") == code), None)
        if template is None:
            raise LookupError(f"NHN has no AlimTalk template {code!r} for this Kakao channel")
        status = REVIEW_STATUS.get(str(template.get("status")), ReviewStatus.REGISTERED)
        if template.get("dormant"):
            status = ReviewStatus.DORMANT
        comments = [c for c in template.get("comments") or [] if c.get("content")]
        rejected = [c for c in comments if c.get("status") == "REJ"] or comments
        reason = str(rejected[-1]["content"]) if rejected and status in (
            ReviewStatus.REJECTED, ReviewStatus.UNDER_REVIEW) else None
        return Review(code, status, reason, datetime.now(KST))

    # --- 080 opt-outs --------------------------------------------------------------------

    def opt_outs(self, since: datetime, lines: Sequence[str] = ()) -> list[OptOut]:
        """Numbers that refused since `since` through NHN's 080 lines: the senders' `lines`
        and WAYLINE_NHN_UNSUBSCRIBE_NOS. NHN's list does not say how a number came on it;
        every one counts as a refusal through the line (the strict reading: 정보통신망법
        제50조 ②)."""
        if not self.sms_app_key:
            return []  # the 080 lists are the SMS product's: a KakaoTalk-only NHN keeps none
        url = f"{self.sms_url}/sms/v3.0/appKeys/{quote(self.sms_app_key)}/blockservice/recipients"
        window = {"startRequestDate": _kst(since), "endRequestDate": _kst(datetime.now(KST))}
        found: list[OptOut] = []
        failed: list[str] = []
        for number in dict.fromkeys([*lines, *self.unsubscribe_nos]):
            try:
                found += self._line_opt_outs(url, window, number)
            except DeliveryError as error:  # one line NHN refuses must not hide the others
                failed.append(f"{number}: {error}")
        if failed:
            raise IncompleteListError("NHN did not list the refusals of " + "; ".join(failed),
                                      found)
        return found

    def _line_opt_outs(self, url: str, window: dict[str, str], number: str) -> list[OptOut]:
        found = []
        for row in self._pages(url, self.sms_secret, {**window, "unsubscribeNo": number},
                               "SMS", SMS_CODES, _rows):
            at = _parse_kst(row.get("requestDate") or row.get("createDate"))
            if row.get("recipientNo") and at is not None:
                found.append(OptOut(_e164(str(row["recipientNo"])), at, OptOutVia.ARS,
                                    str(row.get("unsubscribeNo") or number)))
        return found


# --- answers --------------------------------------------------------------------------------


def _json(response: httpx.Response, product: str) -> dict[str, Any]:
    """The JSON of a 2xx answer; a failure for any other."""
    status = response.status_code
    excerpt = " ".join(response.text.split())[:RESPONSE_EXCERPT]
    if status in (408, 429) or status >= 500:
        raise TransientFailure(f"NHN {product} answered {status} {response.reason_phrase}",
                               retry_after=retry_after(response), answer=excerpt,
                               throttled=status == 429)
    if not 200 <= status < 300:
        raise PermanentFailure(f"NHN {product} answered {status} {response.reason_phrase}",
                               answer=excerpt)
    try:
        answer = response.json()
    except (ValueError, json.JSONDecodeError):
        raise TransientFailure(f"NHN {product} answered something that is not JSON",
                               answer=excerpt) from None
    return answer if isinstance(answer, dict) else {}


def _code(header: Mapping[str, Any]) -> int | None:
    try:
        return int(header.get("resultCode"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _checked(response: httpx.Response, product: str,
             codes: Mapping[int, tuple[bool, str]]) -> dict[str, Any]:
    """The answer, when NHN's header says it succeeded; else the failure its code means."""
    answer = _json(response, product)
    header = answer.get("header") or {}
    if header.get("isSuccessful"):
        return answer
    code = _code(header)
    said = str(header.get("resultMessage") or "")[:RESPONSE_EXCERPT]
    transient, meaning = codes.get(code, (False, f"NHN {product} refused the request"))
    reason = f"{meaning} (NHN {code}: {said})" if said else f"{meaning} (NHN {code})"
    raise (TransientFailure if transient else PermanentFailure)(reason, answer=said)


def _recipient_result(results: Any, product: str) -> None:
    """A per-recipient refusal in an accepted request: permanent, with NHN's words."""
    for result in results or []:
        code = _code(result)
        if code not in (0, None):
            said = str(result.get("resultMessage") or "")[:RESPONSE_EXCERPT]
            raise PermanentFailure(f"NHN {product} refused the recipient ({code}: {said})",
                                   answer=said)


def _rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`body.data` as a list (some NHN lists nest it as `data.resultUpdateList`)."""
    data = (answer.get("body") or {}).get("data")
    if isinstance(data, dict):
        data = data.get("resultUpdateList") or []
    return [row for row in data or [] if isinstance(row, dict)]


def _kakao_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [row for row in (answer.get("messageSearchResultResponse") or {}).get("messages")
            or [] if isinstance(row, dict)]


def _receipt(row: Mapping[str, Any], code: str, status: str | None) -> Receipt | None:
    """A result row (or webhook hook) as a receipt: a delivered code delivered, another code or
    a FAILED status failed, nothing yet (or not Wayline's message) none."""
    # NHN's SMS webhook example spells the key "recipientGropuingKey": take either.
    message_id = _message_id(row.get("recipientGroupingKey") or row.get("recipientGropuingKey"))
    if message_id is None:
        return None
    at = _parse_kst(row.get("receiveDate") or row.get("resultDate") or row.get("updateDate"))
    if code in DELIVERED_CODES:
        return Receipt(message_id, MessageStatus.DELIVERED, None, at)
    if code or status in ("FAILED", "CANCEL", "FAILED_AD"):
        name = str(row.get("resultCodeName") or "").strip() or "not delivered"
        return Receipt(message_id, MessageStatus.FAILED, f"{name} ({code or status})", at)
    return None


def _button(button: Mapping[str, Any]) -> dict[str, Any]:
    """A Brand Message button (WL web link or AL app link) in NHN's shape."""
    found = {"name": button.get("name", ""), "type": button.get("kind", "WL")}
    if button.get("kind") == "AL":
        found["schemeAndroid"] = found["schemeIos"] = button.get("url_mobile", "")
    else:
        found["linkMo"] = button.get("url_mobile", "")
        if button.get("url_pc"):
            found["linkPc"] = button["url_pc"]
    return found


def _jpg_name(asset: AssetFile) -> str:
    """NHN takes attachments named .jpg/.jpeg (lower case) only."""
    stem = (asset.name or f"image-{asset.id}").rsplit(".", 1)[0][:40] or f"image-{asset.id}"
    return f"{stem}.jpg"


def _check_keys(app_key: str, secret: str, product: str) -> None:
    """An app key goes with its secret key (NHN refuses every call without it)."""
    if bool(app_key) != bool(secret):
        given, missing = ("APP_KEY", "SECRET_KEY") if app_key else ("SECRET_KEY", "APP_KEY")
        raise GatewayError(f"WAYLINE_NHN_{product}_{missing} must be set with "
                           f"WAYLINE_NHN_{product}_{given} (NHN console → the product → "
                           "URL & Appkey)")


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with https:// (or http:// for a local test server)")
    return value.rstrip("/")


GATEWAY = GatewaySpec(
    key="nhn", label="NHN Cloud", products=frozenset({Product.TEXT_MESSAGE, Product.ALIMTALK,
                                                   Product.BRAND_MESSAGE}),
    settings={
        "sms_app_key": Setting("the SMS product's app key (NHN console → Notification → SMS)"),
        "sms_secret_key": Setting("the SMS product's secret key", secret=True),
        "kakao_app_key": Setting("the KakaoTalk Bizmessage app key (AlimTalk, Brand Message)"),
        "kakao_secret_key": Setting("the KakaoTalk Bizmessage secret key", secret=True),
        "sender_key": Setting("the Kakao channel's sender key (발신 키), when the send step "
                              "names none"),
        "unsubscribe_nos": Setting("080 opt-out numbers whose refusals Wayline fetches beside "
                                   "the registered senders' 080 numbers, comma-separated"),
        "webhook_signature": Setting("the signature set on NHN's result webhooks, if used "
                                     "(they are optional: results are polled)", secret=True),
        "sms_url": Setting("the SMS API's base address", default="https://api-sms.cloud.toast.com",
                           parse=_url),
        "kakao_url": Setting("the KakaoTalk Bizmessage API's base address",
                             default="https://api-alimtalk.cloud.toast.com", parse=_url),
    },
    build=NhnGateway,
    docs_url="https://docs.nhncloud.com/ko/Notification/SMS/ko/api-guide/",
)
