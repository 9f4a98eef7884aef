"""Channel adapters as configured, by each channel's transport (`ChannelSpec.transport`).

SMTP (email, built by `runtime.messaging.emails`), a call to the template's URL (webhooks, to
checked public addresses only: `runtime.outbound`), or the channel's HTTP provider (SMS/LMS,
KakaoTalk AlimTalk, app push: `runtime.messaging.providers`, configured by
WAYLINE_<KEY>_URL and _API_KEY). A channel without a configured provider uses the
outbox adapter (`runtime.messaging.adapters`), which records the message as sent without it
leaving Wayline — fine for demos and previews, and visible as an `outbox-…` provider id.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Mapping
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import httpx

from nodes.kit.channel import Transport, default_channels
from runtime.messaging import inflight
from runtime.messaging.adapters import (
    RESPONSE_EXCERPT,
    Adapter,
    DeliveryError,
    OutboxAdapter,
    PermanentFailure,
    TransientFailure,
    http_outcome,
    public_origin,
)
from runtime.outbound import (
    AllowList,
    RefusedAddress,
    Resolver,
    checked_async_client,
    checked_client,
    resolve,
)
from runtime.smtp_config import SmtpConfig, parse_smtp_url

if TYPE_CHECKING:
    from runtime.settings import Settings

log = logging.getLogger(__name__)

# --- SMTP --------------------------------------------------------------------------------------


SMTP_CONNECTIONS = 4
"""Connections to the mail server one worker sends over at once (each carries many emails)."""

SMTP_FRESH = 0.5
"""Seconds a connection may sit idle and still be used without a NOOP first (for the next
email of the same job, mostly): servers drop idle clients after seconds or minutes, and a NOOP
per email would cost a fifth of its round trips."""


class SmtpAdapter:
    """Email over SMTP: kept-open connections, text and HTML parts, a stable Message-ID.

    Up to `connections` threads may send at once, each over a connection of its own taken
    from the adapter's idle ones (or opened); a connection goes back after each email.
    """

    idempotent = False  # SMTP has no idempotency key: record each email as soon as it is sent

    def __init__(self, config: SmtpConfig, connections: int = SMTP_CONNECTIONS) -> None:
        self.config = config
        self.connections = connections
        self._idle: list[tuple[smtplib.SMTP, float]] = []  # with when each was last used
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, default_sender: str) -> SmtpAdapter:
        """An adapter for a WAYLINE_SMTP_URL value."""
        return cls(parse_smtp_url(url, default_sender))

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Hand the email to the mail server; the provider id is its Message-ID."""
        email = self.compose(message_id, content)
        connection = None
        try:
            connection = self._connect()
            connection.send_message(email)
        except (smtplib.SMTPException, OSError) as error:
            if connection is not None:  # whatever its state now is, the next send starts afresh
                _goodbye(connection)
            raise self._failure(error) from error
        with self._lock:
            self._idle.append((connection, time.monotonic()))
        return email["Message-ID"]

    def compose(self, message_id: int, content: Mapping[str, Any]) -> EmailMessage:
        """The email for a message's content (to, subject, text, optional html)."""
        from runtime.messaging.emails import build_email  # emails raises this module's failures

        return build_email(message_id, content, self.config.sender, self.config.domain)

    def close(self) -> None:
        """Say goodbye to the mail server on every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection, _since in idle:
            _goodbye(connection)

    def _connect(self) -> smtplib.SMTP:
        """An idle connection that still answers, else a new one (logged in)."""
        while True:
            with self._lock:
                connection, since = self._idle.pop() if self._idle else (None, 0.0)
            if connection is None:
                break
            if time.monotonic() - since < SMTP_FRESH:
                return connection
            try:
                # The server may have dropped an idle connection; find out before MAIL FROM,
                # so a message is never half-sent on a dead connection.
                if connection.noop()[0] == 250:
                    return connection
            except (smtplib.SMTPException, OSError):
                pass
            _goodbye(connection)
        config = self.config
        connection = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            if config.starttls:
                connection.starttls(context=ssl.create_default_context())
            if config.username:
                connection.login(config.username, config.password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def _failure(self, error: Exception) -> DeliveryError:
        """The failure an SMTP error means: the reply code in the reason, its text apart."""
        server = f"{self.config.host}:{self.config.port}"
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            code, text = next(iter(error.recipients.values()))
            reason = f"the mail server refused the customer's address: {code}"
            failure = PermanentFailure if code >= 500 else TransientFailure
            return failure(reason, answer=_text(text))
        said = _text(error.smtp_error) if isinstance(error, smtplib.SMTPResponseException) else None
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return TransientFailure(f"the mail server {server} rejected the login "
                                    f"({error.smtp_code}); check the user and password in "
                                    "WAYLINE_SMTP_URL", answer=said)
        if isinstance(error, smtplib.SMTPSenderRefused):
            return TransientFailure(f"the mail server refused the sender {error.sender} "
                                    f"({error.smtp_code}); set one it accepts with ?from= in "
                                    "WAYLINE_SMTP_URL or WAYLINE_SMTP_FROM", answer=said)
        if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPHeloError):
            return TransientFailure(f"the mail server {server} would not start a session "
                                    f"({error.smtp_code})", answer=said)
        if isinstance(error, smtplib.SMTPResponseException):
            reason = f"the mail server answered {error.smtp_code}"
            failure = PermanentFailure if error.smtp_code >= 500 else TransientFailure
            return failure(reason, answer=said)
        if isinstance(error, smtplib.SMTPNotSupportedError):
            return TransientFailure(f"the mail server {server} does not support {error}; "
                                    "drop ?starttls=1 from WAYLINE_SMTP_URL or use another port")
        return TransientFailure(f"could not talk to the mail server {server}: "
                                f"{error or type(error).__name__}")


def _goodbye(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return " ".join(text.split())[:RESPONSE_EXCERPT]


# --- webhooks ----------------------------------------------------------------------------------


class WebhookAdapter:
    """JSON over HTTP to the template's URL, with `Idempotency-Key: <message id>`.

    Only public internet addresses are called, and only the address that was checked
    (`runtime.outbound`); `allow` lists the internal ones an operator opened up. `resolver`
    stands in for DNS in tests. Redirects are not followed.
    """

    idempotent = True

    def __init__(self, timeout: float = 10.0, allow: AllowList | None = None,
                 resolver: Resolver = resolve,
                 concurrency: int = inflight.PROVIDER_CONCURRENCY) -> None:
        self.timeout, self.allow, self.resolver = timeout, allow or AllowList(), resolver
        self.concurrency = concurrency
        self._client = checked_client(timeout, self.allow, resolver,
                                      headers={"User-Agent": "Wayline"})
        self._async_clients: inflight.ClientPool | None = None

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Call the webhook; 2xx is sent, 408/429/5xx and network trouble are transient."""
        method, url, headers = self._request(message_id, content)
        try:
            response = self._client.request(method, url, json=content.get("body"),
                                            headers=headers)
        # InvalidURL: an address httpx won't parse (e.g. 0177.0.0.1, octal) is never called.
        except (RefusedAddress, httpx.TransportError, httpx.InvalidURL) as error:
            raise self._unreached(url, error) from None
        return http_outcome(f"webhook-{message_id}", f"{method} {public_origin(url)}", response)

    async def send_async(self, message_id: int, channel: str,
                         content: Mapping[str, Any]) -> str:
        """As `send`, on the worker's event loop (`runtime.messaging.inflight`)."""
        method, url, headers = self._request(message_id, content)
        if self._async_clients is None:  # made on the loop that will use their connections
            self._async_clients = inflight.ClientPool(
                lambda connections: checked_async_client(
                    self.timeout, self.allow, self.resolver,
                    headers={"User-Agent": "Wayline"}, limits=connections),
                self.concurrency)
        try:
            response = await self._async_clients.request(method, url,
                                                         json=content.get("body"),
                                                         headers=headers)
        # InvalidURL: an address httpx won't parse (e.g. 0177.0.0.1, octal) is never called.
        except (RefusedAddress, httpx.TransportError, httpx.InvalidURL) as error:
            raise self._unreached(url, error) from None
        return http_outcome(f"webhook-{message_id}", f"{method} {public_origin(url)}", response)

    def origin(self, content: Mapping[str, Any]) -> str:
        """The webhook's origin: calls to one endpoint are bounded together."""
        return public_origin(str(content.get("url") or ""))

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()
        clients, self._async_clients = self._async_clients, None
        if clients is not None:
            inflight.run(clients.aclose())

    @staticmethod
    def _request(message_id: int, content: Mapping[str, Any]
                 ) -> tuple[str, str, httpx.Headers]:
        """The method, URL and headers of the call; PermanentFailure without a URL."""
        url, method = content.get("url"), str(content.get("method") or "POST").upper()
        if not url:
            raise PermanentFailure("the webhook has no URL; it was rendered from an incomplete "
                                   "template")
        headers = httpx.Headers(dict(content.get("headers") or {}))
        headers["Idempotency-Key"] = str(message_id)  # replaces any the template set
        return method, str(url), headers

    def _unreached(self, url: str, error: Exception) -> DeliveryError:
        """The failure a call that got no answer means."""
        where = public_origin(url)  # a path can carry the customer's data: not in reasons
        if isinstance(error, RefusedAddress):  # retrying cannot make the address public
            return PermanentFailure(f"the webhook URL {where} was not called: {error.reason}; "
                                    "webhooks call public internet addresses only, so use the "
                                    "endpoint's public address, or ask an admin to add it to "
                                    "WAYLINE_WEBHOOK_ALLOW")
        if isinstance(error, httpx.TimeoutException):
            return TransientFailure(f"{where} did not answer within {self.timeout:g} s")
        if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return PermanentFailure(f"the webhook URL {where} cannot be called: {error}")
        return TransientFailure(f"could not reach {where}: {error}")


