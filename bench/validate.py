"""Benchmark: validate_journey on large journeys (the canvas validates on every change), and
how fast it refuses journeys past the limits (builder.limits).

Builds a journey of N nodes — an entry, then repeating condition → delay → send blocks whose
"no" branches close onto shared exits — and prints the median time to validate it as JSON data,
with the build of the document excluded: up to 500 nodes under the default limits, 2,000 under
the most the settings allow. Then the median time to refuse a 20,000-node journey (as data, and
as JSON text to decode first) and a condition whose rule nests 500 groups deep.
Run: .venv/bin/python bench/validate.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec

from builder.limits import CEILING, DEFAULT_LIMITS, Limits
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


def measure(size: int, repeat: int, limits: Limits = DEFAULT_LIMITS) -> tuple[int, float]:
    """(node count, median milliseconds) for validating a journey of `size` nodes."""
    document = journey(size)
    assert validate_journey(document, limits=limits) == [], validate_journey(document)[:3]
    return len(document["nodes"]), median_ms(lambda: validate_journey(document, limits=limits),
                                             repeat)


def median_ms(call, repeat: int) -> float:
    """Median milliseconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def deep_rule(groups: int) -> dict:
    """A journey whose condition's rule nests `groups` and/not groups around one leaf."""
    rule = {"type": "tag", "tag": "vip"}
    for index in range(groups):
        rule = {"type": "not", "rule": rule} if index % 2 else {"type": "and", "rules": [rule]}
    document = journey(4)
    document["nodes"][2]["data"]["config"] = {"rule": rule}
    return document


def refusals() -> None:
    """Print how long refusing what is past the limits takes."""
    huge = journey(20_000)
    text = msgspec.json.encode(huge)
    deep = deep_rule(500)
    for name, raw, code in (("20,000 nodes as data", huge, "journey.too_large"),
                            (f"20,000 nodes as JSON ({len(text) / 1e6:.1f} MB)", text,
                             "journey.too_large"),
                            ("a rule 500 groups deep", deep, "rule.too_deep")):
        assert code in {issue.code for issue in validate_journey(raw)}, name
        print(f"  {name}: {median_ms(lambda raw=raw: validate_journey(raw), 7):8.2f} ms")


def main() -> None:
    """Print the figures."""
    print("validate_journey, median of repeated runs (document as JSON data)")
    for size, repeat, limits in ((50, 200, DEFAULT_LIMITS), (300, 50, DEFAULT_LIMITS),
                                 (500, 50, DEFAULT_LIMITS), (2000, 9, CEILING)):
        count, median = measure(size, repeat, limits)
        print(f"  {count:>5} nodes: {median:8.2f} ms")
    print("refused past the limits (default: 500 steps, rules 20 groups deep)")
    refusals()


if __name__ == "__main__":
    main()
