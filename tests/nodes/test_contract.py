"""The node-kind contract, checked for every registered kind: a new kind is tested for free."""

from __future__ import annotations

import re
import sys
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

CATALOGUE = {
    "entry.segment", "entry.event", "entry.date", "entry.api", "flow.condition", "flow.split",
    "flow.random", "flow.delay", "flow.wait_event", "action.send", "action.update", "flow.exit",
}

REGISTRY = default_registry()
SPECS = list(REGISTRY)
each_kind = pytest.mark.parametrize("spec", SPECS, ids=[spec.key for spec in SPECS])


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


@each_kind
def test_module_file_is_named_after_the_key(spec: NodeSpec) -> None:
    origin = Path(REGISTRY.origin(spec.key))
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
        assert ref.kind in {"template", "segment"}
        assert ref.field in own["properties"]
