"""Contract tests every registered channel passes (nodes/channels/<key>.py), run for each."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pytest

from nodes.kit.channel import (
    COLUMNS,
    KEY_PATTERN,
    ChannelRegistry,
    ChannelRegistryError,
    ChannelSpec,
    default_channels,
    template_fields,
)

SPECS = list(default_channels())


@dataclass
class Draft:
    """A template as a channel reads it."""

    subject: str | None
    source: str
    options: dict[str, Any] = field(default_factory=dict)


def draft_of(spec: ChannelSpec) -> Draft:
    """The channel's example as a stored template (columns and options)."""
    values = msgspec.to_builtins(spec.example)
    return Draft(values.pop("subject", None), values.pop("source", ""), values)


@pytest.fixture(params=SPECS, ids=[spec.key for spec in SPECS])
def spec(request: pytest.FixtureRequest) -> ChannelSpec:
    return request.param


def test_the_channels_stored_data_names_stay_in_their_order() -> None:
    keys = default_channels().keys()
    assert keys[:5] == ["email", "sms", "kakao", "push", "webhook"]  # keys are permanent


def test_key_and_words(spec: ChannelSpec) -> None:
    import re
    assert re.match(KEY_PATTERN, spec.key)
    assert spec.label and spec.name and spec.noun and spec.article in ("a", "an")
    assert spec.color.startswith("#") and spec.icon


def test_example_fields_round_trip(spec: ChannelSpec) -> None:
    assert isinstance(spec.example, spec.fields)
    assert msgspec.convert(msgspec.to_builtins(spec.example), spec.fields) == spec.example


def test_schema_has_titles_and_an_order(spec: ChannelSpec) -> None:
    properties = spec.schema()["properties"]
    assert "source" in properties  # every template has its message
    for name, prop in properties.items():
        inner = next((p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"), prop)
        assert inner.get("title"), f"{spec.key}.{name} has no title"
        assert isinstance(inner.get("x-order"), int), f"{spec.key}.{name} has no x-order"
    orders = [next(p for p in prop.get("anyOf", [prop]) if p.get("type") != "null")["x-order"]
              for prop in properties.values()]
    assert len(set(orders)) == len(orders)


def test_options_are_the_fields_beside_the_columns(spec: ChannelSpec) -> None:
    assert set(spec.option_names) == set(spec.fields.__struct_fields__) - set(COLUMNS)
    assert template_fields(spec, draft_of(spec)).keys() <= set(spec.fields.__struct_fields__)


def test_the_example_is_a_template_that_can_be_saved(spec: ChannelSpec) -> None:
    assert spec.check(draft_of(spec)) == []
    spec.compile_check(draft_of(spec))


def test_parts_and_content_from_the_example(spec: ChannelSpec) -> None:
    draft = draft_of(spec)
    parts = list(spec.parts(draft))
    assert parts and all(isinstance(name, str) and isinstance(source, str)
                         and isinstance(escape, bool) for name, source, escape in parts)
    rendered = {name: ("{}" if name == "body" else "https://example.com/x" if name == "url"
                       else source) for name, source, _ in parts}
    content = spec.content("someone", rendered, draft)
    json.dumps(content)
    assert set(spec.ad_label) <= {"subject", "title", "text"}


def test_request_builder_makes_json_bodies(spec: ChannelSpec) -> None:
    if spec.request is None:
        pytest.skip(f"{spec.key} is not sent through an HTTP provider")
    draft = draft_of(spec)
    rendered = {name: source for name, source, _ in spec.parts(draft)}
    content = spec.content("010-1234-5678", rendered, draft)
    body = spec.request(7, content, {name: "x" for name in spec.account})
    assert json.loads(json.dumps(body))["message_id"] == 7


def test_an_empty_template_is_refused_with_a_field(spec: ChannelSpec) -> None:
    problems = spec.check(Draft(subject=None, source="", options={}))
    assert problems and all(p.field and p.message for p in problems)


def test_fallback_names_another_channel(spec: ChannelSpec) -> None:
    if spec.fallback:
        assert spec.fallback.channel in default_channels()
        assert spec.fallback.channel != spec.key


def test_the_registry_refuses_a_duplicate_naming_both_files() -> None:
    spec = SPECS[0]
    with pytest.raises(ChannelRegistryError, match="b.py.*already defined in a.py"):
        ChannelRegistry([(spec, "a.py"), (spec, "b.py")])
