"""The one validator: every problem in a journey document at once, with stable codes.

The canvas calls it live, publishing calls it, the runtime calls it when it loads a version.
It never stops at the first problem and never raises on bad input: malformed JSON, an unknown
kind or a wrong port each become an `Issue` naming the node, the field and the fix, in words a
marketer can act on. The graph checks run on networkx.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import suppress
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import networkx as nx

from builder.data_names import names_in
from builder.document import Document, Edge, Node, Note, Reentry, Settings, port_of
from builder.limits import (
    DEFAULT_LIMITS,
    MAX_NOTES,
    Limits,
    config_depth_problem,
    size_problem,
)
from builder.wording import humanize
from nodes import NodeSpec, Registry, default_registry
from nodes.kit.spec import Ref

Severity = Literal["error", "warning"]
S = TypeVar("S", bound=msgspec.Struct)


class Issue(msgspec.Struct, frozen=True, omit_defaults=True):
    """One problem: a stable code, where it is (node, field) and what to do, in plain words."""

    code: str
    message: str
    node_id: str | None = None
    field: str | None = None
    severity: Severity = "error"


CODES = {
    "document.invalid": "the document is not a journey (bad JSON, wrong shape, duplicate ids)",
    "journey.too_large": "more steps or connections than the workspace allows",
    "rule.too_deep": "a rule's groups (or a step's settings) nest deeper than allowed",
    "settings.invalid": "a journey setting has a wrong value",
    "node.unknown_kind": "a node's type is not a known node kind",
    "config.invalid": "a node's settings are missing or wrong",
    "graph.no_entry": "no entry node",
    "graph.many_entries": "more than one entry node",
    "graph.cycle": "steps loop back on themselves",
    "graph.unreachable": "a node no customer can reach",
    "port.unconnected": "an output leads nowhere",
    "port.unknown": "an edge leaves from an output the node does not have",
    "edge.not_allowed": "a connection that may not be made",
    "ref.missing": "a template or segment the node uses does not exist",
    "send.no_payload": "a message reads event values in a journey entered with no event",
    "send.payload_not_required": "a message reads a payload field the entry doesn't require",
    "send.no_opt_out_line": "a marketing text with no opt-out line set for the workspace",
    "send.sender_unknown": "a send step picks a sender the workspace does not have",
    "send.sender_not_registered": "a send step's sender is pending or rejected, not registered",
    "send.no_sender": "a channel that really sends has no registered sender to send from",
    "send.no_sender_name": "advertising from a sender with no name to put after the label",
    "send.ad_label": "an advertisement writes an altered label, or is an image only",
    "send.template_not_approved": "an AlimTalk template Kakao has not approved for its text",
    "send.alimtalk_promotional": "an AlimTalk text that reads as advertising",
    "send.brand_not_eligible": "a Brand Message targeting M or N from a Kakao profile Kakao "
                               "does not allow to (50,000 friends and an 080 number)",
    "data.unknown_attribute": "a rule or step names an attribute no customer has",
    "data.unknown_event": "a rule or step names an event that never arrived",
}
"""Every issue code and what it means. Codes are a contract: never rename one."""

MissingRefs = Callable[[Sequence[Ref]], set[tuple[str, int | str]]]
"""Given references, return the (kind, id) pairs that do not exist (one query per kind)."""

UnknownNames = Callable[[Collection[str], Collection[str]], tuple[set[str], set[str]]]
"""Given attribute and event names, return (the attributes no customer has, the events that
never arrived)."""

def validate_journey(raw: Any, registry: Registry | None = None,
                     missing_refs: MissingRefs | None = None,
                     limits: Limits = DEFAULT_LIMITS,
                     unknown_names: UnknownNames | None = None) -> list[Issue]:
    """Every issue in a journey document (JSON text, bytes, data or a Document); a journey
    larger than `limits` allow is refused on that alone, before any step is walked. With
    `unknown_names`, attributes and events the workspace's data lacks are warned about."""
    registry = registry or default_registry()
    data, issues = _decode(raw)
    if data is None:
        return issues
    too_large = size_problem(data, limits)
    if too_large is not None:
        field, message = too_large
        return [*issues, Issue("journey.too_large", message, field=field)]
    nodes = _nodes(data.get("nodes", []), issues)
    edges = _edges(data.get("edges", []), issues)
    issues += _settings_issues(data.get("settings", {}))
    configs = {node.id: _config(node, registry, issues, limits) for node in nodes}
    issues += _graph_issues(nodes, edges, registry, configs)
    if missing_refs is not None:
        issues += _ref_issues(nodes, registry, configs, missing_refs)
    if unknown_names is not None:
        issues += _name_issues(nodes, registry, configs, data.get("settings", {}), unknown_names)
    return issues


