"""The registry: finds every node-kind module and indexes its `SPEC` by key.

Discovery is by file: each module directly inside a kinds package (not a sub-package, not
starting with "_") must define `SPEC`. A missing spec or a duplicate key fails at import with
the file named, so a broken kind never reaches a journey.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable, Iterator
from functools import cache
from types import ModuleType

from nodes.kit.spec import NodeSpec

KEY_PATTERN = r"^(entry|flow|action)\.[a-z][a-z0-9_]*$"
"""Kind keys: the category, a dot, a lowercase name. Keys are permanent."""


class RegistryError(Exception):
    """A node-kind module is broken: no SPEC, a SPEC of the wrong type, or a duplicate key."""


class Registry:
    """Node specs by key, in discovery order."""

    def __init__(self, specs: Iterable[tuple[NodeSpec, str]] = ()) -> None:
        self._specs: dict[str, NodeSpec] = {}
        self._files: dict[str, str] = {}
        for spec, origin in specs:
            self.add(spec, origin)

    def add(self, spec: NodeSpec, origin: str) -> None:
        """Register one spec; `origin` (its file) is named in errors."""
        if not re.match(KEY_PATTERN, spec.key):
            raise RegistryError(f"{origin}: key {spec.key!r} must look like 'flow.delay'")
        if not spec.key.startswith(spec.category.value + "."):
            raise RegistryError(
                f"{origin}: key {spec.key!r} must start with its category {spec.category.value!r}")
        if spec.key in self._specs:
            raise RegistryError(
                f"{origin}: node kind {spec.key!r} is already defined in {self._files[spec.key]}")
        self._specs[spec.key] = spec
        self._files[spec.key] = origin

    @classmethod
    def discover(cls, *packages: str | ModuleType) -> Registry:
        """Import every kind module in the given packages and register its SPEC."""
        registry = cls()
        for package in packages:
            for module, origin in _kind_modules(package):
                spec = getattr(module, "SPEC", None)
                if spec is None:
                    raise RegistryError(f"{origin}: a node-kind module must define SPEC")
                if not isinstance(spec, NodeSpec):
                    raise RegistryError(
                        f"{origin}: SPEC must be a NodeSpec, not {type(spec).__name__}")
                registry.add(spec, origin)
        return registry

    def get(self, key: str) -> NodeSpec | None:
        """The spec for a key, or None for an unknown kind."""
        return self._specs.get(key)

    def __getitem__(self, key: str) -> NodeSpec:
        return self._specs[key]

    def __contains__(self, key: object) -> bool:
        return key in self._specs

    def __iter__(self) -> Iterator[NodeSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def keys(self) -> list[str]:
        """Every registered key, in discovery order."""
        return list(self._specs)

    def origin(self, key: str) -> str:
        """The file a kind was defined in."""
        return self._files[key]


def _kind_modules(package: str | ModuleType) -> Iterator[tuple[ModuleType, str]]:
    package = importlib.import_module(package) if isinstance(package, str) else package
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        if info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        yield module, module.__file__ or f"{package.__name__}.{info.name}"


@cache
def default_registry() -> Registry:
    """Every kind shipped in the `nodes` package, discovered once per process."""
    return Registry.discover("nodes")
