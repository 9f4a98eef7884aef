"""What the front door costs a request: a bare answer vs. one with a key or a session.

Starts `wayline server` on embedded defaults, makes an admin and a key with every scope, then
times sequential requests from one client: `GET /health` (public: the Host check and headers
only — the floor), `GET /api/journeys/1` with the key (a key lookup, the rate-limit counter in
Redis, the permission table), the same with a signed-in session (a session lookup), and
`POST /api/events` with the ingest key. Prints median and p99 per kind and the ratio to the
floor, with the load average (the machine is shared).

Run: .venv/bin/python bench/auth.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.canvas import API_KEY, free_port, latency, start_server, wayline_says


def timings(client: httpx.Client, method: str, path: str, count: int,
            **kwargs: object) -> list[float]:
    """Milliseconds per request, `count` requests one after another (the first 50 unread)."""
    spent = []
    for index in range(count + 50):
        started = time.perf_counter()
        answer = client.request(method, path, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:200]}")
        if index >= 50:
            spent.append(elapsed)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="wayline-bench-auth-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(data_dir, port)
    try:
        key = wayline_says(data_dir, port, "key", "add", "bench-all", "--scopes",
                           "ingest,read,manage", "--quiet")
        link = wayline_says(data_dir, port, "user", "add", "bench@example.kr", "--role",
                            "admin").splitlines()[-1]
        with httpx.Client(base_url=base, timeout=30) as client:
            client.post("/api/journeys", json={"name": "Bench"}, headers={"X-Api-Key": key})
            client.post(link)  # what the link's page posts: the session cookie
            print(f"wayline front door — {args.requests:,} sequential requests each, "
                  f"load average {os.getloadavg()[0]:.2f}")
            kinds = {
                "GET /health (public: the floor)": timings(client, "GET", "/health",
                                                           args.requests),
                "GET /api/journeys/1, session": timings(client, "GET", "/api/journeys/1",
                                                        args.requests),
            }
            client.cookies.clear()
            kinds["GET /api/journeys/1, key"] = timings(
                client, "GET", "/api/journeys/1", args.requests, headers={"X-Api-Key": key})
            kinds["POST /api/events, ingest key"] = timings(
                client, "POST", "/api/events", args.requests, headers={"X-Api-Key": API_KEY},
                json={"external_id": "bench-1", "name": "page_view"})
        floor = statistics.median(kinds["GET /health (public: the floor)"])
        for name, spent in kinds.items():
            print(f"  {name:<34} {latency(spent)}  "
                  f"×{statistics.median(spent) / floor:4.1f} the floor")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
