"""Benchmark: delivery against local providers, next to a bare client sending the same calls.

SMS: N queued texts in a fresh database are drained by one worker's delivery code path
(`lease` + `deliver_job`, DELIVERY_BATCH messages a job, in this process) into a local asyncio
HTTP provider that answers each call after 20 ms (another process). In the same run a bare
aiohttp session — the client the provider adapters use — posts the same bodies to the same
provider with the same bound on calls in flight (WAYLINE_PROVIDER_CONCURRENCY): the limit;
and, over a sample, bare httpx AsyncClients of CLIENT_CONNECTIONS connections each (what
delivery used before, and webhooks still use). Printed: messages/s of each, the ratios, and
the most calls the provider saw in flight at once.

Email: M queued emails drained the same way into a local aiosmtpd server (another process),
next to bare smtplib sending the same emails (built the same way) over one connection;
printed: messages/s of each and how many connections the server saw.

Run: .venv/bin/python -m bench.delivery (or bench/delivery.py) [--messages 100000] [--emails 20000]
     [--database postgresql|sqlite] [--concurrency 64] [--delay 0.02]
PostgreSQL (WAYLINE_BENCH_POSTGRES_URL, default the local `test` server) when it answers, a
fresh database dropped afterwards; else SQLite in a temporary directory. Redis: an embedded
server of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import smtplib
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import httpx
from sqlalchemy import create_engine, text

from bench.runtime import POSTGRES, new_database
from nodes.kit.channel import default_channels
from runtime.clock import FrozenClock
from runtime.messaging.delivery import lease
from runtime.messaging.emails import build_email
from runtime.messaging.inflight import CLIENT_CONNECTIONS
from runtime.redis_server import EmbeddedRedis, connect
from runtime.run import jobs
from runtime.run.lifecycle import publish
from runtime.run.sweeper import chunks
from runtime.settings import Settings
from runtime.store.db import make_engine, make_sessionmaker
from runtime.store.models import Customer, Message, Template
from tests.builder.journeys import document, edge, node

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
"""Noon in Seoul: no quiet hours hold a text back."""

ONE_POOL_SAMPLE = 10_000
"""Messages the bare client with one big pool sends (it is slow: a sample is enough)."""

SENDER = "0212345678"
TEXT = "[Wayline] 주문이 접수되었어요. 내일 도착 예정입니다."
EMAIL = {"subject": "주문이 접수되었어요", "text": "감사합니다. 내일 도착 예정입니다.\n" * 20,
         "html": "<p>감사합니다. <a href='https://shop.example/o/1'>주문 보기</a></p>" * 10}


# --- the providers, each in a process of its own -------------------------------------------------


def serve_http(port: int, delay: float, ready: Any, calls: Any, peak: Any) -> None:
    """A keep-alive HTTP/1.1 provider: every POST answered `{"id": …}` after `delay` s."""
    in_flight = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal in_flight
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                in_flight += 1
                peak.value = max(peak.value, in_flight)
                await asyncio.sleep(delay)
                in_flight -= 1
                calls.value += 1
                body = b'{"id": "gw-%d"}' % calls.value
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def serve_smtp(port: int, ready: Any, received: Any, connections: Any) -> None:
    """An aiosmtpd server that counts the emails and the connections they came on."""
    from aiosmtpd.controller import Controller

    seen: set[int] = set()

    class Count:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.value += 1
            if id(session) not in seen:
                seen.add(id(session))
                connections.value = len(seen)
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(target: Any, *args: Any) -> multiprocessing.Process:
    """Run a server in a process of its own (`args` after the ready event: its counters)."""
    ready = multiprocessing.Event()
    port, *rest = args
    fixed = [arg for arg in rest if not hasattr(arg, "value")]
    counters = [arg for arg in rest if hasattr(arg, "value")]
    process = multiprocessing.Process(target=target, args=(port, *fixed, ready, *counters),
                                      daemon=True)
    process.start()
    if not ready.wait(30):
        raise RuntimeError(f"the local {target.__name__} server did not start")
    return process


# --- the database ------------------------------------------------------------------------------


def database(kind: str, workdir: Path) -> tuple[str, Any]:
    """A fresh migrated database of `kind` ('' for PostgreSQL when it answers, else SQLite)."""
    if not kind:
        try:
            create_engine(POSTGRES).connect().close()
            kind = "postgresql"
        except Exception:  # any failure to connect means: use SQLite
            kind = "sqlite"
    url, drop = new_database(kind, workdir)
    return url, drop


Content = Callable[[str, str], dict[str, Any]]
"""A queued message's content from the customer's phone and email."""


def text_content(phone: str, _email: str) -> dict[str, Any]:
    return {"to": phone, "text": TEXT}


def email_content(_phone: str, email: str) -> dict[str, Any]:
    return {"to": email, **EMAIL}


def seed(url: str, channel: str, count: int, content: Content) -> None:
    """`count` customers on a published journey, each with one queued `channel` message
    holding `content(phone, email)`."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        session.execute(text("DELETE FROM messages"))
        session.execute(text("DELETE FROM runs"))
        session.execute(text("DELETE FROM customers"))
        for first in range(0, count, 20_000):
            session.execute(Customer.__table__.insert(), [
                {"external_id": f"b{index}", "email": f"b{index}@example.kr",
                 "phone": f"+8210{index:08d}", "attributes": {}, "timezone": "Asia/Seoul",
                 "consent": {"sms": True, "email": True}, "created_at": NOW, "updated_at": NOW}
                for index in range(first, min(first + 20_000, count))])
        template = Template(channel=channel, name=f"Bench {channel}", subject="Hi",
                            source=TEXT, options={})
        session.add(template)
        session.flush()
        doc = document([node("in", "entry.segment", "Everyone",
                             {"rule": {"type": "and", "rules": []}}),
                        node("send", "action.send", "Send", {"channel": channel,
                                                             "template": template.id})],
                       [edge("in", "send")])
        journey = jobs_journey(session, doc, channel)
        publish(session, journey, NOW - timedelta(minutes=5))  # enrols everyone: one run each
        session.flush()
        runs = session.execute(text("SELECT runs.id, customers.id, customers.phone, "
                                    "customers.email FROM runs JOIN customers ON "
                                    "customers.id = runs.customer_id")).all()
        rows = [{"run_id": run, "node_id": "send", "visit": 1, "journey_id": journey,
                 "customer_id": customer, "channel": channel, "purpose": "marketing",
                 "template_id": template.id, "status": "queued", "attempts": 0,
                 "content": content(phone, email),
                 "created_at": NOW - timedelta(minutes=1), "updated_at": NOW}
                for run, customer, phone, email in runs]
        for first in range(0, len(rows), 20_000):
            session.execute(Message.__table__.insert(), rows[first:first + 20_000])
        session.commit()
    engine.dispose()


