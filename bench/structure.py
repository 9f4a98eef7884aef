"""Benchmark of the code's shape (issue 16's figures): how deep runtime's imports go, whether
they cycle, how many files know a channel's name, and what one extension costs.

Prints, for the checkout it runs in (or `--root`, e.g. an older checkout to compare with):
- runtime's import layers (the longest chain of imports between its modules) and its cycles;
- files under nodes/builder/runtime/server that mention "kakao", and those outside the channel
  modules;
- how many files name a reference kind ("coupon_pool") or an effect executor.

Run: .venv/bin/python bench/structure.py [--root PATH]
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import networkx as nx

PACKAGES = ("nodes", "builder", "runtime", "server")


def module_graph(root: Path, package: str) -> nx.DiGraph:
    """Modules of `package` and the imports between them (every import, lazy ones too)."""
    files = {".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"):
             path for path in (root / package).rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                while target not in files and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in files and target != name and not name.startswith(target + "."):
                    graph.add_edge(name, target)
    return graph


def layers(graph: nx.DiGraph) -> int:
    """The longest import chain, counting modules (cycles condensed to one module)."""
    return nx.dag_longest_path_length(nx.condensation(graph)) + 1


def mentioning(root: Path, word: str) -> list[Path]:
    return sorted(path for package in PACKAGES for path in (root / package).rglob("*")
                  if path.suffix in (".py", ".js", ".jsx") and "node_modules" not in path.parts
                  and word in path.read_text(errors="replace"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    root = parser.parse_args().root.resolve()
    runtime = module_graph(root, "runtime")
    cycles = [sorted(cycle) for cycle in nx.simple_cycles(runtime)]
    kakao = mentioning(root, "kakao")
    own = [path for path in kakao if "channels" in path.parts]
    print(f"checkout: {root}")
    print(f"runtime modules: {len(runtime)}; import layers: {layers(runtime)}; "
          f"cycles: {len(cycles)}" + (f" (largest: {max(cycles, key=len)})" if cycles else ""))
    print(f"files mentioning 'kakao': {len(kakao)} ({len(own)} of them channel modules)")
    print(f"files naming the coupon pool reference kind: {len(mentioning(root, 'coupon_pool'))}")


if __name__ == "__main__":
    main()
