"""The README tells the truth: its settings table, its test command, its benchmarks, and its
5-minute tour, done exactly as written on a fresh clone in a fresh virtual environment.

The tour reads its commands from README.md itself, so the two cannot drift apart. It installs
Wayline from PyPI and npm into a new venv (minutes), so it runs only with
WAYLINE_TEST_README_TOUR=1, which CI sets. The one change it makes to the README's commands is
the port: the tour's server listens on a free port instead of 8000, which another program on a
shared machine may hold.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from runtime.settings import describe_settings
from server.cli import providers_table, settings_table
from tests.live import Printed

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
RUN_TOUR = os.environ.get("WAYLINE_TEST_README_TOUR") == "1"
README_PORT = "127.0.0.1:8000"
START_TIMEOUT = 600
"""Seconds for command 1 to install Wayline in a new venv and print its URL (pip and npm
downloads on a busy machine; about two to three minutes on a quiet one)."""


def section(title: str) -> str:
    """The README's text under `## title`, up to the next second-level heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def shell_blocks(text: str) -> list[str]:
    """The ```sh code blocks of `text`, indentation removed."""
    blocks = re.findall(r"^( *)```sh\n(.*?)^ *```", text, re.S | re.M)
    return ["\n".join(line[len(indent):] for line in body.splitlines())
            for indent, body in blocks]


def numbered_command(number: int) -> str:
    """The command after '# <number>.' in 'The two commands'."""
    lines = shell_blocks(section("The two commands"))[0].splitlines()
    for comment, command in zip(lines, lines[1:], strict=False):
        if comment.startswith(f"# {number}."):
            return command
    raise AssertionError(f"README.md's two commands have no '# {number}.'")


def test_the_configuration_table_is_every_setting():
    table = settings_table()
    assert table in section("Configuration"), (
        "README.md's configuration table is out of date: paste the output of "
        "`wayline settings --markdown` under '## Configuration'")
    assert len(describe_settings()) == table.count("| `WAYLINE_")


def test_the_providers_table_is_every_gateway_setting():
    assert providers_table() in section("Providers"), (
        "README.md is out of date: paste the second table `wayline settings --markdown` prints "
        "under '## Providers'")


def test_the_test_command_is_what_ci_runs():
    ci = [line for line in (ROOT / ".ci/run").read_text().splitlines()
          if line and not line.startswith("#")]
    assert numbered_command(2) == ci[-1]


def test_every_benchmark_is_in_the_readme():
    scripts = [path.name for path in sorted((ROOT / "bench").glob("*.py"))
               if "\nRun: " in path.read_text()]
    assert scripts, "no benchmark scripts found"
    benchmarks = section("Benchmarks")
    missing = [name for name in scripts if f"bench/{name}" not in benchmarks]
    assert not missing, f"README.md's benchmarks leave out {missing}"


# --- the tour ----------------------------------------------------------------------------------


