"""Outbound safety: webhooks call public addresses only, in every way an address can be
written, connect to the address that was checked, and reach internal ones only when listed.

Local HTTP servers on 127.0.0.1 and [::1] stand in for internal services: a refused call must
leave them untouched. DNS is the outside world: where a test needs a name to resolve to an
address of its choosing, a stand-in resolver answers (and counts the lookups).
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from http.server import ThreadingHTTPServer
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.messaging.adapters import PermanentFailure
from runtime.messaging.channels import WebhookAdapter, adapters_from_settings
from runtime.outbound import (
    REFUSED,
    AllowList,
    RefusedAddress,
    checked_client,
    host_refusal,
    numeric_address,
    refusal,
)
from runtime.settings import Settings
from tests.runtime.providers import Endpoint, _handler

# --- which addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "says"), [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"),
    ("192.168.0.10", "private"), ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("100.64.0.1", "carrier-grade NAT"), ("100.127.255.254", "carrier-grade NAT"),
    ("169.254.1.1", "link-local"), ("fe80::1", "link-local"),
    ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("255.255.255.255", "reserved"), ("240.0.0.1", "reserved"), ("192.0.2.1", "reserved"),
    ("198.18.0.1", "reserved"), ("2001:db8::1", "reserved"), ("fec0::1", "reserved"),
    ("100::1", "reserved"), ("4000::1", "reserved"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "metadata"),
    ("::ffff:10.0.0.1", "private"), ("::127.0.0.1", "loopback"), ("::8.8.8.8", "reserved"),
    ("64:ff9b::a00:1", "private"), ("::ffff:0:7f00:1", "loopback"),
    ("2002:7f00:1::", "loopback"), ("2002:a9fe:a9fe::1", "metadata"),
])
def test_internal_addresses_are_refused_with_what_they_are(address, says):
    why = refusal(ip_address(address))
    assert why is not None and says in why


@pytest.mark.parametrize("address", [
    "8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.32.0.1",
    "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808",
    "2002:808:808::1",
])
def test_public_addresses_may_be_called(address):
    assert refusal(ip_address(address)) is None


@pytest.mark.parametrize(("host", "address"), [
    ("127.0.0.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
    ("017700000001", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"), ("0x7f000001", "127.0.0.1"),
    ("127.1", "127.0.0.1"), ("127.0.1", "127.0.0.1"), ("0", "0.0.0.0"),
    ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"), ("2852039166", "169.254.169.254"),
    ("[::1]", "::1"), ("[::ffff:127.0.0.1]", "::ffff:7f00:1"), ("localhost", None),
    ("crm.example.com", None), ("1.2.3.4.5", None), ("08.1.1.1", None), ("0x", None),
    ("1.256.1.1", None), ("4294967296", None), ("9" * 5000, None),
    ("0x" + "0" * 40 + "7f000001", "127.0.0.1"),
])
def test_numbers_are_read_as_the_resolver_reads_them(host, address):
    found = numeric_address(host)
    assert (str(found) if found else None) == address


def _spelled(value: int, parts: int, bases: list[str]) -> str:
    """An IPv4 address as one to four dotted numbers, each in decimal, octal or hex."""
    sizes = [1] * (parts - 1) + [4 - (parts - 1)]
    numbers, shift = [], 32
    for size in sizes:
        shift -= 8 * size
        numbers.append((value >> shift) & ((1 << 8 * size) - 1))
    forms = {"dec": str, "oct": lambda n: "0" + format(n, "o"), "hex": lambda n: hex(n)}
    return ".".join(forms[base](number) for base, number in zip(bases, numbers, strict=False))


@given(st.integers(0, 2**32 - 1), st.integers(1, 4),
       st.lists(st.sampled_from(["dec", "oct", "hex"]), min_size=4, max_size=4))
def test_every_numeric_form_means_the_address_inet_aton_reads(value, parts, bases):
    host = _spelled(value, parts, bases)
    assert numeric_address(host) == IPv4Address(value)
    assert socket.inet_aton(host) == IPv4Address(value).packed


@given(st.sampled_from([network for network, _ in REFUSED if network.version == 4]),
       st.integers(0, 2**32 - 1), st.sampled_from(["plain", "mapped", "nat64", "6to4"]))
def test_a_refused_ipv4_address_is_refused_however_it_is_wrapped(network, offset, wrapping):
    inner = network[offset % network.num_addresses]
    address = {"plain": inner,
               "mapped": IPv6Address(f"::ffff:{inner}"),
               "nat64": IPv6Address(int(ip_network("64:ff9b::/96")[0]) | int(inner)),
               "6to4": IPv6Address((0x2002 << 112) | (int(inner) << 80) | 1)}[wrapping]
    assert refusal(address) is not None
    assert numeric_address(f"[{address}]" if address.version == 6 else str(address)) == address


@given(st.integers(0, 2**32 - 1))
def test_an_ipv4_address_is_refused_exactly_when_its_table_says(value):
    address = IPv4Address(value)
    listed = any(address in network for network, _ in REFUSED)
    assert (refusal(address) is not None) == listed
    assert (refusal(IPv6Address(f"::ffff:{address}")) is not None) == listed


def test_the_allow_list_takes_names_subdomains_and_networks():
    allow = AllowList.parse(" hooks.corp.example , *.svc.internal, 10.20.0.0/16, [fd00::/8] ")
    assert allow.allows_name("HOOKS.corp.example.") and allow.allows_name("a.svc.internal")
    assert not allow.allows_name("svc.internal") and not allow.allows_name("corp.example")
    assert allow.allows_address(ip_address("10.20.3.4"))
    assert allow.allows_address(ip_address("::ffff:10.20.3.4"))
    assert allow.allows_address(ip_address("fd00::5"))
    assert not allow.allows_address(ip_address("10.21.0.1"))
    with pytest.raises(ValueError, match="neither a host name nor a network"):
        AllowList.parse("https://hooks.corp.example/")


def test_a_written_address_is_judged_without_a_lookup():
    nothing = AllowList()
    assert "metadata" in host_refusal("169.254.169.254", nothing)
    assert "metadata" in host_refusal("metadata.google.internal", nothing)
    assert host_refusal("2852039166", nothing).startswith("2852039166 (169.254.169.254) is")
    assert "loopback" in host_refusal("app.localhost", nothing)
    assert host_refusal("crm.example.com", nothing) is None  # names: checked at each send
    allow = AllowList.parse("10.0.0.0/8, localhost")
    assert host_refusal("10.1.2.3", allow) is None and host_refusal("localhost", allow) is None


# --- against real local servers ----------------------------------------------------------------


def _loopback_names() -> list[str]:
    """This machine's names that resolve to loopback (localhost, and often its own name)."""
    names = []
    for name in ("localhost", socket.gethostname()):
        try:
            found = {info[4][0] for info in socket.getaddrinfo(name, 80)}
        except socket.gaierror:
            continue
        if found and all(ip_address(address).is_loopback for address in found):
            names.append(name)
    return names


