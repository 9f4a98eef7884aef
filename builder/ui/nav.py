"""The app bar every page shares: the logo and the way to each area (journeys, messages,
customers, send rules), with the current one marked."""

from __future__ import annotations

from typing import Any

from reactpy import component, html

AREAS = (("journeys", "Journeys", "/"), ("messages", "Messages", "/messages"),
         ("customers", "Customers", "/customers"), ("settings", "Send rules", "/settings"))

STYLE = """
.wl-nav { display: flex; gap: 4px; margin-left: 18px; }
.wl-nav a { padding: 6px 12px; border-radius: 8px; color: var(--muted); text-decoration: none;
            font-weight: 500; }
.wl-nav a:hover { background: #f1f5f9; color: var(--ink); }
.wl-nav a.on { background: var(--brand-soft); color: var(--brand); }
"""


@component
def AppBar(current: str) -> Any:  # noqa: N802 - ReactPy components are PascalCase
    """The bar at the top of a page; `current` is the area the page belongs to."""
    return html.header(
        {"class": "wl-appbar"},
        html.style(STYLE),
        html.a({"class": "wl-logo", "href": "/", "style": {"textDecoration": "none"}},
               html.span({"class": "wl-logo-mark"}), "Wayline"),
        html.nav({"class": "wl-nav"}, [
            html.a({"key": key, "href": href, "class": "on" if key == current else "",
                    "data-nav": key}, label) for key, label, href in AREAS]))
