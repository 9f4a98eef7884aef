"""Benchmark: how fast a 300-node journey answers on the canvas, in a real browser.

Starts `wayline server` (embedded SQLite and Redis-compatible server in a temporary data dir),
creates a journey of about 300 steps through the REST API, opens it in headless Debian chromium
and measures, with the mouse:
- connect → badge: a wire drawn from the last send's open "Next" port to an unreachable exit;
  the time from the mouse release to the exit's error badge leaving the DOM, and to the next
  frame after it (painted). Each repetition then presses Ctrl+Z, which brings the badge back
  (undo → badge, measured the same way).
- drag and pan: frame gaps and long tasks (≥ 50 ms) while a node is dragged and the view panned.

Run: .venv/bin/python bench/canvas.py [--nodes 300] [--repeat 30] [--keep]
Goal (issue 5): connect → badge ≤ 100 ms median on localhost.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.validate import journey  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
API_KEY = "bench-canvas-key-0123456789"
KEYS: dict[str, str] = {}
"""Keys `start_server` makes: "manage" may create templates and journeys."""
COLUMNS = 15
"""Steps per row of the benchmark journey's grid."""
SOURCE, TARGET = "s99", "goal"
"""The step whose port the benchmark wires, and the unreachable exit it wires it to."""

ARM = """([nodeId, wantBadge]) => {
  // Resolves when the node's badge is (or is no longer) there, with the times of the last
  // pointerup/keydown before it, of the DOM change, and of the next frame after it.
  const t = {};
  const start = () => { t.start = performance.now(); };
  document.addEventListener("pointerup", start, { capture: true });
  document.addEventListener("keydown", start, { capture: true });
  const hasBadge = () =>
    !!document.querySelector(`.react-flow__node[data-id="${nodeId}"] [data-badge]`);
  window.__wlDone = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (t.start === undefined || hasBadge() !== wantBadge) return;
      t.dom = performance.now();
      observer.disconnect();
      document.removeEventListener("pointerup", start, { capture: true });
      document.removeEventListener("keydown", start, { capture: true });
      requestAnimationFrame(() => setTimeout(() => {
        t.paint = performance.now();
        resolve(t);
      }, 0));
    });
    observer.observe(document.querySelector(".react-flow"),
                     { subtree: true, childList: true, attributes: true });
  });
}"""

FRAMES = """() => {
  // Records frame gaps and long tasks until window.__wlFrames.stop() is called.
  const gaps = [], longTasks = [];
  let last = performance.now(), running = true;
  const tick = (now) => {
    gaps.push(now - last);
    last = now;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const observer = new PerformanceObserver(
    (list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
  observer.observe({ type: "longtask", buffered: false });
  const stop = () => {
    running = false;
    observer.disconnect();
    return { gaps, longTasks };
  };
  window.__wlFrames = { stop };
}"""


def bench_journey(size: int) -> dict[str, Any]:
    """bench/validate.py's journey laid out on a grid, with its last send's port left open and
    an unreachable exit just below that send: one warning and one error to clear by a wire."""
    document = journey(size)
    document["edges"] = [edge for edge in document["edges"] if edge["id"] != "last"]
    for index, node in enumerate(document["nodes"]):
        node["position"] = {"x": (index % COLUMNS) * 280, "y": (index // COLUMNS) * 200}
    source = next(node for node in document["nodes"] if node["id"] == SOURCE)
    below = {"x": source["position"]["x"], "y": source["position"]["y"] + 220}
    document["nodes"].append({"id": TARGET, "type": "flow.exit", "position": below,
                              "data": {"label": "Goal reached", "config": {}}})
    return document


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_env(data_dir: Path, port: int) -> dict[str, str]:
    """The environment of the benchmark's `wayline` commands."""
    env = {**os.environ, "WAYLINE_DATA_DIR": str(data_dir), "WAYLINE_PORT": str(port),
           "WAYLINE_API_KEY": API_KEY, "WAYLINE_LOG_LEVEL": "WARNING"}
    for name in ("WAYLINE_DATABASE_URL", "WAYLINE_REDIS_URL"):
        env.pop(name, None)
    return env


def wayline_says(data_dir: Path, port: int, *args: str) -> str:
    """What `wayline <args>` prints (e.g. a key or a sign-in link) for the benchmark's data."""
    done = subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, check=True,
                          env=bench_env(data_dir, port), capture_output=True, text=True)
    return done.stdout.strip()


def sign_in(page: Any, data_dir: Path, port: int) -> None:
    """Sign the page's browser in as a new admin, with the one-time link `wayline` prints."""
    added = wayline_says(data_dir, port, "user", "add", f"bench-{time.time_ns()}@example.kr",
                         "--role", "admin")
    page.goto(added.splitlines()[-1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """`wayline server` on 127.0.0.1:port with everything embedded under data_dir; a key
    that may manage journeys is made for `post`."""
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "server"], cwd=ROOT,
                              env=bench_env(data_dir, port))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"wayline server exited with {server.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).close()
            KEYS["manage"] = wayline_says(data_dir, port, "key", "add", "bench", "--scopes",
                                          "ingest,read,manage", "--quiet")
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("wayline server did not answer within 60 s")


def post(base: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
    """POST JSON to the running server; the answer."""
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(data).encode(),
                                     method="POST", headers={
                                         "Content-Type": "application/json",
                                         "X-Api-Key": KEYS["manage"]})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"POST {path}: {error.code} {error.read().decode()}") from None


