"""The registry: finds every node-kind module and indexes its specs by (key, version).

Discovery is by file: each module directly inside a kinds package (not a sub-package, not
starting with "_") must define `SPEC`, the kind as it is now, and may define `EARLIER`, the
versions it replaced, which stay so that a journey published with one keeps running it. A missing
spec, a duplicate key or version, or a gap in the versions fails at import with the file named,
so a broken kind never reaches a journey.

Adding version 2 of a kind: copy the spec as it is into `EARLIER` (with its own config and
`run` when they change), raise `SPEC`'s version and give it an `upgrade` that turns a version-1
config into a version-2 one with the same meaning. Published journeys keep version 1; drafts
are upgraded (`upgrade_config`) when they are published, cloned or imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from types import ModuleType
from typing import Any

from nodes.kit.discovery import Keyed, declarations
from nodes.kit.spec import NodeSpec

KEY_PATTERN = r"^(entry|flow|action)\.[a-z][a-z0-9_]*$"
"""Kind keys: the category, a dot, a lowercase name. Keys are permanent."""


class RegistryError(Exception):
    """A node-kind module is broken: no SPEC, a SPEC of the wrong type, or a duplicate key."""


class Registry(Keyed[NodeSpec]):
    """Node specs by key (as each kind is now), in discovery order, and every version of each."""

    def __init__(self, specs: Iterable[tuple[NodeSpec, str]] = ()) -> None:
        super().__init__()
        self._versions: dict[str, dict[int, NodeSpec]] = {}
        for spec, origin in specs:
            self.add(spec, origin)

    def add(self, spec: NodeSpec, origin: str, earlier: Iterable[NodeSpec] = ()) -> None:
        """Register one kind as it is now, and the versions it replaced; `origin` (its file) is
        named in errors."""
        self._check(spec, origin)
        versions = {spec.version: spec}
        for old in earlier:
            if old.key != spec.key or old.version in versions:
                raise RegistryError(f"{origin}: EARLIER holds {old.key!r} version {old.version}, "
                                    f"which is not an earlier version of {spec.key!r}")
            versions[old.version] = old
        if sorted(versions) != list(range(1, spec.version + 1)):
            raise RegistryError(f"{origin}: {spec.key!r} is at version {spec.version} but "
                                f"registers versions {sorted(versions)}: a journey published "
                                "with a missing version could not run; keep it in EARLIER")
        self._specs[spec.key] = spec
        self._files[spec.key] = origin
        self._versions[spec.key] = versions

    def _check(self, spec: NodeSpec, origin: str) -> None:
        if not re.match(KEY_PATTERN, spec.key):
            raise RegistryError(f"{origin}: key {spec.key!r} must look like 'flow.delay'")
        if not spec.key.startswith(spec.category.value + "."):
            raise RegistryError(
                f"{origin}: key {spec.key!r} must start with its category {spec.category.value!r}")
        if spec.key in self._specs:
            raise RegistryError(
                f"{origin}: node kind {spec.key!r} is already defined in {self._files[spec.key]}")

    @classmethod
    def discover(cls, *packages: str | ModuleType) -> Registry:
        """Import every kind module in the given packages and register its SPEC (and EARLIER)."""
        registry = cls()
        for package in packages:
            for spec, origin, module in declarations(package, "SPEC", NodeSpec, RegistryError,
                                                     "a node-kind module"):
                registry.add(spec, origin, getattr(module, "EARLIER", ()))
        return registry

    def resolve(self, key: str, version: int | None = None) -> NodeSpec | None:
        """The spec of a kind at a version (None: as it is now), or None when there is none."""
        if version is None:
            return self._specs.get(key)
        return self._versions.get(key, {}).get(version)

    def versions(self, key: str) -> list[NodeSpec]:
        """Every version of a kind, oldest first."""
        return [spec for _, spec in sorted(self._versions.get(key, {}).items())]

    def upgrade_config(self, key: str, version: int | None,
                       config: dict[str, Any]) -> dict[str, Any]:
        """A config of a kind's `version` brought up to the kind as it is now, step by step
        through each later version's `upgrade` (a version with none needs no change)."""
        for spec in self.versions(key):
            if version is not None and spec.version > version and spec.upgrade is not None:
                config = spec.upgrade(config)
        return config


@cache
def default_registry() -> Registry:
    """Every kind shipped in the `nodes` package, discovered once per process."""
    return Registry.discover("nodes")
