"""A secret shown once on the team page: a one-time sign-in link for a person, or a new API
key. It sits in a read-only box (select it by hand, or use the copy button) with what it is
for, until dismissed; Wayline keeps only its hash, so it can't be shown again."""

from __future__ import annotations

from typing import Any

from reactpy import component, html

from builder.ui.reactpy_glue import js_component, use_words

STYLE = """
.wl-secret { margin: 12px 0; padding: 12px 14px; border-radius: 10px;
             background: var(--violet-soft); border: 1px solid var(--violet-line); }
.wl-secret strong { display: block; margin-bottom: 4px; }
.wl-secret p { margin: 0 0 8px; color: var(--ink-2); }
.wl-secret .wl-row { margin: 0; }
.wl-secret .wl-row .wl-input { flex: 1; font-family: ui-monospace, SFMono-Regular, Menlo,
                               monospace; font-size: 12.5px; }
.wl-secret.warn { background: var(--warn-soft); border-color: var(--warn-line); }
"""


@component
def SecretBox(secret: str, title: str, note: str, dismiss: Any,  # noqa: N802 - PascalCase
              warn: bool = False, kind: str = "link") -> Any:
    """`secret` with its title and what to do with it, a copy button and a Done button."""
    _ = use_words()
    return html.div(
        {"class": f"wl-secret {'warn' if warn else ''}", "role": "status", "data-secret": kind},
        html.style(STYLE),
        html.strong(title), html.p(note),
        html.div({"class": "wl-row"},
                 html.input({"class": "wl-input", "readOnly": True, "value": secret,
                             "data-secret-value": kind}),
                 js_component("CopyButton")({"text": secret, "label": _("Copy")}),
                 html.button({"class": "wl-button", "type": "button", "data-action": "done",
                              "onClick": lambda *_args: dismiss()}, _("Done"))))
