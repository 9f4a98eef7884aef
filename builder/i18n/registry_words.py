"""The words people read that come from registries, not from marked calls: node kinds (label,
description, preview note, ports, every form field's title and help), the journey settings
form, and channels (label, name, noun, their template fields' titles and help). Translated
where they leave for a page (builder.ui.catalogue, the messages page), listed here so the
catalogues can be checked for them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from builder.document import Settings
from nodes import default_registry
from nodes.kit.channel import default_channels

SCHEMA_WORDS = ("title", "description", "x-row")
"""The keys of a JSON schema that hold words for people."""


def registry_words() -> Iterator[tuple[str, str]]:
    """Every registry word, with where it comes from."""
    for spec in default_registry():
        where = f"registry:node.{spec.key}"
        texts = [spec.label, spec.description, spec.preview_note]
        texts += [port.label for port in spec.ports_for(None)]
        texts += [port.label for port in spec.ports_for(spec.example)]
        texts += schema_words(msgspec.json.schema(spec.config))
        yield from ((text, where) for text in texts if text)
    yield from ((text, "registry:settings")
                for text in schema_words(msgspec.json.schema(Settings)))
    for channel in default_channels():
        texts = [channel.label, channel.name, channel.noun, channel.consent_noun,
                 *schema_words(channel.schema())]
        yield from ((text, f"registry:channel.{channel.key}") for text in texts if text)


def schema_words(schema: Any) -> list[str]:
    """The titles and descriptions anywhere in a JSON schema."""
    if isinstance(schema, dict):
        found = [schema[key] for key in SCHEMA_WORDS if isinstance(schema.get(key), str)]
        found += list((schema.get("x-labels") or {}).values())  # a choice's names
        return found + [text for value in schema.values() for text in schema_words(value)]
    if isinstance(schema, list):
        return [text for value in schema for text in schema_words(value)]
    return []