@pytest.mark.parametrize("host", [
    "127.0.0.1", "2130706433", "017700000001", "0177.0.0.1", "0x7f.0.0.1", "127.1",
    "[::ffff:127.0.0.1]", *_loopback_names()])
def test_a_webhook_to_this_machine_is_refused_and_never_arrives(http_server, host):
    endpoint = http_server()
    port = endpoint.url.split(":")[2].split("/")[0]
    adapter = WebhookAdapter(timeout=2.0)
    with pytest.raises(PermanentFailure) as caught:
        adapter.send(1, "webhook", {"url": f"http://{host}:{port}/hooks", "body": {}})
    adapter.close()
    assert "was not called" in caught.value.reason or "cannot be called" in caught.value.reason
    assert endpoint.requests == []


def test_a_webhook_to_ipv6_loopback_is_refused_and_never_arrives(http_server):
    endpoint = http_server(host="::1")
    adapter = WebhookAdapter(timeout=2.0)
    with pytest.raises(PermanentFailure, match=r"::1 is a loopback address"):
        adapter.send(1, "webhook", {"url": endpoint.url, "body": {}})
    assert "WAYLINE_WEBHOOK_ALLOW" in adapter_reason(adapter, endpoint.url)
    adapter.close()
    assert endpoint.requests == []


def adapter_reason(adapter: WebhookAdapter, url: str) -> str:
    with pytest.raises(PermanentFailure) as caught:
        adapter.send(2, "webhook", {"url": url, "body": {}})
    return caught.value.reason


@pytest.mark.parametrize("allow", ["127.0.0.1/32, ::1", "localhost, 127.0.0.0/8, ::1/128"])
def test_an_allow_listed_internal_url_still_delivers(http_server, allow):
    adapters = adapters_from_settings(Settings(webhook_allow=allow))
    webhook = adapters["webhook"]
    for endpoint in (http_server(), http_server(host="::1")):
        assert webhook.send(5, "webhook", {"url": endpoint.url, "body": {"a": 1}}) == "webhook-5"
        assert [request.body for request in endpoint.requests] == [{"a": 1}]
    by_name = http_server()
    url = by_name.url.replace("127.0.0.1", "localhost")
    assert webhook.send(6, "webhook", {"url": url, "body": {}}) == "webhook-6"
    assert len(by_name.requests) == 1
    webhook.close()


