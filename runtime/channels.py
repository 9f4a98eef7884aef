"""Channel adapters: the one seam between Wayline and the providers that carry messages.

Every adapter has one method, `send(message_id, channel, content) -> provider id`, and tells
failures apart the same way: `TransientFailure` (worth retrying: the provider is down, busy or
rate-limiting) or `PermanentFailure` (retrying cannot help: the address is refused, the request
is wrong). The message id travels with every call as the provider's idempotency key, so a
repeated call after a lost job is harmless. Adapters are not shared between threads.

Email goes out over SMTP (built by `runtime.emails`), webhooks over HTTP to checked public
addresses only (`runtime.outbound`), and SMS/LMS, KakaoTalk AlimTalk and app push to HTTP
providers (`runtime.providers`). A channel without a configured provider uses the outbox
adapter, which records the message as sent without it leaving Wayline — fine for demos and
previews, and visible as an `outbox-…` provider id.

A failure's `reason` says what happened in words anyone on the team may read ("POST
crm.example.com/hooks answered 500 Internal Server Error"); what the provider said back, which
can hold internal details, is kept apart in `answer` (stored as `messages.provider_answer`).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from runtime.outbound import AllowList, RefusedAddress, Resolver, checked_client, resolve

if TYPE_CHECKING:
    from runtime.settings import Settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30.0
"""Seconds to wait on the mail server for any one command."""

SMTP_PORT, SMTP_SUBMISSION_PORT = 25, 587
"""Default ports: plain SMTP, and message submission when STARTTLS is asked for."""

RESPONSE_EXCERPT = 200
"""Characters of a provider's error answer kept with the message (`provider_answer`)."""


class DeliveryError(Exception):
    """A provider did not take the message; `reason` says why, for the send ledger, and
    `answer` is an excerpt of what the provider said, if anything (shown to fewer people)."""

    def __init__(self, reason: str, answer: str | None = None) -> None:
        self.reason, self.answer = reason, answer or None
        super().__init__(reason)


# "Failure", not "Error": these are a provider's answers, which delivery records, not bugs.
class TransientFailure(DeliveryError):  # noqa: N818
    """Worth retrying later; `retry_after` (seconds) is the provider's own hint, if it gave one."""

    def __init__(self, reason: str, retry_after: float | None = None,
                 answer: str | None = None) -> None:
        super().__init__(reason, answer)
        self.retry_after = retry_after


class PermanentFailure(DeliveryError):  # noqa: N818
    """Retrying cannot help; record the reason and stop."""


class Adapter(Protocol):
    """Sends one rendered message through a provider.

    `idempotent` says whether the provider drops a repeat of the same message id: then a crash
    between sending and recording costs nothing, and outcomes may be recorded in one commit.
    An adapter may also say `records_only = True` when sending is nothing but recording (no
    IO, cannot fail): the batch that writes such a message then writes it sent at once.
    """

    idempotent: bool

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Hand the message to the provider; return its id for the message, or raise a failure."""
        ...


LEDGERLESS_BASE = 8 * 10**18
"""Where the idempotency keys of messages with no ledger row start: far above any message id,
so a provider that drops repeated keys never mistakes an alert or a test send for a message."""


def ledgerless_key(redis: Any) -> int:
    """A fresh idempotency key for a message that has no row in the ledger."""
    return LEDGERLESS_BASE + int(redis.incr("wayline:ledgerless:key"))


SEND_NOW_TRIES = 3
"""Calls `send_now` makes before it gives up on a provider that fails for now."""


def send_now(adapter: Adapter, key: int, channel: str, content: Mapping[str, Any],
             pause: float = 0.5) -> str | None:
    """Send one message that has no row in the ledger (an alert, a test send) at once, trying
    a passing failure again after a short pause; None when it went, else why not."""
    problem = None
    for attempt in range(SEND_NOW_TRIES):
        try:
            adapter.send(key, channel, content)
            return None
        except PermanentFailure as failure:
            return failure.reason
        except TransientFailure as failure:
            problem = failure.reason
        if attempt + 1 < SEND_NOW_TRIES:
            time.sleep(pause * (attempt + 1))
    return problem


class OutboxAdapter:
    """Sends nothing: the message stays in the outbox table only (demos, previews, no provider)."""

    idempotent = True
    records_only = True

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Accept the message as it is."""
        return f"outbox-{message_id}"


