"""Email engagement: signed tracking links in outgoing mail, and the events they become.

When an email is built, every http(s) link in its HTML part is rewritten to a redirect through
Wayline (`/t/c/<token>`) and a 1×1 pixel (`/t/o/<token>`) is added. A token carries the message
id (and, for a link, the link's place and its original URL) and an HMAC of them under the
installation's secret key, so nobody can make Wayline redirect to an address it did not send
(no open redirect) or record an open or click for a message that was not theirs.

Opening or clicking becomes an ordinary event (`email_opened`, `email_clicked`) with the message,
journey and node ids and the URL as properties, ingested like any other: it can resume a
wait-for-event, count in a condition ("opened the welcome mail?") and convert a goal. Each
message records one open and one click per link (repeats are deduplicated); a click counts as
an open too, since many mail clients block images.

Links are left alone when they are not http(s) (mailto:, tel:, #anchors), point at Wayline
itself (unsubscribe pages), or carry `data-wayline-untracked`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape, unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.flow.ingest import IngestResult, ingest_event
from runtime.store.models import Customer, Message

if TYPE_CHECKING:
    from runtime.messaging.adapters import Adapter
    from runtime.settings import Settings

OPENED, CLICKED = "email_opened", "email_clicked"
"""The events an open and a click become."""

OPEN_PATH, CLICK_PATH = "/t/o/", "/t/c/"
"""Where the pixel and the redirects are served (server.api.tracking)."""

SECRET_FILE = "secret_key"
"""File under the data dir holding the generated signing key when WAYLINE_SECRET_KEY is empty."""

TAG_BYTES = 16
"""Bytes of HMAC-SHA256 kept in a token: 128 bits, beyond guessing."""

CONTEXT = b"wayline/tracking/v1\x00"
"""Prefix of every signed payload, so these signatures can never stand in for another kind."""

_ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"""(\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Tracked:
    """What a valid token says: the message, and for a click the link's place and URL."""

    kind: str  # "o" (opened) or "c" (clicked)
    message_id: int
    link: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class Tracker:
    """Makes and reads signed tracking tokens, and the links that carry them."""

    secret: bytes
    base_url: str

    def open_url(self, message_id: int) -> str:
        """The pixel's address for a message."""
        return f"{self.base_url}{OPEN_PATH}{self.token(Tracked('o', message_id))}.gif"

    def click_url(self, message_id: int, link: int, url: str) -> str:
        """The redirect address standing in for `url`, the message's `link`-th link."""
        return f"{self.base_url}{CLICK_PATH}{self.token(Tracked('c', message_id, link, url))}"

    def token(self, tracked: Tracked) -> str:
        """The signed token for an open or a click."""
        payload = f"{tracked.kind}:{tracked.message_id}"
        if tracked.kind == "c":
            payload += f":{tracked.link}:{tracked.url}"
        raw = payload.encode()
        return f"{_b64(raw)}.{_b64(self._sign(raw))}"

    def read(self, token: str) -> Tracked | None:
        """What a token says, or None when it is malformed or its signature does not match."""
        body, _, tag = token.removesuffix(".gif").partition(".")
        raw, signature = _unb64(body), _unb64(tag)
        if raw is None or signature is None or \
                not hmac.compare_digest(signature, self._sign(raw)):
            return None
        return _parse(raw)

    def _sign(self, raw: bytes) -> bytes:
        return hmac.new(self.secret, CONTEXT + raw, hashlib.sha256).digest()[:TAG_BYTES]

    def is_own(self, url: str) -> bool:
        """True for an address on Wayline itself (its pages are not tracked)."""
        return url == self.base_url or url.startswith(self.base_url + "/")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes | None:
    """The bytes of unpadded URL-safe base64, or None unless `text` is exactly how `_b64`
    writes them (the last character's spare bits could otherwise spell the same token
    several ways)."""
    if not text or not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None
    return raw if _b64(raw) == text else None


def _parse(raw: bytes) -> Tracked | None:
    """A signed payload back into its parts (it was made by `Tracker.token`, so it is sound)."""
    try:
        kind, message, *rest = raw.decode().split(":", 3)
        if kind == "o" and not rest:
            return Tracked("o", int(message))
        if kind == "c" and len(rest) == 2:
            return Tracked("c", int(message), int(rest[0]), rest[1])
    except ValueError:
        pass
    return None


# --- building emails ---------------------------------------------------------------------------


def instrument_html(html: str, message_id: int, tracker: Tracker) -> str:
    """The HTML with its http(s) links rewritten to signed redirects and a pixel added."""
    count = 0

    def rewrite_anchor(anchor: re.Match[str]) -> str:
        nonlocal count
        tag = anchor.group(0)
        href = _HREF.search(tag)
        if href is None or "data-wayline-untracked" in tag.lower():
            return tag
        url = unescape(next(value for value in href.groups()[1:] if value is not None)).strip()
        if urlsplit(url).scheme.lower() not in ("http", "https") or tracker.is_own(url) \
                or not url.isprintable() or " " in url:  # no header smuggling via a redirect
            return tag
        count += 1
        new = f'{href.group(1)}"{escape(tracker.click_url(message_id, count, url))}"'
        return tag[:href.start()] + new + tag[href.end():]

    rewritten = _ANCHOR.sub(rewrite_anchor, html)
    pixel = (f'<img src="{escape(tracker.open_url(message_id))}" width="1" height="1" alt="" '
             'style="display:block;border:0;width:1px;height:1px">')
    ends = list(_BODY_END.finditer(rewritten))
    if ends:
        at = ends[-1].start()
        return rewritten[:at] + pixel + rewritten[at:]
    return rewritten + pixel


def track_content(content: Mapping[str, Any], message_id: int, tracker: Tracker
                  ) -> Mapping[str, Any]:
    """An email's content with tracking in its HTML part (a text-only email cannot be tracked)."""
    if not content.get("html"):
        return content
    return {**content, "html": instrument_html(str(content["html"]), message_id, tracker)}


class TrackedEmail:
    """An email adapter that adds tracking to each email just before it is built and sent."""

    def __init__(self, adapter: Adapter, tracker: Tracker) -> None:
        self.adapter = adapter
        self.tracker = tracker
        self.idempotent = adapter.idempotent
        self.records_only = getattr(adapter, "records_only", False)
        self.connections = getattr(adapter, "connections", 1)

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Send through the wrapped adapter, with tracked links and the pixel."""
        return self.adapter.send(message_id, channel, track_content(content, message_id,
                                                                     self.tracker))

    def close(self) -> None:
        """Close the wrapped adapter, if it holds a connection."""
        close = getattr(self.adapter, "close", None)
        if close is not None:
            close()


def track_email(adapter: Adapter, settings: Settings) -> Adapter:
    """The email adapter with open and click tracking, signed with the installation's key."""
    return TrackedEmail(adapter, tracker_for(settings))


def tracker_for(settings: Settings) -> Tracker:
    """The tracker of this installation: its secret key and public address."""
    return Tracker(secret_for(settings).encode(), public_url(settings))


def public_url(settings: Settings) -> str:
    """Where customers' browsers reach Wayline: WAYLINE_PUBLIC_URL, else the server's address."""
    if settings.public_url:
        return settings.public_url
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}"