class Resolver:
    """A stand-in DNS: fixed answers per name, counting lookups."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers, self.lookups = answers, []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        return self.answers[host]


def test_the_connection_goes_to_the_address_checked_with_one_lookup(http_server):
    endpoint = http_server()
    port = int(endpoint.url.split(":")[2].split("/")[0])
    dns = Resolver({"hooks.example": ["127.0.0.1"]})
    adapter = WebhookAdapter(timeout=2.0, allow=AllowList.parse("127.0.0.1/32"), resolver=dns)
    for message_id in (1, 2):
        adapter.send(message_id, "webhook", {"url": f"http://hooks.example:{port}/x", "body": {}})
    adapter.close()
    # The name exists nowhere but in the stand-in DNS: each connection (the server closes it
    # after answering) asked once and went to the checked answer, with no lookup of its own.
    assert dns.lookups == ["hooks.example"] * 2
    assert [request.headers["Host"] for request in endpoint.requests] == [
        f"hooks.example:{port}"] * 2


def test_every_address_a_name_resolves_to_must_pass(http_server):
    endpoint = http_server()
    port = endpoint.url.split(":")[2].split("/")[0]
    dns = Resolver({"mixed.example": ["93.184.216.34", "127.0.0.1"]})
    adapter = WebhookAdapter(timeout=2.0, resolver=dns)
    reason = adapter_reason(adapter, f"http://mixed.example:{port}/x")
    adapter.close()
    assert "mixed.example resolves to 127.0.0.1, a loopback address" in reason
    assert endpoint.requests == []


def test_redirects_are_not_followed(http_server):
    inner = http_server()
    outer = http_server(otherwise=(307, {"Location": inner.url}, ""))
    adapter = WebhookAdapter(timeout=2.0, allow=AllowList.parse("127.0.0.1"))
    with pytest.raises(PermanentFailure, match="redirects to"):
        adapter.send(1, "webhook", {"url": outer.url, "body": {}})
    adapter.close()
    assert inner.requests == []


# --- https: the certificate and SNI stay on the host name --------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def tls_files(tmp_path: Path) -> Path:
    """A throwaway CA, and certificates it signed for hooks.example and other.example."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Test",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=tmp_path)
    for name in ("hooks.example", "other.example"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                 "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=tmp_path)
        (tmp_path / f"{name}.ext").write_text(f"subjectAltName=DNS:{name}\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-days", "1", "-extfile", f"{name}.ext",
                 "-out", f"{name}.pem", cwd=tmp_path)
    return tmp_path


def _https_server(files: Path, name: str) -> tuple[ThreadingHTTPServer, Endpoint, list[str]]:
    """An HTTPS endpoint on 127.0.0.1 with the certificate for `name`; the SNI names it saw."""
    endpoint, seen = Endpoint(), []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files / f"{name}.pem", files / f"{name}.key")
    context.sni_callback = lambda _socket, server_name, _context: seen.append(server_name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, endpoint, seen


def test_https_checks_the_certificate_of_the_name_not_the_address(tls_files):
    trusted = ssl.create_default_context(cafile=str(tls_files / "ca.pem"))
    dns = Resolver({"hooks.example": ["127.0.0.1"]})
    allow = AllowList.parse("127.0.0.1/32")
    for certificate, works in (("hooks.example", True), ("other.example", False)):
        server, endpoint, seen = _https_server(tls_files, certificate)
        url = f"https://hooks.example:{server.server_address[1]}/x"
        with checked_client(2.0, allow, dns, ssl_context=trusted) as client:
            if works:
                assert client.post(url, json={}).status_code == 200
            else:
                with pytest.raises(httpx.ConnectError, match="certificate|hostname"):
                    client.post(url, json={})
        server.shutdown()
        server.server_close()
        assert seen == ["hooks.example"]  # SNI named the host, though the socket went to an IP
        assert len(endpoint.requests) == (1 if works else 0)


def test_a_refused_address_is_never_asked_for_a_handshake(tls_files):
    server, endpoint, seen = _https_server(tls_files, "hooks.example")
    with checked_client(2.0, AllowList(), Resolver({"hooks.example": ["127.0.0.1"]})) as client, \
            pytest.raises(RefusedAddress):
        client.post(f"https://hooks.example:{server.server_address[1]}/x", json={})
    server.shutdown()
    server.server_close()
    assert seen == [] and endpoint.requests == []