def create_journey(base: str, document: dict[str, Any]) -> int:
    """The benchmark journey, its sends on a real email template; the journey's id."""
    template = post(base, "/api/templates", {"channel": "email", "name": "Reminder",
                                             "subject": "Still thinking it over?",
                                             "source": "Your cart is waiting."})
    for step in document["nodes"]:
        if "template" in step["data"]["config"]:  # a send step: it names a template
            step["data"]["config"] = {"channel": "email", "template": template["id"],
                                      "purpose": "marketing"}
    created = post(base, "/api/journeys", {
        "name": f"Benchmark: {len(document['nodes'])} steps", "document": document})
    return created["journey"]["id"]


def open_editor(browser: Any, url: str, data_dir: Path, port: int) -> tuple[Any, list[str]]:
    """The editor page, its 300 nodes drawn, zoomed onto the benchmark's two steps."""
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    sign_in(page, data_dir, port)
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    started = time.perf_counter()
    page.goto(url)
    node(page, TARGET).wait_for(state="attached", timeout=60_000)
    print(f"  page opened, {page.locator('.react-flow__node').count()} nodes drawn "
          f"in {(time.perf_counter() - started) * 1000:.0f} ms")
    # The problems list selects the unreachable exit and centres the view on it.
    page.locator(".react-flow__pane").click(position={"x": 20, "y": 20})
    page.locator(f'[data-problem-node="{TARGET}"]').first.click()
    page.wait_for_timeout(600)
    badge(page, TARGET).wait_for(timeout=10_000)
    return page, errors


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def badge(page: Any, node_id: str) -> Any:
    return node(page, node_id).locator("[data-badge]")


