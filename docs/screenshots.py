"""The README's pictures, taken as a new user sees Wayline: `wayline up --demo` in an empty
folder, the sign-in link it prints opened in chromium with a Korean (or English) browser, at
1440×900 and 1280×720. Run from the checkout: `.venv/bin/python docs/screenshots.py`; the
pictures land beside this file (docs/). Look at them before committing them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
WAYLINE = Path(sys.executable).with_name("wayline")
SIZES = ((1440, 900), (1280, 720))
JOURNEY = "Cart abandonment"
"""The demo's journey the canvas pictures show."""
CHROMIUM = {"executable_path": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking"]}


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(folder: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    """`wayline up --demo` in `folder`; the process and the sign-in link it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAYLINE_")}
    env["WAYLINE_PORT"] = str(port)
    process = subprocess.Popen([str(WAYLINE), "up", "--demo"], cwd=folder,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    assert process.stdout is not None
    link = None
    for line in process.stdout:
        found = re.search(r"Sign in: (\S+)", line)
        link = found[1] if found else link
        if link and _ready(port):
            return process, link
    raise SystemExit("wayline up stopped before it printed a sign-in link")


def _ready(port: int) -> bool:
    """Waits (up to a minute) until the server answers /ready."""
    for _ in range(120):
        try:
            with urlopen(f"http://127.0.0.1:{port}/ready", timeout=5) as answer:
                return answer.status == 200
        except OSError:
            time.sleep(0.5)
    return False


def shoot(link: str) -> list[Path]:
    """The journeys page, the cart-abandonment canvas and the customers, in Korean and
    English, at each size (one browser, signed in once with the one-time link)."""
    taken = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**CHROMIUM)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(link)
        home = link.split("/signin")[0] + "/"
        for language in ("ko", "en"):
            page.set_extra_http_headers({"Accept-Language": "ko-KR,ko;q=0.9" if language == "ko"
                                         else "en-US,en;q=0.9"})
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                taken += _pages(page, home, f"{language}-{{}}-{width}x{height}")
        browser.close()
    return taken


def _pages(page: Any, home: str, name: str) -> list[Path]:
    page.goto(home)
    page.wait_for_selector("tr[data-journey]", timeout=60_000)
    page.wait_for_timeout(800)
    taken = [_save(page, name.format("journeys"))]
    page.locator("tr[data-journey]", has_text=JOURNEY).locator("a").first.click()
    page.wait_for_selector(".react-flow__node", timeout=60_000)
    page.wait_for_timeout(1500)
    taken.append(_save(page, name.format("canvas")))
    page.goto(home + "customers")
    page.wait_for_timeout(2000)
    taken.append(_save(page, name.format("customers")))
    return taken


def _save(page: Any, name: str) -> Path:
    path = DOCS / f"{name}.png"
    page.screenshot(path=path)
    print(f"wrote {path.relative_to(DOCS.parent)}")
    return path


def main() -> None:
    """Start Wayline on its embedded defaults, take the pictures, stop it."""
    with tempfile.TemporaryDirectory() as folder:
        process, link = start(Path(folder), free_port())
        try:
            shoot(link)
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=90)


if __name__ == "__main__":
    main()
