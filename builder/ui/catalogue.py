"""What the canvas needs to know about node kinds: the palette, forms, starter configs, ports.

Everything comes from the registry's specs (label, category, colour, icon, config schema with
its form hints, ports), so a new node kind appears in the palette and gets its form without any
UI change. Ports can depend on a node's config (a split's branches), so they are worked out per
node on every save rather than per kind.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from typing import Any

import msgspec

from builder.document import Settings
from builder.i18n import N_, Words, words
from nodes import NodeSpec, Registry
from nodes.kit.channel import Address, default_channels
from nodes.kit.sms import COUNTING

CATEGORY_ORDER = ("entry", "flow", "action")
CATEGORY_LABELS = {"entry": N_("Entries"), "flow": N_("Flow"), "action": N_("Actions")}
"""Palette sections' names (translated where they leave for a page)."""

SCHEMA_WORDS = ("title", "description")
"""The keys of a JSON schema whose values people read."""

ENGLISH = words("en")


def kinds(registry: Registry, _: Words = ENGLISH) -> list[dict[str, Any]]:
    """Every node kind as the palette and inspector use it, in palette order."""
    specs = sorted(registry, key=lambda spec: CATEGORY_ORDER.index(spec.category.value))
    return [_kind(spec, _) for spec in specs]


def categories(_: Words = ENGLISH) -> list[dict[str, str]]:
    """Palette sections."""
    return [{"key": key, "label": _(CATEGORY_LABELS[key])} for key in CATEGORY_ORDER]


def translated(schema: Any, _: Words) -> Any:
    """A JSON schema with its titles and descriptions in `_`'s language."""
    if isinstance(schema, Mapping):
        return {key: _(value) if key in SCHEMA_WORDS and isinstance(value, str)
                else translated(value, _) for key, value in schema.items()}
    if isinstance(schema, list):
        return [translated(value, _) for value in schema]
    return schema


def channels(_: Words = ENGLISH) -> list[dict[str, Any]]:
    """Every channel as the canvas words and treats it (`nodes/channels/`), in order."""
    return [{"key": spec.key, "label": _(spec.label), "name": _(spec.name), "noun": _(spec.noun),
             "article": spec.article, "icon": spec.icon, "color": spec.color,
             "fallback": spec.fallback.channel if spec.fallback else None,
             "measured": spec.measure is not None, "testToMe": spec.test_to_me,
             "testToTeam": spec.address is not Address.DEVICE,
             "call": spec.address is Address.URL} for spec in default_channels()]


def reference_kinds(registry: Registry) -> list[str]:
    """The reference kinds (`x-ref`: "coupon_pool", ...) the node kinds' pickers name, whose
    objects the editor loads for them."""
    return sorted({ref for spec in registry for ref in _refs(msgspec.json.schema(spec.config))})


def _refs(schema: Any) -> set[str]:
    if isinstance(schema, Mapping):
        found = {schema["x-ref"]} if isinstance(schema.get("x-ref"), str) else set()
        return found.union(*(_refs(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_refs(value) for value in schema))
    return set()


def text_counting() -> dict[str, int]:
    """SMS/LMS byte counting's parameters (`nodes.kit.sms.COUNTING`) for the live counter."""
    return dict(COUNTING)


def settings_schema(_: Words = ENGLISH) -> dict[str, Any]:
    """The journey settings form (re-entry, goal, exit criteria, time zone)."""
    return translated(_settings_schema(), _)


@cache
def _settings_schema() -> dict[str, Any]:
    return msgspec.json.schema(Settings)


def node_ports(document: Any, registry: Registry,
               _: Words = ENGLISH) -> dict[str, list[dict[str, Any]]]:
    """Each node's output ports, from its current config. A node whose ports come from its
    config (a split's paths) has none while that config is unreadable (a new split without
    paths): the example's would draw outputs the marketer never made."""
    ports: dict[str, list[dict[str, Any]]] = {}
    nodes = document.get("nodes") if isinstance(document, Mapping) else None
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, Mapping) or not isinstance(node.get("id"), str):
            continue
        spec = registry.get(node.get("type"))
        if spec is None:
            continue
        config = _config(spec, node)
        ports[node["id"]] = [] if config is None and callable(spec.ports) else [
            _port(port, _) for port in spec.ports_for(config)]
    return ports


def _config(spec: NodeSpec, node: Mapping[str, Any]) -> Any:
    data = node.get("data")
    raw = data.get("config") if isinstance(data, Mapping) else None
    try:
        return spec.parse(raw if isinstance(raw, Mapping) else {})
    except (msgspec.ValidationError, TypeError, ValueError):
        return None


def _port(port: Any, _: Words) -> dict[str, Any]:
    return {"key": port.key, "label": _(port.label), "required": port.required,
            "optional": port.optional}


def _kind(spec: NodeSpec, _: Words) -> dict[str, Any]:
    schema = msgspec.json.schema(spec.config)
    return {
        "key": spec.key, "label": _(spec.label), "category": spec.category.value,
        "description": _(spec.description), "color": spec.color, "icon": spec.icon,
        "version": spec.version, "entry": spec.is_entry, "schema": translated(schema, _),
        "starter": starter_config(spec, schema),
        "ports": [] if callable(spec.ports) else [_port(port, _) for port in spec.ports],
    }


def starter_config(spec: NodeSpec, schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A new node's config: only what its schema gives by default, so nothing a marketer did not
    choose looks chosen; required fields stay empty (a required list starts as an empty list) and
    the step's issues say what to fill. The kind's `example` is for the contract tests."""
    schema = schema or msgspec.json.schema(spec.config)
    root = schema["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    starter: dict[str, Any] = {}
    for name, field in root.get("properties", {}).items():
        if "default" in field:
            starter[name] = copy.deepcopy(field["default"])
        elif name in root.get("required", ()) and field.get("type") == "array":
            starter[name] = []
    return starter
