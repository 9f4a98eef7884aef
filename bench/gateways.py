"""Benchmark: what a provider gateway costs a delivery worker, next to the generic JSON provider.

Each gateway sends N messages with `send_async` (as delivery does, at most WAYLINE_PROVIDER_
CONCURRENCY calls in flight) to the local server that stands in for its provider in the tests
(tests/runtime/messaging/gateways/*_server.py: Python's threaded http.server, in this process).
The floor, in the same run: the generic JSON provider adapter (`HttpProviderAdapter`, one plain
POST a message) sending N texts to the same kind of local server. Printed: messages/s of each
and the ratio to the floor — what signing (Solapi's HMAC), the provider's request shape and its
answer cost on top of the call itself. The local servers are the ceiling of all of them (one
Python process answering); the figures say nothing of the providers' own speed.

Run: .venv/bin/python -m bench.gateways (or bench/gateways.py) [--messages 2000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.messaging import inflight
from runtime.messaging.channels import gateway_adapters
from runtime.messaging.providers import HttpProviderAdapter
from runtime.settings import load_settings
from tests.runtime.messaging.gateways import nhn_server, solapi_server
from tests.runtime.providers import Endpoint, _handler, serving

TO = "+821012345678"
TEXT = {"to": TO, "text": "주문하신 상품이 출발했어요."}
ALIMTALK = {"to": TO, "text": "민지님, 주문하신 상품이 출발했어요.", "template_code": "SHIPPED",
            "variables": {"name": "민지"}}


def timed(adapter: Any, channel: str, content: dict[str, Any], messages: int,
          concurrency: int) -> float:
    """Messages a second `adapter` sends, `concurrency` calls in flight."""
    async def all_of_them() -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(message_id: int) -> None:
            async with gate:
                await adapter.send_async(message_id, channel, content)

        await asyncio.gather(*(one(message_id) for message_id in range(1, messages + 1)))

    started = time.perf_counter()
    inflight.run(all_of_them())
    return messages / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    n, bound = args.messages, args.concurrency
    figures: dict[str, float] = {}

    with serving(_handler(Endpoint(otherwise=(200, {}, '{"id": "ok"}')))) as url:
        generic = HttpProviderAdapter("sms", url, "key", {"sender": "0212345678"},
                                      concurrency=bound)
        figures["generic JSON provider, SMS (floor)"] = timed(generic, "sms", TEXT, n, bound)
        generic.close()

    solapi = solapi_server.Solapi()
    with serving(solapi_server._handler(solapi)) as url:
        solapi.url = url
        adapters = gateway_adapters(load_settings({
            "WAYLINE_SMS_PROVIDER": "solapi", "WAYLINE_SOLAPI_API_KEY": solapi.api_key,
            "WAYLINE_SOLAPI_API_SECRET": solapi.api_secret, "WAYLINE_SOLAPI_URL": url,
            "WAYLINE_SOLAPI_SENDER": "0212345678"}))
        figures["Solapi, SMS"] = timed(adapters["sms"], "sms", TEXT, n, bound)
        adapters["sms"].close()

    cloud = nhn_server.NhnCloud()
    with serving(nhn_server._handler(cloud)) as url:
        cloud.url = url
        cloud.templates["SHIPPED"] = {"templateCode": "SHIPPED", "status": "TSC03"}
        adapters = gateway_adapters(load_settings({
            "WAYLINE_SMS_PROVIDER": "nhn", "WAYLINE_KAKAO_PROVIDER": "nhn",
            "WAYLINE_SMS_SENDER": "0212345678",
            "WAYLINE_NHN_SMS_APP_KEY": nhn_server.SMS_KEY,
            "WAYLINE_NHN_SMS_SECRET_KEY": nhn_server.SMS_SECRET,
            "WAYLINE_NHN_KAKAO_APP_KEY": nhn_server.KAKAO_KEY,
            "WAYLINE_NHN_KAKAO_SECRET_KEY": nhn_server.KAKAO_SECRET,
            "WAYLINE_NHN_SENDER_KEY": nhn_server.SENDER_KEY,
            "WAYLINE_NHN_SMS_URL": url, "WAYLINE_NHN_KAKAO_URL": url}))
        figures["NHN Cloud, SMS"] = timed(adapters["sms"], "sms", TEXT, n, bound)
        figures["NHN Cloud, AlimTalk"] = timed(adapters["kakao"], "kakao", ALIMTALK, n, bound)
        adapters["sms"].close()

    floor = next(iter(figures.values()))
    print(f"{n} messages each, {bound} calls in flight, local stand-in servers")
    for name, rate in figures.items():
        print(f"  {name:<38} {rate:8.0f} messages/s   {rate / floor:5.2f}× the floor")


if __name__ == "__main__":
    main()
