"""Form hints: the metadata a config or template field carries for the generated forms.

The inspector (node configs) and the Messages page (channel template fields) render fields from
their msgspec JSON schema; `hint` puts a marketer-facing title, limits and the form hints
(`x-widget`, `x-order`, `x-show-if`, and any other `x-` key a form reads) on a field.
"""

from __future__ import annotations

from typing import Any

import msgspec


def hint(title: str, *, description: str | None = None, widget: str | None = None,
         order: int | None = None, show_if: dict[str, Any] | None = None,
         extra: dict[str, Any] | None = None, ref: str | None = None,
         **limits: Any) -> msgspec.Meta:
    """Field metadata: a marketer-facing title, limits, and hints for the generated form.

    `show_if` maps another field to the values that show this one, e.g. `{"mode": ["duration"]}`.
    `ref` makes the field a picker of stored objects of that reference kind (its id is stored).
    """
    extra = {f"x-{key}": value for key, value in (extra or {}).items()}
    if widget:
        extra["x-widget"] = widget
    if ref:
        extra["x-widget"], extra["x-ref"] = "picker", ref
    if order is not None:
        extra["x-order"] = order
    if show_if:
        extra["x-show-if"] = show_if
    return msgspec.Meta(title=title, description=description, extra_json_schema=extra or None,
                        **limits)