def centre(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def draw_wire(page: Any) -> None:
    """Mouse down on the source's Next port, move to the target's input, release."""
    start = centre(node(page, SOURCE).locator('[data-handleid="next"]'))
    end = centre(node(page, TARGET).locator(".react-flow__handle.target"))
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()


def wait_idle(page: Any) -> None:
    page.locator('[data-save="saved"]').wait_for(timeout=10_000)
    page.wait_for_timeout(100)


def timed(page: Any, want_badge: bool, act: Any) -> dict[str, float]:
    """Arm the observer, act, and return start → DOM / paint in milliseconds."""
    page.evaluate(ARM, [TARGET, want_badge])
    act()
    t = page.evaluate("window.__wlDone")
    return {"dom": t["dom"] - t["start"], "paint": t["paint"] - t["start"]}


class Work:
    """CPU time spent by the browser page's main thread and by the server process: what a
    change costs whatever else the machine is doing (the latencies above include waiting)."""

    def __init__(self, page: Any, server_pid: int) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.pid = server_pid
        self.ticks = os.sysconf("SC_CLK_TCK")

    def now(self) -> tuple[float, float]:
        """(browser main-thread busy ms, server CPU ms) so far."""
        metrics = self.cdp.send("Performance.getMetrics")["metrics"]
        busy = next(m["value"] for m in metrics if m["name"] == "TaskDuration")
        # /proc/<pid>/stat after the command name: state is field 0, utime 11, stime 12.
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return busy * 1000, (int(fields[11]) + int(fields[12])) * 1000 / self.ticks


def measure_wiring(page: Any, repeat: int, work: Work) -> dict[str, list[float]]:
    """connect → badge gone, then Ctrl+Z → badge back, `repeat` times."""
    results: dict[str, list[float]] = {"connect_dom": [], "connect_paint": [],
                                       "undo_dom": [], "undo_paint": [],
                                       "browser_cpu": [], "server_cpu": []}
    for _ in range(repeat):
        wait_idle(page)
        browser_before, server_before = work.now()
        connected = timed(page, False, lambda: draw_wire(page))
        if badge(page, SOURCE).count():
            raise RuntimeError("the wire cleared the exit's error but not the send's warning")
        wait_idle(page)
        undone = timed(page, True, lambda: page.keyboard.press("Control+z"))
        wait_idle(page)
        browser_after, server_after = work.now()
        for name, value in (("connect", connected), ("undo", undone)):
            results[f"{name}_dom"].append(value["dom"])
            results[f"{name}_paint"].append(value["paint"])
        # Two changes (the wire and its undo), each checked, saved and answered.
        results["browser_cpu"].append((browser_after - browser_before) / 2)
        results["server_cpu"].append((server_after - server_before) / 2)
    return results


def measure_frames(page: Any) -> dict[str, dict[str, list[float]]]:
    """Frame gaps and long tasks while dragging a step 40 moves, and panning 40 moves."""
    out = {}
    wait_idle(page)
    x, y = centre(node(page, SOURCE).locator(".wl-node-head"))
    for name, (sx, sy) in (("drag", (x, y)), ("pan", (x + 320, y - 40))):
        page.evaluate(FRAMES)
        page.mouse.move(sx, sy)
        page.mouse.down()
        for step in range(1, 41):
            page.mouse.move(sx + step * 4, sy + step * 2)
        page.mouse.up()
        out[name] = page.evaluate("window.__wlFrames.stop()")
        wait_idle(page)
    return out


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"median {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms   "
            f"min {ordered[0]:6.1f}   max {ordered[-1]:6.1f}   (n={len(ordered)})")


def percentile(values: list[float], share: float) -> float:
    """The value `share` (0–1) of the way up the sorted values (p99: share 0.99)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(len(ordered) * share) - 1))]


def latency(values: list[float]) -> str:
    """Milliseconds as 'median …, p99 … (n=…)', for benchmarks of requests."""
    return (f"median {statistics.median(values):6.2f} ms, p99 {percentile(values, 0.99):6.2f} "
            f"ms (n={len(values)})")


def report(wiring: dict[str, list[float]], frames: dict[str, Any]) -> None:
    print("connect → validated badge (exit's error gone):")
    print(f"  DOM updated:  {summary(wiring['connect_dom'])}")
    print(f"  next frame:   {summary(wiring['connect_paint'])}")
    print("Ctrl+Z → badge back:")
    print(f"  DOM updated:  {summary(wiring['undo_dom'])}")
    print(f"  next frame:   {summary(wiring['undo_paint'])}")
    print("CPU per change (wire or undo: checked, saved, answered; includes the 100 ms waits):")
    print(f"  browser main thread: {summary(wiring['browser_cpu'])}")
    print(f"  server process:      {summary(wiring['server_cpu'])} (10 ms ticks)")
    for name, data in frames.items():
        gaps = data["gaps"][1:] or [0.0]
        print(f"{name} (40 mouse moves): frame gaps {summary(gaps)}; "
              f"long tasks ≥50 ms: {len(data['longTasks'])}"
              + (f" (longest {max(data['longTasks']):.0f} ms)" if data["longTasks"] else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    data_dir = Path(tempfile.mkdtemp(prefix="wayline-bench-canvas-"))
    port = free_port()
    print(f"wayline canvas benchmark — load average {os.getloadavg()[0]:.2f}, data in {data_dir}")
    server = start_server(data_dir, port)
    try:
        base = f"http://127.0.0.1:{port}"
        document = bench_journey(args.nodes)
        journey_id = create_journey(base, document)
        print(f"  journey {journey_id}: {len(document['nodes'])} steps, "
              f"{len(document['edges'])} wires")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page, errors = open_editor(browser, f"{base}/journeys/{journey_id}", data_dir,
                                       port)
            wiring = measure_wiring(page, args.repeat, Work(page, server.pid))
            frames = measure_frames(page)
            browser.close()
        report(wiring, frames)
        if errors:
            print(f"browser console errors: {errors}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        server.terminate()
        server.wait(15)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
