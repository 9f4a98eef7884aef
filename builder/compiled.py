"""A journey compiled to walk: validated once, configs parsed, where each port leads.

The runtime, previews and dry runs walk a `CompiledJourney`; `compile_journey` is the only way to
make one, and it refuses a document with errors (`InvalidJourneyError` lists them all).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import msgspec

from builder.document import Document, port_of
from builder.limits import CEILING
from builder.validation import validate_journey
from nodes import NodeSpec, Registry, default_registry
from nodes.kit.rules import EventCount


class InvalidJourneyError(Exception):
    """A document that does not pass validation; carries every issue."""

    def __init__(self, issues: list[Any]) -> None:
        self.issues = issues
        super().__init__("; ".join(issue.message for issue in issues[:5]))


@dataclass(frozen=True)
class CompiledJourney:
    """A valid document, ready to walk: parsed configs and where each port leads."""

    document: Document
    entry_id: str
    specs: Mapping[str, NodeSpec]
    configs: Mapping[str, Any]
    routes: Mapping[tuple[str, str], str]

    def leads_to(self, node_id: str, port: str) -> str | None:
        """The node a port leads to; None when the port is unconnected (the path ends)."""
        return self.routes.get((node_id, port))

    @cached_property
    def event_names(self) -> frozenset[str]:
        """Every event name the journey's rules count or its steps wait for (what to load of
        each customer's history)."""
        waited = {spec.waits_for(self.configs[node_id])
                  for node_id, spec in self.specs.items() if spec.waits_for is not None}
        return frozenset(name for config in self.configs.values()
                         for name in _counted(config)) | waited

    def label(self, node_id: str) -> str:
        """The marketer's label for a node (its kind's label when it has none)."""
        node = next(node for node in self.document.nodes if node.id == node_id)
        return node.data.label or self.specs[node_id].label


def _counted(value: Any):
    """Event names counted by the rules anywhere inside a config."""
    if isinstance(value, EventCount):
        yield value.event
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from _counted(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _counted(item)


def compile_journey(raw: Any, registry: Registry | None = None) -> CompiledJourney:
    """Validate and compile a document; raise InvalidJourneyError listing every error.

    Size and rule depth are held to the most any workspace may allow (`CEILING`): the document
    met the workspace's own limits when it was saved and published, and a limit lowered since
    must not strand the customers in a live journey.
    """
    registry = registry or default_registry()
    issues = [issue for issue in validate_journey(raw, registry=registry, limits=CEILING)
              if issue.severity == "error"]
    if issues:
        raise InvalidJourneyError(issues)
    document = raw if isinstance(raw, Document) else msgspec.convert(
        msgspec.json.decode(raw) if isinstance(raw, bytes | str) else raw, Document)
    specs = {node.id: registry.resolve(node.type, node.version) for node in document.nodes}
    configs = {node.id: specs[node.id].parse(node.data.config) for node in document.nodes}
    routes = {(edge.source, port_of(edge, specs[edge.source], configs[edge.source])): edge.target
              for edge in document.edges}
    entry_id = next(node.id for node in document.nodes if specs[node.id].is_entry)
    return CompiledJourney(document, entry_id, specs, configs, routes)
