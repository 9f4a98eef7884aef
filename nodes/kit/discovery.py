"""What every one-file extension kit shares: finding the files, and holding what they declare.

An extension is a module directly inside its package (not a sub-package, not starting with
"_") that declares one attribute of a known type: a node kind's `SPEC`, a channel's `CHANNEL`,
an effect executor's `EXECUTOR`, a reference kind's `REFERENCE`. `declarations` imports each and
checks the attribute, naming the file when it is missing or of the wrong type; `Keyed` is the
read side of a registry of them by key.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import Generic, TypeVar

T = TypeVar("T")


def extension_modules(package: str | ModuleType) -> Iterator[tuple[ModuleType, str]]:
    """Each extension module of a package, imported, with its file, in name order."""
    package = importlib.import_module(package) if isinstance(package, str) else package
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        if info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        yield module, module.__file__ or f"{package.__name__}.{info.name}"


def declarations(package: str | ModuleType, attribute: str, kind: type[T],
                 error: type[Exception], what: str) -> Iterator[tuple[T, str, ModuleType]]:
    """(what each module declares as `attribute`, its file, the module); `error` names the file
    of a module (`what`: "a channel module") that declares nothing, or not a `kind`."""
    for module, origin in extension_modules(package):
        value = getattr(module, attribute, None)
        if value is None:
            raise error(f"{origin}: {what} must define {attribute}, a {kind.__name__}")
        if not isinstance(value, kind):
            raise error(f"{origin}: {attribute} must be a {kind.__name__}, not "
                        f"{type(value).__name__}")
        yield value, origin, module


class Keyed(Generic[T]):
    """Declarations by key, with the file each came from (the read side of a registry)."""

    def __init__(self) -> None:
        self._specs: dict[str, T] = {}
        self._files: dict[str, str] = {}

    def keep(self, key: str, spec: T, origin: str, error: type[Exception], what: str) -> None:
        """Register `spec` under `key`; `error` names both files when the key is taken."""
        if key in self._specs:
            raise error(f"{origin}: {what} {key!r} is already defined in {self._files[key]}")
        self._specs[key] = spec
        self._files[key] = origin

    def get(self, key: str) -> T | None:
        """The declaration for a key, or None for an unknown one."""
        return self._specs.get(key)

    def __getitem__(self, key: str) -> T:
        return self._specs[key]

    def __contains__(self, key: object) -> bool:
        return key in self._specs

    def __iter__(self) -> Iterator[T]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def keys(self) -> list[str]:
        """Every key, in the registry's order."""
        return list(self._specs)

    def origin(self, key: str) -> str:
        """The file a declaration came from."""
        return self._files[key]
