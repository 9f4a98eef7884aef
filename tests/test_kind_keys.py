"""No node kind is switched on by key outside its own file (STYLE.md 21, DESIGN.md §3).

A journey document names kinds by key, so keys do appear as data (starter journeys, the demo);
what must not appear is a comparison, a lookup or a named constant of a key anywhere but the
kind's own module: such code is a closed kit, and a new kind would have to edit it. What it
needs belongs on the kind's spec instead (a hook: `sends`, `arms`, `preview_note`, …).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nodes import default_registry

ROOT = Path(__file__).resolve().parent.parent
KEYS = sorted(spec.key for spec in default_registry())
ALTERNATIVES = "|".join(re.escape(key) for key in KEYS)
QUOTED = re.compile(rf"""(["'`])({ALTERNATIVES})\1""")
SWITCHING = re.compile(r"(==|!=|\bin\b|\bnot in\b|\bis\b|\bcase\b|\.get\(|\[\s*$|^\s*[A-Z_]+\s*=)")
"""What makes a line with a quoted key a switch: a comparison, membership, a case, a lookup,
or a module constant holding the key."""


def sources() -> list[Path]:
    found = [path for package in ("nodes", "builder", "runtime", "server")
             for path in (ROOT / package).rglob("*.py")]
    found += [path for path in (ROOT / "builder/ui/js/src").rglob("*")
              if path.suffix in (".js", ".jsx")]
    return sorted(found)


def switches(path: Path) -> list[str]:
    """Lines of a file that switch on a kind key other than the file's own kind."""
    own = path.stem.replace("_", ".", 1) if path.parent == ROOT / "nodes" else None
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for match in QUOTED.finditer(line):
            if match.group(2) == own:
                continue
            before, after = line[:match.start()], line[match.end():]
            if SWITCHING.search(before) or re.match(r"\s*(==|!=|===|!==|in\b|:)", after):
                found.append(f"{path}:{number}: {line.strip()}")
    return found


def test_the_scan_sees_the_code() -> None:
    paths = sources()
    assert any(path.name == "engine.py" for path in paths)
    assert any(path.suffix == ".jsx" for path in paths)


@pytest.mark.parametrize("package", ["nodes", "builder", "runtime", "server"])
def test_no_kind_key_is_switched_on_outside_its_own_file(package: str) -> None:
    found = [line for path in sources() if path.relative_to(ROOT).parts[0] == package
             for line in switches(path)]
    assert found == []


def test_the_scan_finds_a_switch(tmp_path: Path) -> None:
    """The scan itself can fail: it finds the kind of switches this check removed."""
    sample = tmp_path / "switch.py"
    sample.write_text('if node["type"] == "action.send":\n    pass\nRANDOM = "flow.random"\n'
                      '_node("entry", "entry.event", "Signed up", {}, 0, 0)\n')
    assert len(switches(sample)) == 2
