"""The app bar every page shares: the logo, the way to each area the person's role may open
(journeys, messages, coupons, customers, send rules; team and audit for those allowed), with the
current one marked, and who is signed in, with their account and the way out; under it, the
banner that says all sending is stopped (builder.ui.sending).

It also watches the session (builder.ui.session): once it is over, the page goes to sign in
and comes back here afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from reactpy import component, html, use_async_effect, use_state

from builder.ui.reactpy_glue import use_services
from builder.ui.sending import SendingBanner
from builder.ui.services import Json, UiError
from builder.ui.session import use_session_ended
from builder.ui.signed_out import BackToSignIn

AREAS = (("journeys", "Journeys", "/", "journeys.read"),
         ("messages", "Messages", "/messages", "templates.read"),
         ("coupons", "Coupons", "/coupons", "coupons.read"),
         ("customers", "Customers", "/customers", "customers.read"),
         ("settings", "Send rules", "/settings", "send_rules.read"),
         ("team", "Team", "/team", "users.manage"),
         ("audit", "Audit", "/audit", "audit.read"))
"""Areas: key, label, address, and the action a role needs to open it (the server's PAGES)."""

ROLE_LABELS = {"viewer": "Viewer", "editor": "Editor", "publisher": "Publisher",
               "admin": "Admin"}

STYLE = """
.wl-nav { display: flex; gap: 4px; margin-left: 18px; }
.wl-nav a { padding: 6px 12px; border-radius: 8px; color: var(--muted); text-decoration: none;
            font-weight: 500; }
.wl-nav a:hover { background: #f1f5f9; color: var(--ink); }
.wl-nav a.on { background: var(--brand-soft); color: var(--brand); }
.wl-me { margin-left: auto; display: flex; align-items: center; gap: 10px; }
.wl-set-password { font-size: 13px; font-weight: 600; color: #b45309; background: var(--warn-soft);
                   padding: 5px 10px; border-radius: 999px; }
.wl-menu { position: relative; }
.wl-menu summary { list-style: none; display: flex; align-items: center; gap: 8px; cursor: pointer;
                   padding: 4px 8px 4px 4px; border-radius: 999px; }
.wl-menu summary::-webkit-details-marker { display: none; }
.wl-menu summary:hover, .wl-menu[open] summary { background: #f1f5f9; }
.wl-avatar { width: 30px; height: 30px; border-radius: 50%; background: var(--brand-soft);
             color: var(--brand); font-weight: 700; font-size: 12px; display: inline-flex;
             align-items: center; justify-content: center; }
.wl-me-name { font-weight: 600; color: var(--ink); max-width: 180px; overflow: hidden;
              text-overflow: ellipsis; white-space: nowrap; }
.wl-role { font-size: 11px; font-weight: 600; color: var(--muted); background: #f1f5f9;
           border-radius: 999px; padding: 2px 8px; text-transform: uppercase;
           letter-spacing: .03em; }
.wl-menu-panel { position: absolute; right: 0; top: calc(100% + 6px); z-index: 50; width: 240px;
                 background: #fff; border: 1px solid var(--line); border-radius: 12px;
                 box-shadow: var(--shadow); padding: 6px; }
.wl-menu-who { padding: 8px 10px 10px; border-bottom: 1px solid var(--line); margin-bottom: 4px; }
.wl-menu-who strong { display: block; }
.wl-menu-who span { color: var(--muted); font-size: 12.5px; word-break: break-all; }
.wl-menu-panel a, .wl-menu-panel button { display: block; width: 100%; text-align: left;
    padding: 8px 10px; border-radius: 8px; border: 0; background: none; font: inherit;
    color: var(--ink); cursor: pointer; text-decoration: none; }
.wl-menu-panel a:hover, .wl-menu-panel button:hover { background: #f1f5f9; }
.wl-menu-panel form { margin: 0; }
"""


@component
def AppBar(current: str) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The bar at the top of a page; `current` is the area the page belongs to."""
    services = use_services()
    me, set_me = use_state(None)
    ended = use_session_ended(services)

    @use_async_effect(dependencies=[])
    async def load() -> None:
        # A session already over: the watch above sends the browser to sign in.
        with contextlib.suppress(UiError):
            set_me(await asyncio.to_thread(services.whoami))

    areas = [area for area in AREAS if services.may(area[3])]
    return html.fragment(html.header(
        {"class": "wl-appbar"},
        html.style(STYLE),
        html.a({"class": "wl-logo", "href": "/", "style": {"textDecoration": "none"}},
               html.span({"class": "wl-logo-mark"}), "Wayline"),
        html.nav({"class": "wl-nav"}, [
            html.a({"key": key, "href": href, "class": "on" if key == current else "",
                    "data-nav": key}, label) for key, label, href, _ in areas]),
        UserMenu(me) if me else "",
        BackToSignIn() if ended else ""), SendingBanner(services))


@component
def UserMenu(me: Json) -> Any:  # noqa: N802
    """Who is signed in (name, role), and a menu with their account and signing out."""
    name = display_name(me)
    role = ROLE_LABELS.get(me["role"], me["role"] or "")
    return html.div(
        {"class": "wl-me"},
        "" if me["has_password"] else html.a(
            {"class": "wl-set-password", "href": "/account", "data-action": "set-password",
             "title": "You signed in with a one-time link: set a password to sign in again"},
            "Set a password"),
        html.details(
            {"class": "wl-menu", "data-menu": "account"},
            html.summary(html.span({"class": "wl-avatar"}, initials(name)),
                         html.span({"class": "wl-me-name", "data-me": me["email"]}, name),
                         html.span({"class": "wl-role", "data-role": me["role"]}, role)),
            html.div(
                {"class": "wl-menu-panel"},
                html.div({"class": "wl-menu-who"}, html.strong(name), html.span(me["email"])),
                html.a({"href": "/account", "data-action": "account"}, "Account and password"),
                # A plain form: the browser posts it with its same-origin Origin (CSRF-safe).
                html.form({"method": "post", "action": "/signout"},
                          html.button({"type": "submit", "data-action": "sign-out"},
                                      "Sign out")))))


def display_name(me: Json) -> str:
    """The person's name as the bar shows it (the server's actor name adds the email)."""
    name, suffix = me["name"] or "", f" ({me['email']})"
    return name[:-len(suffix)] if me["email"] and name.endswith(suffix) else name


def initials(name: str) -> str:
    """Up to two letters for the avatar: 'Kim Minji' → 'KM'."""
    letters = [part[0] for part in name.split() if part]
    return "".join(letters[:2]).upper() or "?"
