"""Reference kinds: the stored objects a node's config may name (`nodes.kit.spec.Ref`).

Each module in this package (not starting with "_") defines `REFERENCE`, a `ReferenceKind`: its
key (what `Ref.kind` says), its label, and the table its objects live in (a kind may declare its
own tables in its module). The registry drives every place that deals with references without
knowing which kinds exist: the validator's "doesn't exist any more" check (`missing`), "in use
by" refusals (`server.services.usage` reads `refs()` by kind), and the options a picker in the
inspector offers (`options`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.document import Node
from nodes import Registry
from nodes.kit.discovery import declarations
from nodes.kit.spec import Ref


@dataclass(frozen=True)
class ReferenceKind:
    """One kind of stored object nodes may name: its key, label and table (`model`: an ORM
    class with `id` and `name`). `describe` adds what a picker shows beside the name."""

    key: str
    label: str
    model: Any
    describe: Callable[[Session, Sequence[Any]], dict[int, dict[str, Any]]] | None = None


class ReferenceKindError(Exception):
    """A reference-kind module is broken: no REFERENCE, or a key defined twice."""


@cache
def reference_kinds() -> dict[str, ReferenceKind]:
    """Every reference kind in this package by key, discovered once per process."""
    found: dict[str, ReferenceKind] = {}
    for kind, origin, _ in declarations(__name__, "REFERENCE", ReferenceKind,
                                        ReferenceKindError, "a reference-kind module"):
        if kind.key in found:
            raise ReferenceKindError(f"{origin}: reference kind {kind.key!r} is already defined")
        found[kind.key] = kind
    return found


def document_refs(document: Any, registry: Registry) -> list[tuple[str, str, Ref]]:
    """(node id, node label, reference) for every stored object a document's nodes name.

    A node is read by its kind at the version it was published with (a draft's, as it is now).
    A node whose kind is unknown or whose config doesn't parse names nothing we can know of:
    the validator already reports it, and its references are found once it is fixed.
    """
    found: list[tuple[str, str, Ref]] = []
    nodes = document.get("nodes") if isinstance(document, Mapping) else None
    for item in nodes if isinstance(nodes, list) else []:
        try:
            node = msgspec.convert(item, Node)
            spec = registry.resolve(node.type, node.version) or registry[node.type]
            config = spec.parse(node.data.config)
        except (msgspec.ValidationError, KeyError):
            continue
        label = node.data.label or spec.label
        found.extend((node.id, label, ref) for ref in spec.refs(config))
    return found


def missing(session: Session, refs: Iterable[Ref]) -> set[tuple[str, int | str]]:
    """The (kind, id) of every reference whose object doesn't exist (or whose kind is unknown)."""
    wanted = {(ref.kind, ref.id) for ref in refs}
    found: set[tuple[str, int | str]] = set()
    for key, kind in reference_kinds().items():
        ids = {ref_id for ref_kind, ref_id in wanted if ref_kind == key}
        if ids:
            found |= {(key, ref_id) for ref_id in session.scalars(
                select(kind.model.id).where(kind.model.id.in_(ids)))}
    return wanted - found


def options(session: Session, key: str) -> list[dict[str, Any]]:
    """What a picker for a kind offers: each object's id and name (and what `describe` adds)."""
    kind = reference_kinds()[key]
    rows = list(session.scalars(select(kind.model).order_by(kind.model.name)))
    extra = kind.describe(session, rows) if kind.describe else {}
    return [{"id": row.id, "name": row.name, **extra.get(row.id, {})} for row in rows]