# --- wiring ------------------------------------------------------------------------------------


def recorders(adapters: Mapping[str, Adapter]) -> dict[str, Adapter]:
    """The channels whose adapter only records, with it: a batch writes their messages sent."""
    return {channel: adapter for channel, adapter in adapters.items()
            if getattr(adapter, "records_only", False)}


def adapters_from_settings(settings: Settings) -> dict[str, Adapter]:
    """The adapter for each channel, as configured (the outbox where none is)."""
    adapters: dict[str, Adapter] = {}
    for spec in default_channels():
        if spec.transport is Transport.SMTP:
            adapters[spec.key] = _smtp_adapter(settings)
        elif spec.transport is Transport.CALL:
            adapters[spec.key] = WebhookAdapter(timeout=settings.webhook_timeout,
                                                allow=AllowList.parse(settings.webhook_allow),
                                                concurrency=settings.provider_concurrency)
    return {**adapters, **provider_adapters(settings)}


def _smtp_adapter(settings: Settings) -> Adapter:
    from runtime.messaging.tracking import track_email

    if not settings.smtp_url:
        log.warning("WAYLINE_SMTP_URL is not set: emails are recorded as sent in the outbox "
                    "but do not leave Wayline")
        return OutboxAdapter()
    email = SmtpAdapter.from_url(settings.smtp_url, settings.smtp_from)
    return track_email(email, settings)  # opens and clicks: runtime.messaging.tracking


