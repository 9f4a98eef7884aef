"""Outbound safety: whether a webhook may call an address, and a client that calls only the
address it checked.

Anyone who may edit a template decides where its webhook goes, so without a check a webhook
could reach the Wayline server itself (127.0.0.1), the office network (10.x, 192.168.x) or a
cloud's metadata service (169.254.169.254), which hands out the server's credentials. Here a
webhook's host is resolved once, every address it resolves to must be a public one, and the
connection goes to one of exactly those addresses: there is no second DNS lookup a hostile DNS
server could answer differently (DNS rebinding). The check lives in the HTTP client's network
backend (`CheckedBackend`), where httpcore opens connections, so the URL, the Host header, TLS
SNI and certificate checks all stay on the host name while the socket goes to the checked
address. Every way of writing an address is covered because the resolver's own answer is
checked (2130706433, 0177.0.0.1, 0x7f.1 and 127.1 all resolve to 127.0.0.1), and addresses
that carry an IPv4 address inside IPv6 (::ffff:127.0.0.1, 64:ff9b::a00:1) are judged by it.

An operator who wants webhooks to reach an internal endpoint lists it in WAYLINE_WEBHOOK_ALLOW
(`AllowList`): host names (`*.corp.example` for subdomains) and networks in CIDR notation.
Proxies from the environment are ignored: a proxy would resolve the host itself, unchecked.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)

import httpcore
import httpx

IPAddress = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
Resolver = Callable[[str, int], list[str]]
"""Host and port → the addresses to try, in order (`resolve`, or a stand-in DNS in tests)."""

METADATA = "a cloud metadata service, which hands out the server's credentials"
LOOPBACK = "a loopback address (the Wayline server itself)"
UNSPECIFIED = "an unspecified address (the Wayline server itself)"
PRIVATE = "a private network address"
SHARED = "a carrier-grade NAT address (a provider's private network)"
LINK_LOCAL = "a link-local address (the server's own network segment)"
MULTICAST = "a multicast address"
RESERVED = "a reserved address, not one on the public internet"

REFUSED: tuple[tuple[Network, str], ...] = tuple((ip_network(cidr), why) for cidr, why in {
    # Metadata services come first, so that they are named as such and not as link-local.
    "169.254.169.254/32": METADATA, "fd00:ec2::254/128": METADATA,
    "100.100.100.200/32": METADATA,
    "127.0.0.0/8": LOOPBACK, "::1/128": LOOPBACK,
    "0.0.0.0/8": UNSPECIFIED, "::/128": UNSPECIFIED,
    "10.0.0.0/8": PRIVATE, "172.16.0.0/12": PRIVATE, "192.168.0.0/16": PRIVATE,
    "fc00::/7": PRIVATE, "64:ff9b:1::/48": PRIVATE,
    "100.64.0.0/10": SHARED,
    "169.254.0.0/16": LINK_LOCAL, "fe80::/10": LINK_LOCAL,
    "224.0.0.0/4": MULTICAST, "ff00::/8": MULTICAST,
    # Protocol assignments, documentation, benchmarking, the old 6to4 relay, 240/4 (with the
    # broadcast address 255.255.255.255), IPv6 discard, Teredo and friends, site-local.
    "192.0.0.0/24": RESERVED, "192.0.2.0/24": RESERVED, "192.88.99.0/24": RESERVED,
    "198.18.0.0/15": RESERVED, "198.51.100.0/24": RESERVED, "203.0.113.0/24": RESERVED,
    "240.0.0.0/4": RESERVED, "100::/64": RESERVED, "2001::/23": RESERVED,
    "2001:db8::/32": RESERVED, "fec0::/10": RESERVED,
}.items())
"""Networks a webhook may not call unless allow-listed, each with why, most specific first."""

GLOBAL_UNICAST = ip_network("2000::/3")
"""The only IPv6 addresses the internet routes; anything else is refused as reserved."""

CARRIES_IPV4 = (ip_network("::ffff:0:0/96"), ip_network("64:ff9b::/96"),
                ip_network("::ffff:0:0:0/96"), ip_network("::/96"))
"""IPv6 prefixes whose last 32 bits are an IPv4 address the packet ends up at: mapped, NAT64,
translated and the old "compatible" form."""

INTERNAL_NAMES = frozenset({"localhost", "metadata.google.internal", "metadata.goog"})
"""Host names refused before any lookup (and `*.localhost`, which always loops back)."""

HOST_NAME = re.compile(r"^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$")
"""A host name as WAYLINE_WEBHOOK_ALLOW lists it."""


class RefusedAddress(Exception):  # noqa: N818 - a decision, as PermanentFailure is
    """A webhook may not call this host; `reason` says why, for the message's record."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# --- which addresses ---------------------------------------------------------------------------


