"""What changed between two journey documents: step by step and field by field (the canvas's
comparison of versions), and in a sentence a publisher reads at a glance (approvals, the audit
trail, restores): "2 steps changed: 'Reminder' (Subject), 'Wait' (Give up after); 1 added:
'Kakao nudge'; wire from 'Bought?' Did it moved from 'Reminder' to 'Kakao nudge'".

Steps are matched by id; wires by (step, port, step), and a port that leads somewhere else
now is one wire moved, not one removed and one added. Steps and fields are named as the
marketer sees them: the step's label (else its kind's), the form's field titles, port labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from builder.document import Settings
from builder.validation import field_titles, node_name
from nodes import NodeSpec, Registry, default_registry

IGNORED_NODE_KEYS = frozenset({"position", "version", "selected", "dragging", "measured",
                               "width", "height"})
"""Node fields that move with the canvas or publishing, not with what the journey does."""

NODE_FIELDS = {"type": "Kind of step", "data.label": "Name"}
"""What a step has besides its config, by path, as a comparison names it."""

NAMED_UP_TO = 3
"""A summary names up to this many steps of one sort ("and 2 more" after), and describes up
to this many wires one by one (more are counted)."""

TEXT_LIMIT = 80
"""A value longer than this is cut where a comparison shows it."""

Change = Literal["added", "removed", "changed"]
Nodes = Mapping[str, Mapping[str, Any]]
Wire = tuple[str, str | None, str]
"""A wire as (source step, port, target step)."""


class FieldChange(msgspec.Struct):
    """One field before and after: its path ("config.timeout", "reentry"), the form's label
    for it, the values, and how they read."""

    field: str
    label: str
    old: Any
    new: Any
    old_text: str
    new_text: str


class StepChange(msgspec.Struct):
    """A step added, removed or changed (with its fields, when changed)."""

    id: str
    change: Change
    label: str
    kind: str
    fields: list[FieldChange] = []


class WireChange(msgspec.Struct):
    """A wire added or removed, or moved: the same step's port leads to another step now."""

    change: Literal["added", "removed", "moved"]
    source: str
    port: str | None
    target: str | None
    """Where it leads now (None when removed)."""
    old_target: str | None
    """Where it led (None when added)."""
    edge_id: str | None
    """The wire's id in the newer document (the older one's when removed)."""
    text: str


class JourneyDiff(msgspec.Struct):
    """Everything that changed from one document to another, and the sentence saying it."""

    steps: list[StepChange]
    wires: list[WireChange]
    settings: list[FieldChange]
    summary: str


def diff_documents(old: Any, new: Any, registry: Registry | None = None) -> JourneyDiff:
    """What changed from `old` to `new` (either may be malformed: what can't be read is
    compared as it is)."""
    registry = registry or default_registry()
    before, after = _nodes(old), _nodes(new)
    steps = [_step(key, "removed", before[key], registry) for key in before
             if key not in after]
    steps += [_step(key, "added", after[key], registry) for key in after if key not in before]
    for key in after.keys() & before.keys():
        fields = _node_fields(before[key], after[key], registry)
        if fields:
            steps.append(_step(key, "changed", after[key], registry, fields))
    order = {key: index for index, key in enumerate([*after, *before])}
    steps.sort(key=lambda step: order[step.id])
    wires = _wire_changes(old, new, before, after, registry)
    settings = _field_changes(_mapping(old, "settings"), _mapping(new, "settings"),
                              field_titles(Settings), "")
    return JourneyDiff(steps=steps, wires=wires, settings=settings,
                       summary=_summary(steps, wires, settings, before, after))


def summarize_changes(old: Any, new: Any, registry: Registry | None = None) -> str:
    """The changes from `old` to `new` in words; `old` None means a first version."""
    if old is None:
        return f"first version ({len(_nodes(new))} steps)"
    return diff_documents(old, new, registry).summary


# --- steps ------------------------------------------------------------------------------------


def _nodes(document: Any) -> dict[str, Mapping[str, Any]]:
    nodes = document.get("nodes") if isinstance(document, Mapping) else None
    return {str(node.get("id")): node for node in nodes or [] if isinstance(node, Mapping)}


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _spec(node: Mapping[str, Any], registry: Registry) -> NodeSpec | None:
    kind = node.get("type")
    if not isinstance(kind, str):
        return None
    version = node.get("version")
    return (registry.resolve(kind, version) if isinstance(version, int) else None) \
        or registry.resolve(kind)