def secret_for(settings: Settings) -> str:
    """WAYLINE_SECRET_KEY, else the key kept under the data dir (made once, mode 0600).

    Server and workers may both ask first: the file is created exclusively, and whoever loses
    the race reads the winner's key.
    """
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(32) + "\n")
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it and Wayline makes a new signing key "
                           "(links in emails already sent stop working), or set "
                           "WAYLINE_SECRET_KEY")
    return key


# --- opens and clicks in -----------------------------------------------------------------------


def record_engagement(session: Session, tracked: Tracked, now: datetime) -> IngestResult | None:
    """Ingest the open (and, for a click, the click) as events (no commit).

    None when the message no longer exists (its journey was deleted): a click still goes on
    to its address, but nothing is recorded.
    """
    row = session.execute(select(Message.id, Message.journey_id, Message.node_id,
                                 Message.channel, Customer.external_id)
                          .join(Customer, Customer.id == Message.customer_id)
                          .where(Message.id == tracked.message_id)).one_or_none()
    if row is None:
        return None
    properties = {"message_id": row.id, "journey_id": row.journey_id, "node_id": row.node_id,
                  "channel": row.channel}
    result = ingest_event(session, row.external_id, OPENED, properties, now, now,
                          dedup_key=f"wayline:opened:{row.id}")
    if tracked.kind != "c":
        return result
    clicked = ingest_event(session, row.external_id, CLICKED,
                           {**properties, "url": tracked.url, "link": tracked.link}, now, now,
                           dedup_key=f"wayline:clicked:{row.id}:{tracked.link}")
    return _merged(result, clicked)


def _merged(first: IngestResult, second: IngestResult) -> IngestResult:
    return IngestResult(event_id=second.event_id or first.event_id,
                        duplicate=first.duplicate and second.duplicate,
                        enrolled=first.enrolled + second.enrolled,
                        resumed=first.resumed + second.resumed,
                        exited=first.exited + second.exited)
