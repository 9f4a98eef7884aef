"""The two servers bench/realtime.py runs beside Wayline:

- `provider`: a local SMS provider (asyncio, keep-alive) that answers every POST with 200 and
  a JSON id, and notes when each message for each phone arrived (for event → provider times);
- `floor_app`: the floor — a bare Litestar endpoint that inserts one row per event into the
  same database, served like Wayline (uvicorn, sync handler in a thread).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

import msgspec


async def _serve_provider(port: int, record_path: str, delay: float) -> None:
    records = open(record_path, "a", buffering=1 << 16)  # noqa: SIM115 - kept open while serving

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                arrived = time.time()
                if delay:
                    await asyncio.sleep(delay)
                try:
                    to = json.loads(body).get("to", "")
                except ValueError:
                    to = ""
                records.write(f"{arrived:.6f} {to}\n")
                answer = b'{"id": "p"}'
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            records.flush()
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)

    async def flush_often() -> None:
        while True:
            await asyncio.sleep(0.5)
            records.flush()

    flusher = asyncio.create_task(flush_often())
    async with server:
        await server.serve_forever()
    flusher.cancel()


class FloorEvent(msgspec.Struct):
    external_id: str
    name: str
    properties: dict[str, Any] = {}


FLOOR_TABLE = """CREATE TABLE IF NOT EXISTS bench_events (
    id BIGSERIAL PRIMARY KEY, external_id TEXT NOT NULL, name TEXT NOT NULL,
    properties JSONB NOT NULL, occurred_at TIMESTAMPTZ NOT NULL)"""


def floor_app() -> Any:
    """A bare Litestar app: POST /events inserts one row and answers its id."""
    from litestar import Litestar, post
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["BENCH_FLOOR_DATABASE"], pool_size=20)
    insert = text("INSERT INTO bench_events (external_id, name, properties, occurred_at) "
                  "VALUES (:e, :n, CAST(:p AS JSONB), :t) RETURNING id")

    @post("/events", sync_to_thread=True, status_code=200)
    def ingest(data: FloorEvent) -> dict[str, int]:
        with engine.begin() as connection:
            row = connection.execute(insert, {"e": data.external_id, "n": data.name,
                                              "p": json.dumps(data.properties),
                                              "t": datetime.now(UTC)}).scalar_one()
        return {"id": row}

    return Litestar([ingest])


if __name__ == "__main__":
    asyncio.run(_serve_provider(int(sys.argv[1]), sys.argv[2],
                                float(sys.argv[3]) if len(sys.argv) > 3 else 0.0))
