"""Benchmark: the canvas's previews in a real browser, from the click to the figure on screen.

Starts `wayline server` (embedded SQLite and Redis-compatible server in a temporary data dir),
imports N customers through the CSV endpoint (half on the pro plan, scores 0–99), creates a
4-step journey whose audience entry is "plan = pro and score ≥ 20", opens it in headless
Debian chromium and measures, with the mouse:
- audience: Preview → the exact count and the sample on screen (each repetition recounts);
- path: a sample customer clicked → their path drawn on the canvas;
- dry run: "Run dry run" → counts on the wires (the whole audience up to the 20,000 sample).

Run: .venv/bin/python bench/canvas_preview.py [--customers 100000] [--repeat 7] [--keep]
Prints medians and the load average before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.canvas import (  # noqa: E402
    API_KEY,
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    post,
    sign_in,
    start_server,
)


def import_customers(base: str, count: int) -> None:
    """N customers through POST /api/customers/import, in one CSV."""
    rows = ["external_id,email,plan,score,consent_email"]
    rows += [f"c{i},c{i}@example.com,{'pro' if i % 2 == 0 else 'free'},{i % 100},yes"
             for i in range(count)]
    request = urllib.request.Request(f"{base}/api/customers/import", method="POST",
                                     data="\n".join(rows).encode(), headers={
                                         "Content-Type": "text/csv", "X-Api-Key": API_KEY})
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()


def create_journey(base: str) -> int:
    template = post(base, "/api/templates", {"channel": "email", "name": "Hello",
                                             "subject": "Hello", "source": "Hi there."})["id"]

    def step(node_id: str, kind: str, config: dict[str, Any], y: int) -> dict[str, Any]:
        return {"id": node_id, "type": kind, "position": {"x": 0, "y": y},
                "data": {"label": "", "config": config}}

    rule = {"type": "and", "rules": [
        {"type": "attr", "field": "plan", "op": "eq", "value": "pro"},
        {"type": "attr", "field": "score", "op": "gte", "value": 20}]}
    document = {"nodes": [
        step("entry", "entry.segment", {"rule": rule, "include_existing": True}, 0),
        step("wait", "flow.delay", {"mode": "duration",
                                    "duration": {"amount": 2, "unit": "days"}}, 190),
        step("mail", "action.send", {"channel": "email", "template": template}, 380),
        step("done", "flow.exit", {"reason": "Done"}, 570)],
        "edges": [{"id": f"e{i}", "source": a, "sourceHandle": "next", "target": b}
                  for i, (a, b) in enumerate([("entry", "wait"), ("wait", "mail"),
                                              ("mail", "done")])],
        "settings": {"timezone": "Asia/Seoul"}}
    return post(base, "/api/journeys", {"name": "Preview bench", "document": document})[
        "journey"]["id"]


def timed(page: Any, action: Any, ready: str, timeout: int = 120_000) -> float:
    """Milliseconds from `action()` to the selector `ready` being visible."""
    started = time.perf_counter()
    action()
    page.locator(ready).first.wait_for(state="visible", timeout=timeout)
    return (time.perf_counter() - started) * 1000


def measure(page: Any, repeat: int) -> tuple[dict[str, list[float]], int]:
    """Milliseconds per repetition for each preview, and the audience count shown."""
    figures: dict[str, list[float]] = {"audience": [], "path": [], "dry run": []}
    preview = page.locator('[data-action="preview"]')
    for _ in range(repeat):
        figures["audience"].append(timed(page, preview.click,
                                         '[data-preview="audience"][data-preview-status="fresh"]'))
        count = int(page.locator("[data-audience-count]").get_attribute("data-audience-count"))
        sample = page.locator("[data-sample-customer]").nth(2)
        figures["path"].append(timed(page, sample.click,
                                     '[data-preview="path"][data-preview-status="fresh"]'))
        page.locator('[data-preview-tab="dry_run"]').click()
        figures["dry run"].append(timed(
            page, page.locator('[data-action="dry-run"]').click,
            '[data-preview="dry_run"][data-preview-status="fresh"] [data-dry-entered]'))
        page.locator('[data-preview-tab="audience"]').click()
        preview.click()  # closed: the next repetition opens it afresh
        page.wait_for_timeout(200)
    return figures, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="wayline-bench-preview-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(data_dir, port)
    try:
        print(f"load average at start: {os.getloadavg()}")
        started = time.perf_counter()
        import_customers(base, args.customers)
        print(f"{args.customers:,} customers imported in {time.perf_counter() - started:.1f} s")
        journey_id = create_journey(base)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            errors: list[str] = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            sign_in(page, data_dir, port)
            page.goto(f"{base}/journeys/{journey_id}")
            page.locator('.react-flow__node[data-id="done"]').wait_for(timeout=60_000)
            figures, count = measure(page, args.repeat)
            browser.close()
        print(f"audience: {count:,} of {args.customers:,} customers match")
        for name, values in figures.items():
            print(f"{name:>9}: median {statistics.median(values):7.0f} ms   "
                  f"min {min(values):7.0f} ms   max {max(values):7.0f} ms   (n={len(values)})")
        print(f"console errors: {errors or 'none'}")
        print(f"load average at end: {os.getloadavg()}")
    finally:
        server.terminate()
        server.wait(30)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
