"""/unsubscribe: the page a marketing email's unsubscribe link opens, and one-click unsubscribe.

No API key: customers' browsers and mail clients call these, and the signed token is the proof.
GET shows a confirmation page and changes nothing (mail scanners prefetch links); POST — the
page's button, or the one-click request mail clients send for List-Unsubscribe-Post (RFC 8058)
— unsubscribes. A link that was tampered with is a 404 page, never an error. The page speaks
the language the customer's browser asks for (Accept-Language: Korean or English).
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter

from builder.i18n import Words, negotiate, words
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
    def confirm(self, request: Request, wayline: NamedDependency[Wayline],
                token: Token) -> Response[str]:
        """The confirmation page: one button, which POSTs back here."""
        _ = _words(request)
        try:
            facts = unsubscribe.read_link(wayline, token)
        except NotFoundError:
            return _page(_, _gone(_), 404)
        if facts.already:
            return _page(_, _done(_, facts))
        return _page(_, _ask(_, facts, token))

    @post("/{token:str}", sync_to_thread=True, status_code=200, media_type="text/html")
    def unsubscribe_now(self, request: Request, wayline: NamedDependency[Wayline],
                        token: Token) -> Response[str]:
        """Unsubscribe (the page's button, or a mail client's one-click POST)."""
        _ = _words(request)
        try:
            facts = unsubscribe.follow_link(wayline, token, via="link")
        except NotFoundError:
            return _page(_, _gone(_), 404)
        return _page(_, _done(_, facts))


def _words(request: Request) -> Words:
    """The language the customer's browser asks for."""
    return words(negotiate(request.headers.get("accept-language")))


def _page(_: Words, body: str, status: int = 200) -> Response[str]:
    html = (f"<!doctype html><html lang='{_.language}'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(_('Unsubscribe'))}</title><link rel='icon' href='data:,'><style>"
            ":root{color-scheme:light dark}body{font-family:system-ui,sans-serif;"
            "max-width:32rem;margin:4rem auto;padding:0 1rem;color:#0f172a;background:#fff}"
            "button{font:inherit;padding:.6rem 1.2rem;border-radius:.5rem;border:0;"
            "background:#ea580c;color:#fff;cursor:pointer}p{line-height:1.6}"
            ":lang(ko){word-break:keep-all}@media (prefers-color-scheme:dark){"
            "body{color:#e2e8f0;background:#0b1120}}</style></head><body>" + body
            + "</body></html>")
    return Response(html, status_code=status, media_type="text/html", headers=PRIVATE)


def _ask(_: Words, facts: LinkFacts, token: str) -> str:
    what = _(facts.what)
    title = _("Unsubscribe from marketing {what}", what=what)
    text = _("Stop receiving marketing {what} from us? Receipts and other messages about your "
             "orders still reach you.", what=what)
    return (f"<h1>{escape(title, quote=False)}</h1><p>{escape(text, quote=False)}</p>"
            f"<form method='post' action='/unsubscribe/{escape(token)}'>"
            f"<button type='submit' data-unsubscribe>{escape(_('Unsubscribe'))}</button></form>")


def _done(_: Words, facts: LinkFacts) -> str:
    text = _("You will get no more marketing {what} from us. If this was a mistake, you can "
             "opt in again in your account.", what=_(facts.what))
    return (f"<h1 data-unsubscribed>{escape(_('You are unsubscribed'))}</h1>"
            f"<p>{escape(text, quote=False)}</p>")


def _gone(_: Words) -> str:
    text = _("This unsubscribe link is not valid: it may have been cut short when copied. "
             "Open it again from the message.")
    title = _("This link can’t be checked")
    return f"<h1>{escape(title, quote=False)}</h1><p>{escape(text, quote=False)}</p>"