# --- SMTP --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand email over: parsed from WAYLINE_SMTP_URL."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = SMTP_TIMEOUT

    @property
    def domain(self) -> str:
        """The sender's domain, used on the right of Message-IDs."""
        return parseaddr(self.sender)[1].rpartition("@")[2] or "wayline.invalid"


def parse_smtp_url(url: str, default_sender: str) -> SmtpConfig:
    """Parse smtp://user:password@host:port?from=…&starttls=1; ValueError says what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "smtp":
        raise ValueError("must look like smtp://user:password@host:587?starttls=1")
    if not parts.hostname:
        raise ValueError("names no mail server host, as in smtp://mail.example.com:587")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"from", "starttls"})
    if unknown:
        raise ValueError(f"has unknown option(s) {', '.join(unknown)}; the options are "
                         "?from=<sender address> and ?starttls=1")
    starttls = _flag(query.get("starttls", "0"))
    try:
        port = parts.port or (SMTP_SUBMISSION_PORT if starttls else SMTP_PORT)
    except ValueError:
        raise ValueError("has a port that is not a number from 1 to 65535") from None
    sender = query.get("from", default_sender)
    check_sender(sender)
    return SmtpConfig(host=parts.hostname, port=port, sender=sender,
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None,
                      starttls=starttls)


def check_sender(sender: str) -> str:
    """The sender if it is a usable From address; ValueError otherwise."""
    if "@" not in parseaddr(sender)[1]:
        raise ValueError(f"the sender {sender!r} is not an address such as "
                         "'Wayline <no-reply@example.com>'")
    return sender


def _flag(value: str) -> bool:
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise ValueError(f"has starttls={value!r}; use starttls=1 or starttls=0")


class SmtpAdapter:
    """Email over SMTP: one kept-open connection, text and HTML parts, a stable Message-ID."""

    idempotent = False  # SMTP has no idempotency key: record each email as soon as it is sent

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._connection: smtplib.SMTP | None = None

    @classmethod
    def from_url(cls, url: str, default_sender: str) -> SmtpAdapter:
        """An adapter for a WAYLINE_SMTP_URL value."""
        return cls(parse_smtp_url(url, default_sender))

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Hand the email to the mail server; the provider id is its Message-ID."""
        email = self.compose(message_id, content)
        try:
            self._connect().send_message(email)
        except (smtplib.SMTPException, OSError) as error:
            self.close()  # whatever the server's state now is, start the next send afresh
            raise self._failure(error) from error
        return email["Message-ID"]

    def compose(self, message_id: int, content: Mapping[str, Any]) -> EmailMessage:
        """The email for a message's content (to, subject, text, optional html)."""
        from runtime.emails import build_email  # emails raises this module's failures

        return build_email(message_id, content, self.config.sender, self.config.domain)

    def close(self) -> None:
        """Say goodbye to the mail server, if connected."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            try:
                # The server may have dropped an idle connection; find out before MAIL FROM,
                # so a message is never half-sent on a dead connection.
                if self._connection.noop()[0] == 250:
                    return self._connection
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
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
        self._connection = connection
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
                 resolver: Resolver = resolve) -> None:
        self.timeout = timeout
        self._client = checked_client(timeout, allow or AllowList(), resolver,
                                      headers={"User-Agent": "Wayline"})

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        """Call the webhook; 2xx is sent, 408/429/5xx and network trouble are transient."""
        url, method = content.get("url"), str(content.get("method") or "POST").upper()
        if not url:
            raise PermanentFailure("the webhook has no URL; it was rendered from an incomplete "
                                   "template")
        headers = httpx.Headers(dict(content.get("headers") or {}))
        headers["Idempotency-Key"] = str(message_id)  # replaces any the template set
        where = public_origin(url)  # a path can carry the customer's data: not in reasons
        try:
            response = self._client.request(method, url, json=content.get("body"),
                                            headers=headers)
        except RefusedAddress as refused:  # retrying cannot make the address public
            raise PermanentFailure(f"the webhook URL {where} was not called: {refused.reason}; "
                                   "webhooks call public internet addresses only, so use the "
                                   "endpoint's public address, or ask an admin to add it to "
                                   "WAYLINE_WEBHOOK_ALLOW") from None
        except httpx.TimeoutException:
            raise TransientFailure(f"{where} did not answer within {self.timeout:g} s") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise PermanentFailure(f"the webhook URL {where} cannot be called: {error}") from None
        except httpx.TransportError as error:
            raise TransientFailure(f"could not reach {where}: {error}") from None
        return http_outcome(f"webhook-{message_id}", f"{method} {where}", response)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()


def http_outcome(default_id: str, call: str, response: httpx.Response) -> str:
    """The provider id of a 2xx answer; otherwise the failure it means (408/429/5xx transient).

    The id is the answer's X-Request-Id header, else `default_id`. The failure's reason is the
    status line; the start of the answer's body goes apart, as the failure's `answer`.
    """
    status = response.status_code
    if 200 <= status < 300:
        return response.headers.get("X-Request-Id") or default_id
    reason = f"{call} answered {status} {response.reason_phrase}"
    excerpt = " ".join(response.text.split())[:RESPONSE_EXCERPT]
    if status in (408, 429) or status >= 500:
        raise TransientFailure(reason, retry_after=retry_after(response), answer=excerpt)
    if 300 <= status < 400:
        location = public_url(response.headers.get("Location", ""))
        raise PermanentFailure(f"{reason}; it redirects to {location}: put that address in "
                               "the template", answer=excerpt)
    raise PermanentFailure(reason, answer=excerpt)


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (the HTTP-date form is rare and ignored)."""
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def public_origin(url: str) -> str:
    """Where a URL goes (scheme://host[:port]) and nothing a template filled in."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}" if parts.scheme else "the webhook address"


def public_url(url: str) -> str:
    """The URL without query, fragment or credentials: those often carry secrets."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else url


