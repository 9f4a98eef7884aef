"""The app bar every page shares: the logo, the way to each area the person's role may open
(journeys, messages, coupons, customers, send rules; team and audit for those allowed), with the
current one marked, and who is signed in, with their account and the way out; under it, the
banner that says all sending is stopped (builder.ui.sending). The person's menu also holds
their language (saved to them: the page reloads in it) and the theme (light, dark or as the
system; kept in the browser and applied before the page paints, builder.ui.reactpy_glue).

It also watches the session (builder.ui.session): once it is over, the page goes to sign in
and comes back here afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from reactpy import component, html, use_async_effect, use_location, use_state

from builder.i18n import LANGUAGE_NAMES, LANGUAGES, N_
from builder.ui.reactpy_glue import js_component, use_services, use_words
from builder.ui.sending import SendingBanner
from builder.ui.services import Json, UiError
from builder.ui.session import use_session_ended
from builder.ui.signed_out import BackToSignIn

AREAS = (("journeys", N_("Journeys"), "/", "journeys.read"),
         ("messages", N_("Messages"), "/messages", "templates.read"),
         ("coupons", N_("Coupons"), "/coupons", "coupons.read"),
         ("customers", N_("Customers"), "/customers", "customers.read"),
         ("coverage", N_("Coverage"), "/coverage", "customers.read"),
         ("stages", N_("Lifecycle"), "/insight/stages", "journeys.read"),
         ("settings", N_("Send rules"), "/settings", "send_rules.read"),
         ("fatigue", N_("Fatigue"), "/insight/fatigue", "stats.read"),
         ("team", N_("Team"), "/team", "users.manage"),
         ("audit", N_("Audit"), "/audit", "audit.read"))
"""Areas: key, label, address, and the action a role needs to open it (the server's PAGES)."""

PRODUCT = "Wayline"
"""The product's name, the same in every language."""

ROLE_LABELS = {"viewer": N_("Viewer"), "editor": N_("Editor"), "publisher": N_("Publisher"),
               "admin": N_("Admin")}
"""Each role as people read it (translated at render)."""

THEMES = (("light", N_("Light")), ("dark", N_("Dark")), ("system", N_("As the system")))
"""The theme choices: key (the page shell's script reads `data-theme-choice`), label."""

STYLE = """
.wl-nav { display: flex; gap: 4px; margin-left: 18px; }
.wl-nav a { padding: 6px 12px; border-radius: 8px; color: var(--muted); text-decoration: none;
            font-weight: 500; }
.wl-nav a:hover { background: var(--hover); color: var(--ink); }
.wl-nav a.on { background: var(--brand-soft); color: var(--brand); }
.wl-me { margin-left: auto; display: flex; align-items: center; gap: 10px; }
.wl-set-password { font-size: 13px; font-weight: 600; color: var(--warn-ink);
                   background: var(--warn-soft); padding: 5px 10px; border-radius: 999px; }
.wl-menu { position: relative; }
.wl-menu summary { list-style: none; display: flex; align-items: center; gap: 8px; cursor: pointer;
                   padding: 4px 8px 4px 4px; border-radius: 999px; }
.wl-menu summary::-webkit-details-marker { display: none; }
.wl-menu summary:hover, .wl-menu[open] summary { background: var(--hover); }
.wl-avatar { width: 30px; height: 30px; border-radius: 50%; background: var(--brand-soft);
             color: var(--brand); font-weight: 700; font-size: 12px; display: inline-flex;
             align-items: center; justify-content: center; }
.wl-me-name { font-weight: 600; color: var(--ink); max-width: 180px; overflow: hidden;
              text-overflow: ellipsis; white-space: nowrap; }
.wl-role { font-size: 11px; font-weight: 600; color: var(--muted); background: var(--hover);
           border-radius: 999px; padding: 2px 8px; text-transform: uppercase;
           letter-spacing: .03em; }
.wl-menu-panel { position: absolute; right: 0; top: calc(100% + 6px); z-index: 50; width: 240px;
                 background: var(--panel); border: 1px solid var(--line); border-radius: 12px;
                 box-shadow: var(--shadow); padding: 6px; }
.wl-menu-who { padding: 8px 10px 10px; border-bottom: 1px solid var(--line); margin-bottom: 4px; }
.wl-menu-who strong { display: block; }
.wl-menu-who span { color: var(--muted); font-size: 12.5px; word-break: break-all; }
.wl-menu-panel a, .wl-menu-panel button { display: block; width: 100%; text-align: left;
    padding: 8px 10px; border-radius: 8px; border: 0; background: none; font: inherit;
    color: var(--ink); cursor: pointer; text-decoration: none; }
.wl-menu-panel a:hover, .wl-menu-panel button:hover { background: var(--hover); }
.wl-menu-panel form { margin: 0; }
.wl-menu-group { padding: 6px 10px 4px; border-top: 1px solid var(--line); margin-top: 4px; }
.wl-menu-group > span { display: block; font-size: 11.5px; font-weight: 600; color: var(--muted);
                        margin-bottom: 4px; }
.wl-menu-panel .wl-menu-choices { display: flex; gap: 4px; flex-wrap: wrap; }
.wl-menu-panel .wl-menu-choices button { width: auto; flex: 1; text-align: center; padding: 5px 6px;
    border: 1px solid var(--line); font-size: 12.5px; white-space: nowrap; }
.wl-menu-panel .wl-menu-choices button.on, :root[data-theme="light"] [data-theme-choice="light"],
:root[data-theme="dark"] [data-theme-choice="dark"],
:root:not([data-theme]) [data-theme-choice="system"] {
    border-color: var(--brand); color: var(--brand); background: var(--brand-soft); }
"""


@component
def AppBar(current: str) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The bar at the top of a page; `current` is the area the page belongs to."""
    services = use_services()
    _ = use_words()
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
               html.span({"class": "wl-logo-mark"}), PRODUCT),
        html.nav({"class": "wl-nav"}, [
            html.a({"key": key, "href": href, "class": "on" if key == current else "",
                    "data-nav": key}, _(label)) for key, label, href, _need in areas]),
        UserMenu(me) if me else "",
        BackToSignIn() if ended else ""), SendingBanner(services))


@component
def UserMenu(me: Json) -> Any:  # noqa: N802
    """Who is signed in (name, role), and a menu with their account, language, theme and
    signing out."""
    _ = use_words()
    name = display_name(me)
    role = _(ROLE_LABELS[me["role"]]) if me["role"] in ROLE_LABELS else me["role"] or ""
    return html.div(
        {"class": "wl-me"},
        "" if me["has_password"] else html.a(
            {"class": "wl-set-password", "href": "/account", "data-action": "set-password",
             "title": _("You signed in with a one-time link: set a password to sign in again")},
            _("Set a password")),
        html.details(
            {"class": "wl-menu", "data-menu": "account"},
            html.summary(html.span({"class": "wl-avatar"}, initials(name)),
                         html.span({"class": "wl-me-name", "data-me": me["email"]}, name),
                         html.span({"class": "wl-role", "data-role": me["role"]}, role)),
            html.div(
                {"class": "wl-menu-panel"},
                html.div({"class": "wl-menu-who"}, html.strong(name), html.span(me["email"])),
                html.a({"href": "/account", "data-action": "account"},
                       _("Account and password")),
                LanguageChoice(),
                html.div({"class": "wl-menu-group", "data-menu-group": "theme"},
                         html.span(_("Theme")),
                         html.div({"class": "wl-menu-choices"}, [
                             # The page shell's script handles these clicks (no round trip).
                             html.button({"key": key, "type": "button",
                                          "data-theme-choice": key}, _(label))
                             for key, label in THEMES])),
                # A plain form: the browser posts it with its same-origin Origin (CSRF-safe).
                html.form({"method": "post", "action": "/signout"},
                          html.button({"type": "submit", "data-action": "sign-out"},
                                      _("Sign out"))))))


@component
def LanguageChoice() -> Any:  # noqa: N802
    """한국어 / English: saved to the person, then the page loads again in it."""
    services = use_services()
    _ = use_words()
    location = use_location()
    reload_to, set_reload_to = use_state(None)
    problem, set_problem = use_state(None)

    def choose(language: str) -> Any:
        async def handle(*_args: Any) -> None:
            try:
                await asyncio.to_thread(services.set_language, language)
            except UiError as error:
                set_problem(error.message)
                return
            query = f"?{location.query_string.lstrip('?')}" if location.query_string else ""
            set_reload_to(f"{location.path}{query}")
        return handle

    return html.div(
        {"class": "wl-menu-group", "data-menu-group": "language"},
        html.span(_("Language")),
        html.div({"class": "wl-menu-choices"}, [
            html.button({"key": code, "type": "button", "lang": code, "data-language": code,
                         "class": "on" if code == _.language else "",
                         "aria-pressed": "true" if code == _.language else "false",
                         "onClick": choose(code)}, LANGUAGE_NAMES[code])
            for code in LANGUAGES]),
        html.div({"class": "wl-field-error", "role": "alert"}, problem) if problem else "",
        js_component("Navigate")({"to": reload_to}) if reload_to else "")


def display_name(me: Json) -> str:
    """The person's name as the bar shows it (the server's actor name adds the email)."""
    name, suffix = me["name"] or "", f" ({me['email']})"
    return name[:-len(suffix)] if me["email"] and name.endswith(suffix) else name


def initials(name: str) -> str:
    """Up to two letters for the avatar: 'Kim Minji' → 'KM'."""
    letters = [part[0] for part in name.split() if part]
    return "".join(letters[:2]).upper() or "?"
