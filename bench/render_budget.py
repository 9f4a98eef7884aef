"""A Liquid bomb against a running server: how long until it is refused, and what it does to
everyone else's requests meanwhile.

Starts `wayline server` on embedded defaults. One thread times `GET /api/journeys/1` in a loop
(another person using Wayline), first alone — the baseline — then while a second thread sends
template previews that would loop 100 million times, nest loops, double a string 64 times, or
run 360,000 cheap iterations (the time budget's case). Prints how long each bomb took to be
refused (422) and the other requests' median and p99 latency with and without bombs, with
the ratio.

Run: .venv/bin/python bench/render_budget.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.canvas import free_port, latency, start_server, wayline_says

BOMBS = {
    "a loop of 100 million": "{% for i in (1..100000000) %}x{% endfor %}",
    "nested loops": "{% for i in (1..100000) %}{% for j in (1..100000) %}x{% endfor %}"
                    "{% endfor %}",
    "doubling with append": "{% assign s = 'x' %}{% for i in (1..64) %}"
                            "{% assign s = s | append: s %}{% endfor %}{{ s }}",
    "many cheap loops": ("{% for i in (1..9000) %}{% assign a = i | plus: 1 | times: 3 %}"
                         "{% endfor %}") * 40,
    "sorting 50,000 items 9,000 times": (  # under every size limit: the time budget stops it
        '{% assign s = (1..50000) | join: "," %}{% for i in (1..9000) %}'
        '{% assign t = s | split: "," | sort | size %}{% endfor %}{{ t }}'),
}


def latencies(client: httpx.Client, stop: threading.Event) -> list[float]:
    """Milliseconds per `GET /api/journeys/1` until `stop` is set."""
    spent = []
    while not stop.is_set():
        started = time.perf_counter()
        client.get("/api/journeys/1").raise_for_status()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10,
                        help="how long bombs are sent, one after another")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="wayline-bench-render-"))
    port = free_port()
    server = start_server(data_dir, port)
    try:
        key = {"X-Api-Key": wayline_says(data_dir, port, "key", "add", "bench", "--scopes",
                                         "read,manage", "--quiet")}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=key,
                          timeout=60) as other, httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers=key, timeout=60) as bomber:
            other.post("/api/journeys", json={"name": "Bench"}).raise_for_status()
            print(f"Liquid bombs vs. a server's other requests — load average "
                  f"{os.getloadavg()[0]:.2f}")
            stop = threading.Event()
            timer = threading.Timer(5, stop.set)
            timer.start()
            baseline = latencies(other, stop)
            print(f"  other requests alone:        {latency(baseline)}")
            refused: dict[str, list[float]] = {name: [] for name in BOMBS}
            reasons: dict[str, str] = {}
            stop = threading.Event()
            during: list[float] = []
            watcher = threading.Thread(target=lambda: during.extend(latencies(other, stop)))
            watcher.start()
            until = time.monotonic() + args.seconds
            while time.monotonic() < until:
                for name, source in BOMBS.items():
                    started = time.perf_counter()
                    answer = bomber.post("/api/templates/render", json={"template": {
                        "channel": "email", "name": "Bomb", "subject": "Hi", "source": source}})
                    refused[name].append((time.perf_counter() - started) * 1000)
                    codes = [issue["code"] for issue in answer.json().get("issues", [])]
                    if answer.status_code != 422 or codes != ["template.limit"]:
                        raise RuntimeError(f"{name}: {answer.status_code} {answer.text[:200]}")
                    reasons[name] = answer.json()["detail"]
            stop.set()
            watcher.join()
        for name, spent in refused.items():
            print(f"  {name:<28} refused (422) in median {statistics.median(spent):6.0f} ms, "
                  f"worst {max(spent):6.0f} ms (n={len(spent)})\n    {reasons[name][:110]}")
        print(f"  other requests during bombs: {latency(during)}")
        print(f"  → ×{statistics.median(during) / statistics.median(baseline):.1f} the "
              f"baseline's median; load average after {os.getloadavg()[0]:.2f}")
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
