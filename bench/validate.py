"""Benchmark: validate_journey on large journeys (the canvas validates on every change).

Builds a journey of N nodes — an entry, then repeating condition → delay → send blocks whose
"no" branches close onto shared exits — and prints the median time to validate it as JSON data,
with the build of the document excluded. Run: .venv/bin/python bench/validate.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.validation import validate_journey
from nodes import default_registry


def journey(size: int) -> dict:
    """A valid journey of about `size` nodes."""
    registry = default_registry()

    def node(node_id, kind, y):
        spec = registry[kind]
        return {"id": node_id, "type": kind, "position": {"x": 0, "y": y},
                "data": {"label": node_id, "config": spec.dump(spec.example)}}

    nodes = [node("entry", "entry.event", 0), node("exit", "flow.exit", 0)]
    edges, previous, index = [], "entry", 0
    while len(nodes) < size:
        cond, delay, send = f"c{index}", f"d{index}", f"s{index}"
        nodes += [node(cond, "flow.condition", index), node(delay, "flow.delay", index),
                  node(send, "action.send", index)]
        edges += [{"id": f"e{index}a", "source": previous, "target": cond,
                   "sourceHandle": "next"},
                  {"id": f"e{index}b", "source": cond, "target": delay, "sourceHandle": "yes"},
                  {"id": f"e{index}c", "source": cond, "target": "exit", "sourceHandle": "no"},
                  {"id": f"e{index}d", "source": delay, "target": send, "sourceHandle": "next"}]
        previous, index = send, index + 1
    edges.append({"id": "last", "source": previous, "target": "exit", "sourceHandle": "next"})
    return {"nodes": nodes, "edges": edges, "settings": {"timezone": "Asia/Seoul"}}


def measure(size: int, repeat: int) -> tuple[int, float]:
    """(node count, median milliseconds) for validating a journey of `size` nodes."""
    document = journey(size)
    assert validate_journey(document) == [], validate_journey(document)[:3]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        validate_journey(document)
        times.append((time.perf_counter() - start) * 1000)
    return len(document["nodes"]), statistics.median(times)


def main() -> None:
    """Print the figures."""
    print("validate_journey, median of repeated runs (document as JSON data)")
    for size, repeat in ((50, 200), (300, 50), (500, 50), (5000, 7)):
        count, median = measure(size, repeat)
        print(f"  {count:>5} nodes: {median:8.2f} ms")


if __name__ == "__main__":
    main()