def refusal(address: IPAddress) -> str | None:
    """Why a webhook may not call this address, or None for a public internet address."""
    inner = carried_ipv4(address)
    if inner is not None:
        why = refusal(inner)
        if why is not None:
            return f"{why}, written as IPv6"
        if address in CARRIES_IPV4[3]:  # ::a.b.c.d is deprecated and routes nowhere
            return RESERVED
        return None
    for network, why in REFUSED:
        if address in network:
            return why
    if isinstance(address, IPv6Address) and address not in GLOBAL_UNICAST:
        return RESERVED
    return None


def carried_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4, …), if any."""
    if not isinstance(address, IPv6Address) or int(address) <= 1:  # :: and ::1 are themselves
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in prefix for prefix in CARRIES_IPV4):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def name_refusal(name: str) -> str | None:
    """Why a host name is refused before any lookup, or None."""
    name = normal_name(name)
    if name in INTERNAL_NAMES or name.endswith(".localhost"):
        return METADATA if name.startswith("metadata") else LOOPBACK
    return None


def normal_name(host: str) -> str:
    """A host as compared: lower case, without brackets or a trailing dot."""
    return host.strip("[]").rstrip(".").lower()


def numeric_address(host: str) -> IPAddress | None:
    """The address a host written as a number stands for, or None for a name.

    IPv4 in every form the system's resolver accepts (inet_aton): 127.0.0.1, 2130706433,
    0177.0.0.1, 0x7f.0.0.1, 127.1; IPv6 with or without brackets.
    """
    host = normal_name(host)
    if ":" in host:
        try:
            return ip_address(host.split("%")[0])
        except ValueError:
            return None
    parts = host.split(".")
    numbers = [_number(part) for part in parts]
    if not 1 <= len(parts) <= 4 or None in numbers:
        return None
    *head, last = typing.cast(list[int], numbers)
    if any(number > 255 for number in head) or last >= 256 ** (4 - len(head)):
        return None
    value = sum(number << 8 * (3 - index) for index, number in enumerate(head)) + last
    return IPv4Address(value)


def _number(part: str) -> int | None:
    """One dotted part as inet_aton reads it: 0x… hex, 0… octal, else decimal."""
    if len(part.lstrip("0xX")) > 12:  # past any 32-bit value (and int()'s digit limit)
        return None
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", part):
        return int(part, 16)
    if re.fullmatch(r"0[0-7]*", part):
        return int(part, 8)
    if re.fullmatch(r"[1-9][0-9]*", part):
        return int(part)
    return None


# --- the operator's exceptions -----------------------------------------------------------------


@dataclass(frozen=True)
class AllowList:
    """Internal hosts and networks webhooks may call all the same (WAYLINE_WEBHOOK_ALLOW)."""

    names: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """Comma-separated host names and CIDR networks; ValueError names a bad entry."""
        names: set[str] = set()
        networks: list[Network] = []
        for entry in (entry.strip() for entry in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = normal_name(entry)
            if not HOST_NAME.match(name):
                raise ValueError(f"{entry!r} is neither a host name nor a network; list names "
                                 "such as hooks.corp.example or *.corp.example and networks "
                                 "such as 10.20.0.0/16, separated by commas")
            names.add(name)
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        """True when the host name is listed, itself or by a `*.` entry for its domain."""
        name = normal_name(host)
        return name in self.names or any(
            entry.startswith("*.") and name.endswith(entry[1:]) for entry in self.names)

    def allows_address(self, address: IPAddress) -> bool:
        """True when the address, or the IPv4 address it carries, is in a listed network."""
        inner = carried_ipv4(address)
        return any(candidate in network for network in self.networks
                   for candidate in (address, inner) if candidate is not None
                   and candidate.version == network.version)


def host_refusal(host: str, allow: AllowList) -> str | None:
    """Why a host written in a template is refused, judged without any lookup (when saving).

    Names are resolved and checked at every send instead: their addresses may change.
    """
    if allow.allows_name(host):
        return None
    address = numeric_address(host)
    if address is None:
        why = name_refusal(host)
        return f"{host} is {why}" if why else None
    why = None if allow.allows_address(address) else refusal(address)
    return _refused(host, address, why).reason if why else None


# --- calling the checked address ---------------------------------------------------------------


def resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for host, in its order; ConnectError if none."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise httpcore.ConnectError(f"could not resolve {host}: {error}") from None
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in found))


def checked_addresses(host: str, port: int, allow: AllowList,
                      resolver: Resolver = resolve) -> list[str]:
    """The addresses to connect to for host, every one checked; RefusedAddress otherwise."""
    if allow.allows_name(host):
        return resolver(host, port)
    named = name_refusal(host)
    if named and not allow.networks:  # no need to ask DNS about localhost
        raise RefusedAddress(f"{host} is {named}")
    addresses = resolver(host, port)
    if named and not all(allow.allows_address(_address(found)) for found in addresses):
        raise RefusedAddress(f"{host} is {named}")
    for found in addresses:
        address = _address(found)
        why = None if allow.allows_address(address) else refusal(address)
        if why:
            raise _refused(host, address, why)
    return addresses


def _address(found: str) -> IPAddress:
    return ip_address(found.split("%")[0])  # a link-local address may carry its %interface


def _refused(host: str, address: IPAddress, why: str) -> RefusedAddress:
    """'2130706433 (127.0.0.1) is a loopback address…', 'hooks.test resolves to 10.0.0.5, …'."""
    if numeric_address(host) != address:
        return RefusedAddress(f"{host} resolves to {address}, {why}")
    shown = host if normal_name(host) == str(address) else f"{host} ({address})"
    return RefusedAddress(f"{shown} is {why}")


class CheckedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting only to addresses `checked_addresses` passed."""

    def __init__(self, allow: AllowList, resolver: Resolver = resolve) -> None:
        self.allow, self.resolver = allow, resolver

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[typing.Any] | None = None
                    ) -> httpcore.NetworkStream:
        """Resolve once, check every address, then connect to the first that answers."""
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in checked_addresses(host, port, self.allow, self.resolver):
            try:
                # An address literal: the socket layer does no lookup of its own.
                return super().connect_tcp(address, port, timeout, local_address,
                                           socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure or httpcore.ConnectError(f"{host} has no address")


class CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport, with a connection pool whose connections go through
    `CheckedBackend`. httpx takes no network backend, so the pool it builds is replaced by an
    equal one (httpcore's public constructor, httpx's default limits) that has ours."""

    def __init__(self, allow: AllowList, resolver: Resolver = resolve,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(trust_env=False)
        # SSL_CERT_FILE is honoured (an internal endpoint may use the company's CA); the
        # proxy variables are not, since a proxy would resolve the host itself, unchecked.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=True),
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0,
            network_backend=CheckedBackend(allow, resolver))


class CheckedAsyncBackend(httpcore.AnyIOBackend):
    """`CheckedBackend` for the async client: the same check, the lookup off the event loop."""

    def __init__(self, allow: AllowList, resolver: Resolver = resolve) -> None:
        self.allow, self.resolver = allow, resolver

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[typing.Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        """Resolve once (in a thread: lookups block), check every address, then connect."""
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        addresses = await asyncio.to_thread(checked_addresses, host, port, self.allow,
                                            self.resolver)
        for address in addresses:
            try:
                return await super().connect_tcp(address, port, timeout, local_address,
                                                 socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure or httpcore.ConnectError(f"{host} has no address")


class CheckedAsyncTransport(httpx.AsyncHTTPTransport):
    """`CheckedTransport` for the async client, `limits` connections in its pool."""

    def __init__(self, allow: AllowList, resolver: Resolver = resolve,
                 ssl_context: ssl.SSLContext | None = None, limits: int = 100) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=True),
            max_connections=limits, max_keepalive_connections=limits, keepalive_expiry=5.0,
            retries=1,  # a refused connect sent nothing: one more try (many connect at once)
            network_backend=CheckedAsyncBackend(allow, resolver))


def checked_async_client(timeout: float, allow: AllowList, resolver: Resolver = resolve, *,
                         headers: dict[str, str] | None = None, limits: int = 100
                         ) -> httpx.AsyncClient:
    """`checked_client` for the event loop: many calls in flight, at most `limits` at once."""
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False,
                             headers=headers,
                             transport=CheckedAsyncTransport(allow, resolver, limits=limits))


def checked_client(timeout: float, allow: AllowList, resolver: Resolver = resolve, *,
                   headers: dict[str, str] | None = None,
                   ssl_context: ssl.SSLContext | None = None) -> httpx.Client:
    """An httpx client that calls only checked addresses and follows no redirect (a redirect
    could point anywhere, and a POST silently turned into a GET would lose its body)."""
    return httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False,
                        headers=headers,
                        transport=CheckedTransport(allow, resolver, ssl_context))