def _name(node_id: str, node: Mapping[str, Any], registry: Registry) -> str:
    label = _mapping(node, "data").get("label")
    return node_name(label if isinstance(label, str) else None, _spec(node, registry), node_id)


def _step(node_id: str, change: Change, node: Mapping[str, Any], registry: Registry,
          fields: list[FieldChange] | None = None) -> StepChange:
    spec = _spec(node, registry)
    return StepChange(id=node_id, change=change, label=_name(node_id, node, registry),
                      kind=spec.label if spec else str(node.get("type")), fields=fields or [])


def _node_fields(old: Mapping[str, Any], new: Mapping[str, Any],
                 registry: Registry) -> list[FieldChange]:
    """A step's changed fields: its kind, name and config fields, then anything else."""
    spec_old, spec_new = _spec(old, registry), _spec(new, registry)
    changes = []
    if old.get("type") != new.get("type"):
        changes.append(_field("type", NODE_FIELDS["type"], old.get("type"), new.get("type"),
                              spec_old.label if spec_old else None,
                              spec_new.label if spec_new else None))
    data_old, data_new = _mapping(old, "data"), _mapping(new, "data")
    if (data_old.get("label") or "") != (data_new.get("label") or ""):
        changes.append(_field("data.label", NODE_FIELDS["data.label"], data_old.get("label"),
                              data_new.get("label")))
    spec = spec_new or spec_old
    titles = field_titles(spec.config) if spec else {}
    changes += _field_changes(_mapping(data_old, "config"), _mapping(data_new, "config"),
                              titles, "config.")
    rest = ({**old, **new}.keys() - IGNORED_NODE_KEYS - {"id", "type", "data"})
    rest_data = {**data_old, **data_new}.keys() - {"label", "config"}
    changes += [_field(key, key, old.get(key), new.get(key)) for key in sorted(rest)
                if old.get(key) != new.get(key)]
    changes += [_field(f"data.{key}", key, data_old.get(key), data_new.get(key))
                for key in sorted(rest_data) if data_old.get(key) != data_new.get(key)]
    return changes


def _field_changes(old: Mapping[str, Any], new: Mapping[str, Any], titles: Mapping[str, str],
                   prefix: str) -> list[FieldChange]:
    """The fields that differ, in the form's order (fields it doesn't know last)."""
    keys = [*titles, *sorted(({**old, **new}.keys()) - titles.keys())]
    return [_field(prefix + key, titles.get(key, key), old.get(key), new.get(key))
            for key in keys if old.get(key) != new.get(key)]


def _field(path: str, label: str, old: Any, new: Any, old_text: str | None = None,
           new_text: str | None = None) -> FieldChange:
    return FieldChange(field=path, label=label, old=old, new=new,
                       old_text=old_text or value_text(old), new_text=new_text or value_text(new))


def value_text(value: Any) -> str:
    """A value as a comparison shows it: "not set", yes/no, text as it is, and lists and
    objects written out ("amount: 2, unit: hours", keys in order), cut at TEXT_LIMIT."""
    if value is None:
        return "not set"
    text = _written(value) or "empty"
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1] + "…"


def _written(value: Any, nested: bool = False) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        # Keys sorted: PostgreSQL's JSONB keeps an object's keys in an order of its own.
        text = ", ".join(f"{key}: {_written(item, True)}" for key, item in sorted(value.items()))
        return f"({text})" if nested else text
    if isinstance(value, list):
        text = ", ".join(_written(item, True) for item in value)
        return f"[{text}]" if nested else text
    return "not set" if value is None else str(value)


# --- wires ------------------------------------------------------------------------------------


def _wires(document: Any, nodes: Nodes, registry: Registry) -> dict[Wire, str | None]:
    """Each wire as (source, port, target) → its edge id; an edge naming no port leaves from
    its step's only port."""
    edges = document.get("edges") if isinstance(document, Mapping) else None
    wires: dict[Wire, str | None] = {}
    for edge in edges or []:
        if not isinstance(edge, Mapping):
            continue
        source = str(edge.get("source"))
        port = edge.get("sourceHandle")
        if port is None and source in nodes:
            only = list(_ports(nodes[source], registry))
            port = only[0] if len(only) == 1 else None
        wires[(source, port, str(edge.get("target")))] = edge.get("id")
    return wires