def jobs_journey(session: Any, doc: dict[str, Any], name: str) -> int:
    from runtime.store.models import Journey

    journey = Journey(name=f"Bench {name}", draft=doc)
    session.add(journey)
    session.flush()
    return journey.id


# --- draining ----------------------------------------------------------------------------------


def drain(settings: Settings, redis_url: str) -> tuple[float, int]:
    """Deliver every due message as one worker does (lease, then `deliver_job` per batch of
    DELIVERY_BATCH); (seconds, messages sent)."""
    rt = jobs.build_runtime(settings, redis_url, FrozenClock(NOW))
    jobs.install_runtime(rt)
    sent = 0
    began = time.perf_counter()
    try:
        while True:
            with rt.sessions() as session:
                from runtime.messaging.delivery import due_messages

                held = lease(session, due_messages(session, NOW, limit=50_000), NOW,
                             settings.claim_timeout)
                session.commit()
            if not held.ids:
                break
            for batch in chunks(held.ids, jobs.DELIVERY_BATCH):
                sent += jobs.deliver_job(batch, held.until.isoformat())["sent"]
        return time.perf_counter() - began, sent
    finally:
        jobs.install_runtime(None)
        for adapter in rt.adapters.values():
            close = getattr(adapter, "close", None)
            if close is not None:
                close()
        rt.engine.dispose()