def fresh_clone(destination: Path) -> None:
    """A clone of this repository (its committed state), or a copy where it is no git work
    tree (then without what git would not carry: venvs, data dirs, built bundles)."""
    if (ROOT / ".git").exists():
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(destination)], check=True)
        return
    shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(
        ".venv", ".wayline", "node_modules", "dist", "__pycache__", ".pytest_cache"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (children, their children, …)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                parent = int(stat[stat.rindex(")") + 2:].split()[1])
                parents.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def is_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


class Background(Printed):
    """A shell command in its own process group (as a terminal runs it), its output collected."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str]) -> None:
        super().__init__(subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True, start_new_session=True))

    def ctrl_c(self, seconds: float) -> int:
        """SIGINT to the whole process group, as Ctrl-C in a terminal; the exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        code = self.process.wait(timeout=seconds)
        self.reader.join(timeout=10)
        return code


def open_canvas(browser: Any, sign_in_link: str, shots: Path) -> int:
    """Open the sign-in link command 1 printed (it lands on the journeys page) and the
    cart-abandonment canvas in chromium; its step count."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" else None)
        page.goto(sign_in_link)
        assert urlsplit(page.url).path == "/", page.url
        page.get_by_text("Cart abandonment").first.wait_for(timeout=60_000)
        page.screenshot(path=shots / "journeys.png")
        page.get_by_text("Cart abandonment").first.click()
        page.wait_for_selector(".react-flow__node", timeout=60_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=shots / "canvas.png")
        steps = page.locator(".react-flow__node").count()
    finally:
        context.close()
    assert not errors, f"browser console errors: {errors}"
    return steps


def stats(base: str, journey: int, key: str) -> dict:
    answer = httpx.get(f"{base}/api/journeys/{journey}/stats", timeout=30,
                       headers={"X-Api-Key": key})
    assert answer.status_code == 200, answer.text
    return {node["node_id"]: node for node in answer.json()["nodes"]}


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(not RUN_TOUR, reason="installs Wayline into a new venv (minutes): set "
                    "WAYLINE_TEST_README_TOUR=1 (CI does)")
def test_the_tour_works_on_a_fresh_clone(tmp_path, browser):
    clone = tmp_path / "wayline"
    fresh_clone(clone)
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WAYLINE_", "VIRTUAL_ENV", "PYTHON"))}
    env["WAYLINE_PORT"] = str(port)
    base = f"http://127.0.0.1:{port}"
    began = time.monotonic()
    up = Background(numbered_command(1), clone, env)
    try:
        up.wait_for(rf"Wayline is running at http://127\.0\.0\.1:{port}/", START_TIMEOUT)
        started = time.monotonic() - began
        link = up.wait_for(rf"Sign in: (http://127\.0\.0\.1:{port}/signin/link/\S+)", 30)[1]
        wait_until(lambda: _answers(f"{base}/ready"), 60, "the server to be ready")
        running = descendants(up.process.pid)
        assert open_canvas(browser, link, tmp_path) >= 7  # the cart-abandonment starter's steps
        for block in shell_blocks(section("A 5-minute tour")):
            done = subprocess.run(["bash", "-euo", "pipefail", "-c",
                                   block.replace(README_PORT, f"127.0.0.1:{port}")],
                                  cwd=clone, env=env, capture_output=True, text=True,
                                  timeout=60)
            assert done.returncode == 0, f"{block}\n{done.stdout}\n{done.stderr}"
            answers = json_documents(done.stdout)
            assert answers, f"{block}: no answer"
            refused = [answer for answer in answers
                       if isinstance(answer, dict) and answer.get("status_code", 0) >= 400]
            assert not refused, f"{block}: {refused}"
        key = (clone / ".wayline" / "tour_key").read_text().strip()  # step 4 made it
        assert httpx.get(f"{base}/api/journeys/2", headers={"X-Api-Key": key},
                         timeout=10).json()["journey"]["name"] == "Cart abandonment"
        wait_until(lambda: stats(base, 2, key)["wait"]["waiting"] == 1, 30,
                   "the customer to wait at 'Bought within 1 hour?'")
        wait_until(lambda: _messages(stats(base, 1, key)["hello"]) == 1, 30,
                   "the welcome email in the outbox")
        welcome = stats(base, 1, key)["hello"]["messages"]
        assert welcome["sent"] == 1, welcome  # Minji takes marketing email at any hour
    finally:
        code = up.ctrl_c(90) if up.process.poll() is None else up.process.returncode
    assert code == 0, up.output()[-4000:]
    assert "Wayline stopped." in up.output()
    assert not [pid for pid in running if is_alive(pid)], "processes left after Ctrl-C"
    assert not (clone / ".wayline" / "redis.sock").exists(), "stale Redis socket"
    print(f"\nREADME tour: command 1 printed its URL after {started:.0f} s "
          f"(fresh venv, pip install, demo data)")


def json_documents(text: str) -> list:
    """The JSON documents curl printed back to back; fails on anything else (an error page)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text.rstrip()):
        document, end = decoder.raw_decode(text, at)
        found.append(document)
        at = end + len(text[end:]) - len(text[end:].lstrip())
    return found


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _messages(node: dict) -> int:
    return sum((node.get("messages") or {}).values())
