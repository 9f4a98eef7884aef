"""What a page's socket renders when its session is over: a note, and the way to sign in.

The front door sends an unsigned socket here instead of to its page, so a browser left open
past its session (or reconnecting after it ended) goes to the sign-in page, and back to the
page it was on once signed in. A page that finds its session over while open
(builder.ui.session) renders `BackToSignIn`, which does the same.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from reactpy import component, html, use_location

from builder.ui.reactpy_glue import js_component, use_words


def sign_in_url(path: str, query: str = "") -> str:
    """The sign-in page, coming back to `path` (with its query) afterwards."""
    query = query.lstrip("?")
    back = f"{path}?{query}" if query else path
    return f"/signin?next={quote(back or '/', safe='/')}"


def use_sign_in_url() -> str:
    """The sign-in page, coming back to the page this socket renders (a hook)."""
    location = use_location()
    return sign_in_url(location.path, location.query_string)


@component
def SignedOut() -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """Sends the browser to sign in, back to this page afterwards."""
    target = use_sign_in_url()
    _ = use_words()
    return html.div(
        {"class": "wl-signed-out", "style": {"padding": "48px", "textAlign": "center"}},
        html.p(_("Your session has ended.")),
        html.a({"href": target, "class": "wl-button primary"}, _("Sign in again")),
        js_component("Navigate")({"to": target}))


@component
def BackToSignIn() -> Any:  # noqa: N802
    """Sends the browser to sign in now (the page's session is over), back here afterwards."""
    return js_component("Navigate")({"to": use_sign_in_url()})
