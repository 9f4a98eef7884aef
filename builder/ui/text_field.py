"""Text fields for ReactPy pages that are safe to type in, Korean IMEs and fast typists included.

ReactPy's inputs round-trip every key: the browser sends it, Python sets its state, and the
value Python renders is written back into the field. That echo is written mid-composition (a
Korean syllable is built over several keys: ㅈ → 자 → 장), so Hangul comes out garbled
("장ㅂ바구니"), and an echo of an older key lands after newer ones, so fast typing drops letters.
`text_field` is the bundle's `TextField` instead (src/text-field.jsx): the browser owns the text,
sends it as it changes (a composition once committed), and takes the `value` Python renders only
when Python really changed it (cleared it after a save, filled it in), never its own echo.

Use it as `html.input` is used, with the same attributes: `text_field({"class": "wl-input",
"value": name, "onChange": lambda e: set_name(e["target"]["value"])})`; the handler receives
`{"target": {"value": text}}`, as from a plain input. `multiline=True` makes a <textarea>.
"""

from __future__ import annotations

import inspect
from typing import Any

from builder.ui.reactpy_glue import js_component

_HANDLER_KEYS = ("onChange", "on_change")


def text_field(attributes: dict[str, Any], *, multiline: bool = False) -> Any:
    """An IME-safe <input> (or <textarea>) with `attributes` as html.input takes them."""
    attrs = dict(attributes)
    handler = next((attrs.pop(key) for key in _HANDLER_KEYS if key in attrs), None)
    value = attrs.pop("value", attrs.pop("defaultValue", ""))
    props: dict[str, Any] = {"value": "" if value is None else str(value), "attrs": attrs,
                             "multiline": multiline}
    if "key" in attrs:
        props["key"] = attrs.pop("key")
    if handler is not None:
        async def changed(text: str) -> None:
            await _call(handler, {"target": {"value": text}})

        props["onChange"] = changed
    return js_component("TextField")(props)


async def _call(handler: Any, event: dict[str, Any]) -> None:
    # A plain function takes the event; one made with reactpy.event() keeps it in `function`,
    # which takes the list of the event's arguments.
    function = getattr(handler, "function", None)
    result = function([event]) if function is not None else handler(event)
    if inspect.isawaitable(result):
        await result