def _ports(node: Mapping[str, Any], registry: Registry) -> dict[str, str]:
    """A step's output ports, key → label, as its config makes them."""
    spec = _spec(node, registry)
    if spec is None:
        return {}
    try:
        config = spec.parse(_mapping(_mapping(node, "data"), "config"))
    except (msgspec.ValidationError, TypeError, ValueError):
        config = None
    return {port.key: port.label for port in spec.ports_for(config)}


def _wire_changes(old: Any, new: Any, before: Nodes, after: Nodes,
                  registry: Registry) -> list[WireChange]:
    old_wires, new_wires = _wires(old, before, registry), _wires(new, after, registry)
    removed = [wire for wire in old_wires if wire not in new_wires]
    changes = []
    for wire in (wire for wire in new_wires if wire not in old_wires):
        gone = next((old_wire for old_wire in removed if old_wire[:2] == wire[:2]), None)
        if gone is not None:
            removed.remove(gone)
        namer = _Namer(registry, after, before)
        changes.append(namer.wire("moved" if gone else "added", wire, gone and gone[2],
                                  new_wires[wire]))
    namer = _Namer(registry, before, after)
    changes += [namer.wire("removed", wire, wire[2], old_wires[wire]) for wire in removed]
    return changes


class _Namer:
    """Names steps and ports for a wire's words, looking in `first` then `then` (the document
    the wire is in, then the other)."""

    def __init__(self, registry: Registry, first: Nodes, then: Nodes) -> None:
        self.registry, self.first, self.then = registry, first, then

    def node(self, node_id: str) -> str:
        node = self.first.get(node_id) or self.then.get(node_id)
        return f"'{_name(node_id, node, self.registry) if node else node_id}'"

    def wire(self, change: Literal["added", "removed", "moved"], wire: Wire,
             old_target: str | None, edge_id: str | None) -> WireChange:
        source, port, target = wire
        node = self.first.get(source)
        ports = _ports(node, self.registry) if node else {}
        said_port = f" {ports.get(port, port)}" if len(ports) > 1 and port else ""
        head = f"wire from {self.node(source)}{said_port}"
        if change == "moved":
            old = (_Namer(self.registry, self.then, self.first).node(old_target)
                   if old_target else "?")
            text = f"{head} moved from {old} to {self.node(target)}"
        else:
            text = f"{head} to {self.node(target)} {change}"
        return WireChange(change=change, source=source, port=port,
                          target=None if change == "removed" else target,
                          old_target=None if change == "added" else old_target,
                          edge_id=edge_id, text=text)


# --- the sentence -----------------------------------------------------------------------------


def _summary(steps: list[StepChange], wires: list[WireChange], settings: list[FieldChange],
             before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    parts = []
    groups = [(change, [step for step in steps if step.change == change])
              for change in ("changed", "added", "removed")]
    groups = [(change, group) for change, group in groups if group]
    for index, (change, group) in enumerate(groups):
        count = f"{len(group)} step{'s' * (len(group) != 1)}" if index == 0 else str(len(group))
        parts.append(f"{count} {change}: {_named(group)}")
    # Wires to and from steps added or removed go with those steps; the rest are told.
    kept = before.keys() & after.keys()
    told = [wire for wire in wires if wire.source in kept
            and (wire.change == "moved" or (wire.target or wire.old_target) in kept)]
    if len(told) > NAMED_UP_TO:
        parts.append(f"{len(told)} wires changed")
    else:
        parts += [wire.text for wire in told]
    if settings:
        parts.append("settings changed: " + ", ".join(field.label for field in settings))
    return "; ".join(parts) or "no changes"


def _named(steps: list[StepChange]) -> str:
    names = [f"'{step.label}'" + (f" ({', '.join(field.label for field in step.fields)})"
                                  if step.fields else "") for step in steps[:NAMED_UP_TO]]
    more = len(steps) - NAMED_UP_TO
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")