def data_issues(raw: Any, registry: Registry | None, unknown_names: UnknownNames) -> list[Issue]:
    """Only the warnings about attributes and events the data lacks (`data.*` codes)."""
    return [issue for issue in validate_journey(raw, registry, unknown_names=unknown_names)
            if issue.code in DATA_CODES]


DATA_CODES = frozenset({"data.unknown_attribute", "data.unknown_event"})
"""The codes of warnings drawn from the workspace's data rather than the document alone."""


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when any issue is an error (warnings don't block publishing)."""
    return any(issue.severity == "error" for issue in issues)


# --- the document's shape ----------------------------------------------------------------------


def _decode(raw: Any) -> tuple[dict[str, Any] | None, list[Issue]]:
    if isinstance(raw, Document):
        return msgspec.to_builtins(raw), []
    if isinstance(raw, bytes | str):
        try:
            raw = msgspec.json.decode(raw)
        except msgspec.DecodeError as error:
            return None, [Issue("document.invalid", f"This is not valid JSON: {error}.")]
        except RecursionError:  # msgspec's own guard, raised cleanly before the stack runs out
            return None, [Issue("rule.too_deep", "This journey nests lists and objects "
                                "thousands of levels deep; no journey goes that deep.")]
    if not isinstance(raw, Mapping):
        return None, [Issue("document.invalid",
                            "A journey is a JSON object with 'nodes', 'edges' and 'settings'.")]
    issues = [Issue("document.invalid", f"'{key}' is not part of a journey; remove it.", field=key)
              for key in raw if key not in PARTS]
    for key in PARTS:
        if key in raw and not isinstance(raw[key], PARTS[key]):
            issues.append(Issue("document.invalid", f"'{key}' must be a JSON "
                                f"{'object' if key == 'settings' else 'list'}.", field=key))
    data = {key: raw[key] for key in PARTS if key in raw and isinstance(raw[key], PARTS[key])}
    issues += _note_issues(data.pop("notes", []))
    return data, issues


PARTS: dict[str, type] = {"nodes": list, "edges": list, "settings": Mapping, "notes": list}
"""A document's parts and their JSON types (sticky notes are checked here and go no further:
nothing but the canvas reads them)."""


def _note_issues(items: list[Any]) -> list[Issue]:
    count, most = len(items), MAX_NOTES
    if count > most:
        return [Issue("document.invalid", f"This journey has {count:,} sticky notes; a journey "
                      f"may have at most {most:,}. Delete the ones no longer needed.",
                      field="notes")]
    issues: list[Issue] = []
    for index, item in enumerate(items):
        try:
            msgspec.convert(item, Note)
        except msgspec.ValidationError as error:
            field, message = humanize(error)
            number = index + 1
            issues.append(Issue("document.invalid", f"Sticky note #{number}: {message}.",
                                field=f"notes[{index}]" + (f".{field}" if field else "")))
    return issues


def _nodes(items: list[Any], issues: list[Issue]) -> list[Node]:
    nodes: list[Node] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        node_id = item.get("id") if isinstance(item, Mapping) else None
        node_id = node_id if isinstance(node_id, str) else None
        try:
            node = msgspec.convert(item, Node)
        except msgspec.ValidationError as error:
            field, message = humanize(error)
            issues.append(Issue("document.invalid", f"Node {node_id or f'#{index + 1}'}: "
                                f"{message}.", node_id, field or f"nodes[{index}]"))
            continue
        if node.id in seen:
            issues.append(Issue("document.invalid", f"Two nodes have the id '{node.id}'; "
                                "ids must be unique.", node.id, "id"))
            continue
        seen.add(node.id)
        nodes.append(node)
    return nodes


def _edges(items: list[Any], issues: list[Issue]) -> list[Edge]:
    edges: list[Edge] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        try:
            edge = msgspec.convert(item, Edge)
        except msgspec.ValidationError as error:
            field, message = humanize(error)
            issues.append(Issue("document.invalid", f"Connection #{index + 1}: {message}.",
                                None, field or f"edges[{index}]"))
            continue
        if edge.id in seen:
            issues.append(Issue("document.invalid", f"Two connections have the id '{edge.id}'.",
                                edge.source, f"edges[{index}].id"))
            continue
        seen.add(edge.id)
        edges.append(edge)
    return edges


def _settings_issues(raw: Mapping[str, Any]) -> list[Issue]:
    settings, issues = _convert(Settings, raw, "settings.invalid", None, "Journey settings",
                                "settings.")
    if settings is None:
        return issues
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        issues.append(Issue("settings.invalid", f"Journey settings: '{settings.timezone}' is not "
                            "a time zone; pick one like Asia/Seoul.", None, "settings.timezone"))
    if settings.reentry is Reentry.AFTER and settings.reentry_after is None:
        issues.append(Issue("settings.invalid", "Journey settings: choose after how long a "
                            "customer may enter again.", None, "settings.reentry_after"))
    return issues


# --- node configs --------------------------------------------------------------------------------


def _config(node: Node, registry: Registry, issues: list[Issue], limits: Limits) -> Any:
    spec = registry.resolve(node.type, node.version)
    too_deep = config_depth_problem(node.data.config, limits)
    if too_deep is not None:  # checked first: reading the config would recurse that deep
        issues.append(Issue("rule.too_deep", f"{_name(node, spec)}: {too_deep[1]}.", node.id,
                            too_deep[0]))
    if spec is None and node.type in registry:
        issues.append(Issue("node.unknown_version", f"{_name(node, None)}: version "
                            f"{node.version} of '{node.type}' is not one this Wayline knows "
                            f"(it has {registry[node.type].version}); publish a fresh copy.",
                            node.id, "version"))
        return None
    if spec is None:
        known = ", ".join(registry.keys())
        issues.append(Issue("node.unknown_kind", f"{_name(node, None)}: '{node.type}' is not a "
                            f"kind of step Wayline knows. Known kinds: {known}.", node.id, "type"))
        return None
    if too_deep is not None:
        return None
    label = _name(node, spec)
    config, problems = _convert(spec.config, node.data.config, "config.invalid", node.id, label,
                                "config.")
    issues += problems
    if config is None:
        return None
    issues += [Issue("config.invalid", f"{label}: {problem.message}", node.id,
                     f"config.{problem.field}") for problem in spec.check(config)]
    return config


def _convert(struct: type[S], raw: Any, code: str, node_id: str | None, label: str,
             prefix: str) -> tuple[S | None, list[Issue]]:
    """The struct built from data, or None and every problem (each field checked on its own)."""
    if not isinstance(raw, Mapping):
        return None, [Issue(code, f"{label}: settings must be a JSON object.", node_id,
                            prefix[:-1])]
    try:
        return msgspec.convert(raw, struct), []
    except msgspec.ValidationError as error:
        whole = error  # msgspec stops at the first problem; find the others field by field
    issues = _field_issues(struct, raw, code, node_id, label, prefix, "")
    if not issues:  # every field is fine alone: the struct as a whole is not
        path, message = humanize(whole)
        issues.append(Issue(code, f"{label}: {message}.", node_id, prefix + (path or "")))
    return None, issues


def _field_issues(struct: type[msgspec.Struct], raw: Mapping[str, Any], code: str,
                  node_id: str | None, label: str, prefix: str, within: str) -> list[Issue]:
    """Every wrong field of a struct, going into nested structs (e.g. a duration's parts)."""
    fields = _fields(struct)
    issues = [Issue(code, f"{label}: {within}'{key}' is not a setting of this step; remove it.",
                    node_id, prefix + key) for key in raw if key not in fields]
    for name, (annotation, required, title, nested) in fields.items():
        if name not in raw:
            if required:
                issues.append(Issue(code, f"{label}: {within}'{title}' is required.", node_id,
                                    prefix + name))
            continue
        if nested is not None and isinstance(raw[name], Mapping):
            issues += _field_issues(nested, raw[name], code, node_id, label,
                                    f"{prefix}{name}.", f"{within}'{title}' → ")
            continue
        try:
            msgspec.convert(raw[name], annotation)
        except msgspec.ValidationError as error:
            path, message = humanize(error)
            choices = _choices(annotation)
            if choices and not path:
                message = f"can't be {raw[name]!r}; choose {', '.join(choices)}"
            where = f"{within}'{title}'" + (f" ({path})" if path else "")
            issues.append(Issue(code, f"{label}: {where} {message}.", node_id,
                                prefix + name + (f".{path}" if path else "")))
    return issues


def field_titles(struct: type[msgspec.Struct]) -> dict[str, str]:
    """Each field's marketer-facing title (the form's label) by its JSON name."""
    return {name: title for name, (_, _, title, _) in _fields(struct).items()}


@cache
def _fields(struct: type[msgspec.Struct]) -> dict[str, tuple[Any, bool, str, type | None]]:
    """Each field by JSON name: (type, required, title, nested struct). Cached: slow to compute."""
    return {field.encode_name: (field.type, field.required, _title(field.type) or field.name,
                                _nested_struct(field.type))
            for field in msgspec.structs.fields(struct)}


def _choices(annotation: Any) -> list[str]:
    """The allowed values of an enum field (optional or not); empty for anything else."""
    if get_origin(annotation) is Annotated:
        return _choices(get_args(annotation)[0])
    options = [arg for arg in get_args(annotation) if arg is not type(None)] or [annotation]
    if len(options) == 1 and get_origin(options[0]) is Annotated:
        return _choices(options[0])
    if len(options) == 1 and isinstance(options[0], type) and issubclass(options[0], Enum):
        return [member.value for member in options[0]]
    return []


def _nested_struct(annotation: Any) -> type[msgspec.Struct] | None:
    """The plain (untagged) struct a field holds, optionally or not; None for anything else."""
    if get_origin(annotation) is Annotated:
        return _nested_struct(get_args(annotation)[0])
    options = [arg for arg in get_args(annotation) if arg is not type(None)] or [annotation]
    if len(options) == 1 and isinstance(options[0], type) and \
            issubclass(options[0], msgspec.Struct) and options[0].__struct_config__.tag is None:
        return options[0]
    if len(options) == 1 and get_origin(options[0]) is Annotated:
        return _nested_struct(options[0])
    return None


def _title(annotation: Any) -> str | None:
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        for meta in metadata:
            if isinstance(meta, msgspec.Meta) and meta.title:
                return meta.title
        return _title(base)
    for arg in get_args(annotation):
        title = _title(arg)
        if title:
            return title
    return None


def _name(node: Node, spec: NodeSpec | None) -> str:
    return node_name(node.data.label, spec, node.id)


def node_name(label: str | None, spec: NodeSpec | None, node_id: str) -> str:
    """How messages name a node: its label, else its kind's label, else its id."""
    return label or (spec.label if spec else "") or node_id


# --- the graph -----------------------------------------------------------------------------------


def _graph_issues(nodes: list[Node], edges: list[Edge], registry: Registry,
                  configs: Mapping[str, Any]) -> list[Issue]:
    by_id = {node.id: node for node in nodes}
    specs = {node.id: registry.resolve(node.type, node.version) for node in nodes}
    graph = nx.DiGraph()
    graph.add_nodes_from(by_id)
    issues: list[Issue] = []
    used: dict[tuple[str, str], str] = {}
    for edge in edges:
        issues += _edge_issues(edge, by_id, specs, configs, used)
        if edge.source in by_id and edge.target in by_id:
            graph.add_edge(edge.source, edge.target)
    entries = [node for node in nodes if specs[node.id] and specs[node.id].is_entry]
    issues += _entry_issues(entries, specs)
    issues += _cycle_issues(graph, by_id, specs)
    if entries:
        reachable = nx.descendants(graph, entries[0].id) | {entries[0].id}
        issues += [Issue("graph.unreachable", "No customer can reach "
                         f"{_name(node, specs[node.id])!r}; connect it or delete it.",
                         node.id, severity="warning")
                   for node in nodes if node.id not in reachable and node not in entries]
    issues += _port_issues(nodes, specs, configs, used)
    return issues


def _edge_issues(edge: Edge, by_id: Mapping[str, Node], specs: Mapping[str, NodeSpec | None],
                 configs: Mapping[str, Any], used: dict[tuple[str, str], str]) -> list[Issue]:
    where = f"edges[{edge.id}]"
    missing = [end for end in (edge.source, edge.target) if end not in by_id]
    if missing:
        return [Issue("edge.not_allowed", f"A connection points to a step that doesn't exist "
                      f"({', '.join(missing)}); delete the connection.",
                      edge.source if edge.source in by_id else None, where)]
    source, target = by_id[edge.source], by_id[edge.target]
    spec, target_spec = specs[source.id], specs[target.id]
    issues: list[Issue] = []
    if target_spec and target_spec.is_entry:
        issues.append(Issue("edge.not_allowed", "Nothing can lead into "
                            f"{_name(target, target_spec)!r}: an entry is where customers start.",
                            target.id, where))
    if spec is None:
        return issues
    port = port_of(edge, spec, configs.get(source.id))
    ports = {item.key: item for item in spec.ports_for(configs.get(source.id))}
    if port not in ports:
        shown = "no output" if port is None else f"'{port}'"
        names = ", ".join(f"'{key}'" for key in ports) or "none"
        return issues + [Issue("port.unknown", f"{_name(source, spec)}: a connection leaves from "
                               f"{shown}, but this step's outputs are {names}.", source.id, where)]
    if (source.id, port) in used:
        other = by_id[used[(source.id, port)]]
        issues.append(Issue("edge.not_allowed", f"{_name(source, spec)}: '{ports[port].label}' "
                            f"already leads to {_name(other, specs[other.id])!r}; one output leads "
                            "to one step (add a split to branch).", source.id, where))
    else:
        used[(source.id, port)] = target.id
    return issues


def _entry_issues(entries: list[Node], specs: Mapping[str, NodeSpec | None]) -> list[Issue]:
    if not entries:
        return [Issue("graph.no_entry", "The journey has no entry. Add one from the palette "
                      "(a segment, an event, a date or an API call) to say who enters.")]
    first = _name(entries[0], specs[entries[0].id])
    return [Issue("graph.many_entries", f"{_name(node, specs[node.id])!r} is a second entry; a "
                  f"journey starts at one entry ({first!r}). Delete one, or combine audiences "
                  "in one rule.", node.id) for node in entries[1:]]


def _cycle_issues(graph: nx.DiGraph, by_id: Mapping[str, Node],
                  specs: Mapping[str, NodeSpec | None]) -> list[Issue]:
    issues: list[Issue] = []
    for component in nx.strongly_connected_components(graph):
        members = sorted(component)
        if len(members) == 1 and not graph.has_edge(members[0], members[0]):
            continue
        loop = [source for source, _ in nx.find_cycle(graph.subgraph(members))]
        path = " → ".join(_name(by_id[item], specs[item]) for item in loop + loop[:1])
        issues += [Issue("graph.cycle", f"{_name(by_id[item], specs[item])!r} is in a loop "
                         f"({path}); journeys only move forward. Remove a connection in the loop.",
                         item) for item in members]
    return issues


def _port_issues(nodes: list[Node], specs: Mapping[str, NodeSpec | None],
                 configs: Mapping[str, Any], used: Mapping[tuple[str, str], str]) -> list[Issue]:
    issues: list[Issue] = []
    for node in nodes:
        spec = specs[node.id]
        if spec is None or configs.get(node.id) is None:
            continue
        for port in spec.ports_for(configs[node.id]):
            if (node.id, port.key) in used or port.optional:
                continue
            if port.required:
                issues.append(Issue("port.unconnected", f"{_name(node, spec)}: connect "
                                    f"'{port.label}' to the next step.", node.id,
                                    f"ports.{port.key}"))
            else:
                issues.append(Issue("port.unconnected", f"{_name(node, spec)}: customers who take "
                                    f"'{port.label}' leave the journey here.", node.id,
                                    f"ports.{port.key}", "warning"))
    return issues


def _ref_issues(nodes: list[Node], registry: Registry, configs: Mapping[str, Any],
                missing_refs: MissingRefs) -> list[Issue]:
    refs: dict[str, list[Ref]] = defaultdict(list)
    for node in nodes:
        spec = registry.resolve(node.type, node.version)
        if spec is not None and configs.get(node.id) is not None:
            refs[node.id] = spec.refs(configs[node.id])
    missing = missing_refs([ref for items in refs.values() for ref in items])
    return [Issue("ref.missing", f"{_name(node, registry.resolve(node.type, node.version))}: "
                  f"the {ref.kind} #{ref.id} doesn't exist any more; pick another.", node.id,
                  f"config.{ref.field}")
            for node in nodes for ref in refs.get(node.id, []) if (ref.kind, ref.id) in missing]



def _name_issues(nodes: list[Node], registry: Registry, configs: Mapping[str, Any],
                 settings: Any, unknown_names: UnknownNames) -> list[Issue]:
    """Warnings for each attribute no customer has and event that never arrived (never errors:
    a journey may be built before its data arrives)."""
    named = [(node.id, _name(node, registry.resolve(node.type, node.version)), item)
             for node in nodes if configs.get(node.id) is not None
             for item in names_in(configs[node.id], "config")]
    with suppress(msgspec.ValidationError):  # already reported as settings.invalid
        named += [(None, "Journey settings", item)
                  for item in names_in(msgspec.convert(settings, Settings), "settings")]
    if not named:
        return []
    unknown = dict(zip(("attribute", "event"), unknown_names(
        {name for _, _, (kind, name, _, _) in named if kind == "attribute"},
        {name for _, _, (kind, name, _, _) in named if kind == "event"}), strict=True))
    return [_unknown_name(kind, name, step, title, node_id, path)
            for node_id, step, (kind, name, path, title) in named if name in unknown[kind]]


def _unknown_name(kind: str, name: str, step: str, title: str, node_id: str | None,
                  path: str) -> Issue:
    if kind == "attribute":
        return Issue("data.unknown_attribute", f"{step}: no customer has the attribute "
                     f"'{name}' yet (in '{title}'); check the spelling, or import customers "
                     "who have it.", node_id, path, "warning")
    return Issue("data.unknown_event", f"{step}: the event '{name}' has never arrived (in "
                 f"'{title}'); check the spelling, or send one to see it here.", node_id, path,
                 "warning")
