"""Stand-ins for the outside world in tests: a real SMTP server and a real HTTP provider.

Only the outside world is replaced, and by real local servers on 127.0.0.1 (or [::1]): aiosmtpd
for mail, http.server for webhook, SMS, Kakao and push providers. Fixtures live in conftest.py.
Webhooks call only public addresses unless allow-listed (`runtime.outbound`), so adapters meant
to reach these servers allow the loopback addresses (`LOCAL`), as an operator would.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from runtime.messaging.channels import SmtpAdapter, WebhookAdapter
from runtime.outbound import AllowList

LOCAL = AllowList.parse("127.0.0.1/32, ::1/128")
"""The allow-list that lets a webhook reach the local servers below."""


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it receives; can be busy (451) or refuse (550)."""

    busy: int = 0
    """Answer 451 to this many RCPT commands before accepting."""
    unknown: frozenset[str] = frozenset()
    """Recipients answered with 550."""
    received: list[EmailMessage] = field(default_factory=list)
    sessions: list[object] = field(default_factory=list)
    """The SMTP session (one per connection) each message came on."""
    url: str = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.unknown:
            return f"550 5.1.1 <{address}>: no such user"
        if self.busy > 0:
            self.busy -= 1
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(message_from_bytes(envelope.original_content, policy=policy.default))
        self.sessions.append(session)
        return "250 2.0.0 queued"


@pytest.fixture
def smtp_server() -> Iterator:
    """Start a local SMTP server: `smtp_server(busy=2)` → its Mailbox; stopped after the test."""
    controllers: list[Controller] = []

    def start(idle_timeout: float = 300, **behaviour) -> Mailbox:
        mailbox = Mailbox(**behaviour)
        port = free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, timeout=idle_timeout)
        controller.start()
        controllers.append(controller)
        mailbox.url = f"smtp://127.0.0.1:{port}"
        return mailbox

    yield start
    for controller in controllers:
        controller.stop()


def sender_for(mailbox: Mailbox, **query: str) -> SmtpAdapter:
    """An SMTP adapter pointed at the local server."""
    suffix = "?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else ""
    return SmtpAdapter.from_url(mailbox.url + suffix, "Wayline <no-reply@wayline.test>")


# --- a real HTTP server ------------------------------------------------------------------------


@dataclass
class Request:
    """One request the endpoint received."""

    method: str
    path: str
    headers: dict[str, str]
    body: object


@dataclass
class Endpoint:
    """A local HTTP server standing in for a webhook receiver; answers from a script."""

    answers: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    """(status, headers, body) for the next requests, in order; then `otherwise`."""
    otherwise: tuple[int, dict[str, str], str] = (200, {}, "ok")
    delay: float = 0.0
    requests: list[Request] = field(default_factory=list)
    url: str = ""
    in_flight: int = 0
    peak: int = 0
    """The most requests it was answering at once."""
    _count: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        with self._count:
            self.requests.append(Request(handler.command, handler.path, dict(handler.headers),
                                         json.loads(raw) if raw else None))
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            status, headers, body = self.answers.pop(0) if self.answers else self.otherwise
        time.sleep(self.delay)
        with self._count:
            self.in_flight -= 1
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body.encode())))
        handler.end_headers()
        # A client that gave up waiting (the timeout test) has closed the connection.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body.encode())


class _Server(ThreadingHTTPServer):
    # Delivery opens dozens of connections at once (WAYLINE_PROVIDER_CONCURRENCY); the
    # standard library's backlog of 5 would refuse some, as no real provider does.
    request_queue_size = 256


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            endpoint.answer(self)

        do_PUT = do_PATCH = do_POST  # noqa: N815

        def log_message(self, *args):  # keep pytest output clean
            pass

    return Handler


@pytest.fixture
def http_server() -> Iterator:
    """Start a local HTTP server: `http_server(answers=[(500, {}, "")])` → its Endpoint;
    `http_server(host="::1")` listens on IPv6 loopback instead."""
    servers: list[_Server] = []

    def start(host: str = "127.0.0.1", **behaviour) -> Endpoint:
        endpoint = Endpoint(**behaviour)
        kind = _IPv6Server if ":" in host else _Server
        server = kind((host, 0), _handler(endpoint))
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        shown = f"[{host}]" if ":" in host else host
        endpoint.url = f"http://{shown}:{server.server_address[1]}/hooks/order"
        return endpoint

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webhook() -> Iterator[WebhookAdapter]:
    """A webhook adapter with a short timeout, allowed to call the local servers."""
    adapter = WebhookAdapter(timeout=2.0, allow=LOCAL)
    yield adapter
    adapter.close()


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 from a thread: the base URL (http://127.0.0.1:<port>);
    the server stops when the block ends. For the local stand-ins of providers' APIs."""
    server = _Busy(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Busy(ThreadingHTTPServer):
    """A threaded server whose listen queue takes a delivery worker's calls in flight at once
    (the default queue of 5 drops connections, which then wait seconds to be tried again)."""

    request_queue_size = 256
    daemon_threads = True