async def raw_http(url: str, count: int, concurrency: int, connections: int = 0) -> float:
    """A bare client posting `count` SMS bodies, `concurrency` at a time; seconds. aiohttp —
    one session, as delivery's adapters use it — or, with `connections`, httpx AsyncClients of
    that many connections each (round robin)."""
    request = default_channels()["sms"].request
    account = {"sender": SENDER}
    gate = asyncio.Semaphore(concurrency)
    if connections:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        clients = [httpx.AsyncClient(limits=limits, headers={"X-Api-Key": "bench"})
                   for _ in range(max(concurrency // connections, 1))]
    else:
        session = aiohttp.ClientSession(headers={"X-Api-Key": "bench"},
                                        connector=aiohttp.TCPConnector(limit=concurrency))

    async def one(index: int) -> None:
        body = request(index, {"to": f"+8210{index:08d}", "text": TEXT}, account)
        headers = {"Idempotency-Key": str(index)}
        async with gate:
            if connections:
                response = await clients[index % len(clients)].post(url, json=body,
                                                                    headers=headers)
                response.raise_for_status()
            else:
                async with session.post(url, json=body, headers=headers) as answer:
                    await answer.text()
                    answer.raise_for_status()

    began = time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(count)))
    took = time.perf_counter() - began
    if connections:
        for client in clients:
            await client.aclose()
    else:
        await session.close()
    return took


def raw_smtp(port: int, count: int) -> float:
    """Bare smtplib: `count` emails, built as delivery builds them, over one connection."""
    began = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for index in range(count):
            connection.send_message(build_email(index, {"to": f"b{index}@example.kr", **EMAIL},
                                                "Shop <news@shop.test>", "shop.test"))
    return time.perf_counter() - began


# --- the runs ----------------------------------------------------------------------------------


def bench_sms(args: argparse.Namespace, url: str, redis_url: str, workdir: Path) -> None:
    calls, peak = multiprocessing.Value("q", 0), multiprocessing.Value("q", 0)
    port = free_port()
    server = start(serve_http, port, args.delay, calls, peak)
    provider = f"http://127.0.0.1:{port}/send"
    try:
        seed(url, "sms", args.messages, text_content)
        settings = Settings(data_dir=workdir, database_url=url, sms_url=provider,
                            sms_api_key="bench", sms_sender=SENDER, secret_key="bench",
                            provider_concurrency=args.concurrency)
        seconds, sent = drain(settings, redis_url)
        ours, our_peak = sent / seconds, peak.value
        peak.value = 0
        raw = args.messages / asyncio.run(raw_http(provider, args.messages, args.concurrency))
        raw_peak, peak.value = peak.value, 0
        sample = min(args.messages, ONE_POOL_SAMPLE)  # httpx is slow: a sample is enough
        split = sample / asyncio.run(raw_http(provider, sample, args.concurrency,
                                              CLIENT_CONNECTIONS))
        print(f"SMS, {args.messages:,} messages, provider answers after "
              f"{args.delay * 1000:.0f} ms, {args.concurrency} calls in flight at most:")
        print(f"  delivery (1 worker):         {ours:>7,.0f} messages/s ({sent:,} sent in "
              f"{seconds:.1f} s; at most {our_peak} calls in flight)")
        print(f"  bare aiohttp (the limit):    {raw:>7,.0f} messages/s "
              f"(delivery: {ours / raw:.0%} of it; at most {raw_peak} in flight)")
        print(f"  {f'bare httpx, clients of {CLIENT_CONNECTIONS}:':<28} {split:>7,.0f} messages/s "
              f"(over the first {sample:,}; delivery: {ours / split:.0%} of it)")
        print(f"  ceiling at this bound:       {args.concurrency / args.delay:>7,.0f} messages/s")
    finally:
        server.terminate()


def bench_email(args: argparse.Namespace, url: str, redis_url: str, workdir: Path) -> None:
    received, connections = multiprocessing.Value("q", 0), multiprocessing.Value("q", 0)
    port = free_port()
    server = start(serve_smtp, port, received, connections)
    try:
        seed(url, "email", args.emails, email_content)
        settings = Settings(data_dir=workdir, database_url=url, secret_key="bench",
                            smtp_url=f"smtp://127.0.0.1:{port}?from=news@shop.test",
                            public_url="https://crm.shop.test")
        seconds, sent = drain(settings, redis_url)
        ours, our_connections = sent / seconds, connections.value
        raw = args.emails / raw_smtp(port, args.emails)
        print(f"Email, {args.emails:,} messages to a local aiosmtpd server:")
        print(f"  delivery (1 worker): {ours:>9,.0f} messages/s ({sent:,} sent in "
              f"{seconds:.1f} s over {our_connections} connection(s))")
        print(f"  bare smtplib:        {raw:>9,.0f} messages/s (one connection)")
        print(f"  ratio:               {ours / raw:>9.0%}")
    finally:
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="SMS to deliver")
    parser.add_argument("--emails", type=int, default=20_000, help="emails to deliver")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="")
    parser.add_argument("--concurrency", type=int, default=64,
                        help="calls in flight to the provider (WAYLINE_PROVIDER_CONCURRENCY)")
    parser.add_argument("--delay", type=float, default=0.02,
                        help="seconds the provider takes to answer")
    args = parser.parse_args()
    # The channels the benchmark leaves unconfigured would each say so, once a drain.
    logging.getLogger("runtime.messaging.channels").setLevel(logging.ERROR)
    workdir = Path(tempfile.mkdtemp(prefix="wayline-bench-"))
    redis = EmbeddedRedis(workdir / "redis").start()
    url, drop = database(args.database, workdir)
    print(f"wayline delivery benchmark — {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}, {url.split(':')[0]}")
    try:
        connect(redis.url).flushdb()
        if args.messages:
            bench_sms(args, url, redis.url, workdir)
        if args.emails:
            bench_email(args, url, redis.url, workdir)
    finally:
        drop()
        redis.stop()


if __name__ == "__main__":
    main()