def provider_adapters(settings: Settings) -> dict[str, Adapter]:
    """The channels sent through an HTTP provider: it where WAYLINE_<KEY>_URL is set, else the
    outbox. The account values the request needs are settings the channel names."""
    from runtime.messaging.providers import HttpProviderAdapter

    adapters: dict[str, Adapter] = gateway_adapters(settings)
    for spec in default_channels():
        if spec.transport is not Transport.PROVIDER or spec.key in adapters:
            continue
        url = getattr(settings, f"{spec.key}_url", "")
        if url:
            account = {name: getattr(settings, attribute, "")
                       for name, attribute in spec.account.items()}
            adapters[spec.key] = HttpProviderAdapter(
                spec.key, url, getattr(settings, f"{spec.key}_api_key", ""), account,
                timeout=settings.webhook_timeout, concurrency=settings.provider_concurrency)
        else:
            log.warning("WAYLINE_%s_URL is not set: %s messages are recorded as sent in the "
                        "outbox but do not leave Wayline", spec.key.upper(), spec.key)
            adapters[spec.key] = OutboxAdapter()
    return adapters


def gateway_adapters(settings: Settings) -> dict[str, Adapter]:
    """The channels whose WAYLINE_<CHANNEL>_PROVIDER names a provider gateway, each with it
    (one gateway object serves all the channels it carries); GatewayError when one is wrong."""
    from runtime.messaging.gateways import AssetLoader, GatewayConfig, chosen, config_values

    provider_channels = [spec.key for spec in default_channels()
                         if spec.transport is Transport.PROVIDER]
    built: dict[str, Adapter] = {}
    adapters: dict[str, Adapter] = {}
    for channel, gateway in chosen(settings.extra, provider_channels).items():
        if gateway.key not in built:
            accounts = {spec.key: {name: str(getattr(settings, attribute, ""))
                                   for name, attribute in spec.account.items()}
                        for spec in default_channels() if spec.key in gateway.channels}
            built[gateway.key] = gateway.build(GatewayConfig(
                config_values(gateway, settings.extra), timeout=settings.webhook_timeout,
                concurrency=settings.provider_concurrency, accounts=accounts,
                assets=AssetLoader(settings.database)))
        adapters[channel] = built[gateway.key]
    return adapters
