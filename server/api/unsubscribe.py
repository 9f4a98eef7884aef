"""/unsubscribe: the page a marketing email's unsubscribe link opens, and one-click unsubscribe.

No API key: customers' browsers and mail clients call these, and the signed token is the proof.
GET shows a confirmation page and changes nothing (mail scanners prefetch links); POST — the
page's button, or the one-click request mail clients send for List-Unsubscribe-Post (RFC 8058)
— unsubscribes. A link that was tampered with is a 404 page, never an error.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter

from runtime.errors import NotFoundError
from server.context import Wayline
from server.services import unsubscribe
from server.services.unsubscribe import LinkFacts

Token = Annotated[str, PathParameter(min_length=1, max_length=200,
                                     description="The signed token from the email.")]

PRIVATE = {"Cache-Control": "no-store, max-age=0", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex"}
"""The page is one customer's: never cached, indexed, or leaked onwards."""


class UnsubscribeController(Controller):
    """Unsubscribe from marketing through the signed link in a message."""

    path = "/unsubscribe"
    include_in_schema = False  # pages for customers' browsers and mail clients, not the API

    @get("/{token:str}", sync_to_thread=True, media_type="text/html")
    def confirm(self, wayline: NamedDependency[Wayline], token: Token) -> Response[str]:
        """The confirmation page: one button, which POSTs back here."""
        try:
            facts = unsubscribe.read_link(wayline, token)
        except NotFoundError:
            return _page(_GONE, 404)
        if facts.already:
            return _page(_done(facts))
        return _page(_ask(facts, token))

    @post("/{token:str}", sync_to_thread=True, status_code=200, media_type="text/html")
    def unsubscribe_now(self, wayline: NamedDependency[Wayline], token: Token
                        ) -> Response[str]:
        """Unsubscribe (the page's button, or a mail client's one-click POST)."""
        try:
            facts = unsubscribe.follow_link(wayline, token, via="link")
        except NotFoundError:
            return _page(_GONE, 404)
        return _page(_done(facts))


def _page(body: str, status: int = 200) -> Response[str]:
    html = ("<!doctype html><html lang='ko'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>수신거부 · Unsubscribe</title><style>body{font-family:system-ui,sans-serif;"
            "max-width:32rem;margin:4rem auto;padding:0 1rem;color:#0f172a}button{font:inherit;"
            "padding:.6rem 1.2rem;border-radius:.5rem;border:0;background:#ea580c;color:#fff;"
            "cursor:pointer}p{line-height:1.6}</style></head><body>" + body + "</body></html>")
    return Response(html, status_code=status, media_type="text/html", headers=PRIVATE)


def _ask(facts: LinkFacts, token: str) -> str:
    what = escape(facts.what)
    return (f"<h1>광고성 {what} 수신거부</h1><p>Stop receiving marketing {what} from us? "
            "Receipts and other messages about your orders still reach you.</p>"
            f"<form method='post' action='/unsubscribe/{escape(token)}'>"
            "<button type='submit' data-unsubscribe>수신거부 · Unsubscribe</button></form>")


def _done(facts: LinkFacts) -> str:
    what = escape(facts.what)
    return (f"<h1 data-unsubscribed>수신거부 완료</h1><p>You will get no more marketing "
            f"{what} from us. If this was a mistake, you can opt in again in your account.</p>")


_GONE = ("<h1>링크를 확인할 수 없어요</h1><p>This unsubscribe link is not valid: it may have "
         "been cut short when copied. Open it again from the message.</p>")
