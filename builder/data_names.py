"""The customer attributes and event names a step's settings (or the journey's) refer to.

Found without knowing any node kind: rules name attributes (`attr` leaves) and events (`event`
leaves, whose property filters name the event's properties, not attributes), and any other
field says what it names with its form hint — `x-widget: "attribute-name"` or `"event-name"`
(the pickers the inspector shows for it). The validator checks the names against the data
(`builder.validation`'s `unknown_names` hook).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Annotated, Any, Literal, get_args, get_origin

import msgspec

from builder.i18n import N_
from nodes.kit.rules import Attr, EventCount

NameKind = Literal["attribute", "event"]
WIDGETS: dict[str, NameKind] = {"attribute-name": "attribute", "event-name": "event"}
"""Form hints that make a text field a picker of the workspace's attributes or events."""


Named = tuple[NameKind, str, str, str]
"""(kind, name, field path, the field's title) of one name a setting holds."""

CONDITION = N_("Condition")
"""How a message names a rule's leaf (it has no title of its own)."""


def names_in(value: Any, path: str, title: str = CONDITION) -> Iterator[Named]:
    """Each attribute or event a settings struct (or rule, or list of them) names."""
    if isinstance(value, Attr):
        yield "attribute", value.field, f"{path}.field", CONDITION
    elif isinstance(value, EventCount):
        yield "event", value.event, f"{path}.event", CONDITION
    elif isinstance(value, msgspec.Struct):
        yield from _struct_names(value, path)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from names_in(item, f"{path}[{index}]", title)


def _struct_names(value: msgspec.Struct, path: str) -> Iterator[Named]:
    for name, (key, widget, skip, title) in _hints(type(value)).items():
        item = getattr(value, name, None)
        where = f"{path}.{key}" if path else key
        if widget in WIDGETS and isinstance(item, str) and item:
            yield WIDGETS[widget], item, where, title
        elif not skip and item is not None:
            yield from names_in(item, where, title)


@cache
def _hints(struct: type[msgspec.Struct]) -> dict[str, tuple[str, str | None, bool, str]]:
    """Each field's attribute name → (its JSON name, its x-widget, whether to skip it: an
    event's property filters compare the event's properties, not the customer's attributes,
    its title)."""
    hints = {}
    for field in msgspec.structs.fields(struct):
        widget = _meta(field.type, "x-widget")
        title = _meta(field.type, "title") or field.encode_name
        hints[field.name] = (field.encode_name, widget, widget == "property-filters", title)
    return hints


def _meta(annotation: Any, key: str) -> str | None:
    """The `title` or an `x-` hint an annotation's metadata gives (the outermost wins)."""
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        for meta in reversed(metadata):  # nested Annotated flatten inner first
            if not isinstance(meta, msgspec.Meta):
                continue
            found = meta.title if key == "title" else (meta.extra_json_schema or {}).get(key)
            if found:
                return found
        return _meta(base, key)
    for arg in get_args(annotation):
        found = _meta(arg, key)
        if found:
            return found
    return None
