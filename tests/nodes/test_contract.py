"""The node-kind contract, checked for every registered kind: a new kind is tested for free."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import fields
from datetime import UTC
from pathlib import Path

import msgspec
import pytest

import nodes
from nodes import default_registry
from nodes.kit import rules
from nodes.kit.spec import (
    Decision,
    Exit,
    Go,
    NodeSpec,
    StepContext,
    Trigger,
    WaitForEvent,
    WaitUntil,
)
from runtime.flow.effects import executors
from runtime.store.references import reference_kinds

CATALOGUE = {
    "entry.segment", "entry.event", "entry.date", "entry.api", "flow.condition", "flow.split",
    "flow.random", "flow.delay", "flow.wait_event", "action.send", "action.update", "flow.exit",
}

REGISTRY = default_registry()
SPECS = [spec for current in REGISTRY for spec in REGISTRY.versions(current.key)]
"""Every version of every kind: a published journey may run any of them."""
each_kind = pytest.mark.parametrize("spec", SPECS, ids=[f"{spec.key}@{spec.version}"
                                                        for spec in SPECS])
RELEASED = Path(__file__).with_name("released_versions.json")
"""Every (kind, version) a release has shipped, so journeys may be stamped with it."""


def config_schema(spec: NodeSpec) -> tuple[dict, dict]:
    """The config's own schema object and all the definitions it refers to."""
    schema = msgspec.json.schema(spec.config)
    defs = schema["$defs"]
    return defs[schema["$ref"].rsplit("/", 1)[-1]], defs


def decision_ports(decision: Decision) -> set[str]:
    """The ports a decision may send the customer through."""
    if isinstance(decision, Go | WaitUntil):
        return {decision.port}
    if isinstance(decision, WaitForEvent):
        return {decision.matched, decision.timeout}
    assert isinstance(decision, Exit)
    return set()


def test_the_whole_catalogue_is_registered() -> None:
    assert set(REGISTRY.keys()) >= CATALOGUE


def test_every_released_version_still_resolves() -> None:
    released = json.loads(RELEASED.read_text())
    for key, versions in released.items():
        for version in versions:
            spec = REGISTRY.resolve(key, version)
            assert spec is not None and spec.version == version, (key, version)


def test_every_current_version_is_recorded_as_released() -> None:
    """A new kind or version is added to released_versions.json in the same change, so it is
    held to resolving from then on."""
    released = json.loads(RELEASED.read_text())
    assert {spec.key: spec.version for spec in REGISTRY} == \
        {key: max(versions) for key, versions in released.items()}


@pytest.mark.parametrize("spec", [spec for spec in SPECS if spec.version > 1],
                         ids=lambda spec: f"{spec.key}@{spec.version}")
def test_a_version_upgrades_the_one_before(spec: NodeSpec) -> None:
    before = REGISTRY.resolve(spec.key, spec.version - 1)
    assert before is not None
    config = before.dump(before.example)
    if spec.upgrade is not None:
        config = spec.upgrade(config)
    assert spec.check(spec.parse(config)) == []


@each_kind
def test_module_file_is_named_after_the_key(spec: NodeSpec) -> None:
    origin = Path(REGISTRY.origin(spec.key))  # earlier versions live in the same file
    assert origin.name == spec.key.replace(".", "_") + ".py"
    assert origin.parent == Path(nodes.__file__).parent


@each_kind
def test_describes_itself_for_the_palette(spec: NodeSpec) -> None:
    assert isinstance(spec.version, int) and spec.version >= 1
    assert spec.label and spec.label[0].isupper()
    assert spec.description.endswith(".")
    assert re.fullmatch(r"#[0-9a-f]{6}", spec.color)
    assert re.fullmatch(r"[a-z][a-z0-9-]*", spec.icon)
    assert sys.modules[spec.config.__module__].__doc__


@each_kind
def test_example_round_trips_through_json(spec: NodeSpec) -> None:
    stored = msgspec.json.encode(spec.dump(spec.example))
    assert spec.parse(msgspec.json.decode(stored)) == spec.example


@each_kind
def test_unknown_fields_are_refused(spec: NodeSpec) -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        spec.parse({**spec.dump(spec.example), "colour": "red"})


@each_kind
def test_schema_is_a_form_with_titles_and_order(spec: NodeSpec) -> None:
    own, defs = config_schema(spec)
    assert own["additionalProperties"] is False
    orders = [prop.get("x-order") for prop in own["properties"].values()]
    assert all(prop.get("title") for prop in own["properties"].values()), own["properties"]
    assert None not in orders
    assert len(set(orders)) == len(orders)
    rule_language = {name for name in vars(rules) if name[:1].isupper()}
    for name, definition in defs.items():
        if name not in rule_language and "properties" in definition:
            assert all(prop.get("title") for prop in definition["properties"].values()), name


@each_kind
def test_example_has_no_problems(spec: NodeSpec) -> None:
    assert spec.check(spec.example) == []


@each_kind
def test_ports_are_unique_and_consistent(spec: NodeSpec) -> None:
    ports = spec.ports_for(spec.example)
    assert len({port.key for port in ports}) == len(ports)
    assert not any(port.required and port.optional for port in ports)
    assert spec.ports_for(None) == spec.ports_for(spec.example)


@each_kind
def test_run_decides_through_its_own_ports(spec: NodeSpec, ctx: StepContext) -> None:
    decision = spec.run(spec.example, ctx)
    assert isinstance(decision, Go | WaitUntil | WaitForEvent | Exit)
    assert decision_ports(decision) <= {port.key for port in spec.ports_for(spec.example)}
    if isinstance(decision, WaitUntil | WaitForEvent):
        assert decision.until.tzinfo is not None
        assert decision.until.utcoffset() == UTC.utcoffset(None)
        assert decision.until > ctx.now


@each_kind
def test_run_is_repeatable(spec: NodeSpec, ctx: StepContext) -> None:
    assert spec.run(spec.example, ctx) == spec.run(spec.example, ctx)


@each_kind
def test_entry_kinds_say_how_customers_enter(spec: NodeSpec) -> None:
    if spec.is_entry:
        assert spec.trigger is not None
        assert isinstance(spec.trigger(spec.example), Trigger)
        assert all(port.required for port in spec.ports_for(spec.example))
    else:
        assert spec.trigger is None


@each_kind
def test_refs_point_at_config_fields(spec: NodeSpec) -> None:
    own, _ = config_schema(spec)
    for ref in spec.refs(spec.example):
        assert ref.kind in reference_kinds()
        assert ref.field in own["properties"]


@each_kind
def test_effects_have_executors_and_their_ports_exist(spec: NodeSpec, ctx: StepContext) -> None:
    decision = spec.run(spec.example, ctx)
    ports = {port.key for port in spec.ports_for(spec.example)}
    for effect in getattr(decision, "effects", ()):
        assert type(effect) in executors(), type(effect).__name__
        for name in (field.name for field in fields(effect) if field.name.endswith("_port")):
            assert getattr(effect, name) in ports, name
