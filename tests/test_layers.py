"""The import graph: packages and runtime's wings import one way (DESIGN.md §1, §11), no cycles.

Every import counts — at the top, inside a function, or for type checking only — because an
arrow against the direction is a design problem wherever it is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("nodes", "builder", "runtime", "server")

MAY_IMPORT = {
    "nodes": {"nodes"},
    "builder": {"builder", "nodes"},
    "runtime": {"runtime", "builder", "nodes"},
    "server": {"server", "runtime", "builder", "nodes"},
}
"""Which of our packages each package may import (DESIGN.md §1: nothing imports `server`)."""

WINGS = ("store", "customers", "audience", "flow", "messaging", "insight", "run")
"""runtime's wings, lowest first: a wing imports only wings before it (and the base modules)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The modules of ours a file imports (`from a import b` counts `a.b` when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def graph() -> nx.DiGraph:
    files = {module_name(path): path for package in PACKAGES
             for path in (ROOT / package).rglob("*.py") if "node_modules" not in path.parts}
    edges = nx.DiGraph()
    edges.add_nodes_from(files)
    for name, path in files.items():
        for target in imports_of(path):
            while target not in files and "." in target:
                target = target.rsplit(".", 1)[0]  # `from a import name`: the module is `a`
            if target in files and target != name and not name.startswith(target + "."):
                edges.add_edge(name, target)  # a package's own __init__ is not an arrow
    return edges


GRAPH = graph()


def wing(module: str) -> int | None:
    """The rank of a runtime module's wing; -1 for a base module, None outside runtime."""
    parts = module.split(".")
    if parts[0] != "runtime":
        return None
    return WINGS.index(parts[1]) if len(parts) > 1 and parts[1] in WINGS else -1


def test_the_graph_covers_every_package() -> None:
    assert {name.split(".")[0] for name in GRAPH} == set(PACKAGES)
    assert any(wing(name) == WINGS.index("run") for name in GRAPH)


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_one_way(package: str) -> None:
    wrong = [(source, target) for source, target in GRAPH.edges
             if source.split(".")[0] == package
             and target.split(".")[0] not in MAY_IMPORT[package]]
    assert wrong == []


def test_runtime_wings_import_downward_only() -> None:
    wrong = []
    for source, target in GRAPH.edges:
        here, there = wing(source), wing(target)
        if here is not None and there is not None and there > here:
            wrong.append(f"{source} -> {target}")
    assert wrong == []


def test_no_import_cycles() -> None:
    cycles = sorted(sorted(cycle) for cycle in nx.simple_cycles(GRAPH))
    assert cycles == []