# --- wiring ------------------------------------------------------------------------------------


def recorders(adapters: Mapping[str, Adapter]) -> dict[str, Adapter]:
    """The channels whose adapter only records, with it: a batch writes their messages sent."""
    return {channel: adapter for channel, adapter in adapters.items()
            if getattr(adapter, "records_only", False)}


def adapters_from_settings(settings: Settings) -> dict[str, Adapter]:
    """The adapter for each channel, as configured (the outbox where none is)."""
    from runtime.tracking import track_email

    email: Adapter
    if settings.smtp_url:
        email = SmtpAdapter.from_url(settings.smtp_url, settings.smtp_from)
        email = track_email(email, settings)  # opens and clicks: runtime.tracking
    else:
        log.warning("WAYLINE_SMTP_URL is not set: emails are recorded as sent in the outbox "
                    "but do not leave Wayline")
        email = OutboxAdapter()
    webhook = WebhookAdapter(timeout=settings.webhook_timeout,
                             allow=AllowList.parse(settings.webhook_allow))
    return {"email": email, "webhook": webhook, **provider_adapters(settings)}


def provider_adapters(settings: Settings) -> dict[str, Adapter]:
    """SMS, KakaoTalk and push: their HTTP provider where a URL is set, else the outbox."""
    from runtime.providers import HttpProviderAdapter

    configured = {
        "sms": (settings.sms_url, settings.sms_api_key, {"sender": settings.sms_sender}),
        "kakao": (settings.kakao_url, settings.kakao_api_key,
                  {"sender_key": settings.kakao_sender_key}),
        "push": (settings.push_url, settings.push_api_key, {}),
    }
    adapters: dict[str, Adapter] = {}
    for channel, (url, key, account) in configured.items():
        if url:
            adapters[channel] = HttpProviderAdapter(channel, url, key, account,
                                                    timeout=settings.webhook_timeout)
        else:
            log.warning("WAYLINE_%s_URL is not set: %s messages are recorded as sent in the "
                        "outbox but do not leave Wayline", channel.upper(), channel)
            adapters[channel] = OutboxAdapter()
    return adapters
