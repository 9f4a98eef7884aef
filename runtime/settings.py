"""Settings: one typed object read from WAYLINE_* environment variables.

Workers need settings without the web server, so they live here. A wrong value fails at
start-up with the variable and the value named, never later in a request.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from builder.limits import CEILING, DEFAULT_LIMITS, Limits

PREFIX = "WAYLINE_"


class SettingsError(Exception):
    """A WAYLINE_* variable has a value Wayline cannot use."""

    def __init__(self, variable: str, value: str, problem: str) -> None:
        self.variable, self.value = variable, value
        super().__init__(f"{variable}={value!r}: {problem}")


STATS_LIVE_RUNS = 20_000
"""Runs a journey may have before its canvas's step figures are counted in the background
(server/services/step_counts.py): below it a count takes tens of milliseconds."""

FLIGHT_BATCH = 5_000
"""Runs a batch moves when customers in flight move to a new version (`runtime.run.flight`):
a batch holds its runs from workers for a fraction of a second."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable; each field is read from WAYLINE_<FIELD NAME IN CAPITALS>."""

    data_dir: Path = Path(".wayline")
    """Where the embedded database, the embedded Redis socket and its data live."""
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite at <data_dir>/wayline.db."""
    redis_url: str = ""
    """redis://, rediss:// or unix:// URL; empty means the embedded server under data_dir."""
    host: str = "127.0.0.1"
    """Address the web server listens on."""
    port: int = 8000
    """Port the web server listens on."""
    timezone: str = "Asia/Seoul"
    """Default time zone for new journeys and for customers without one."""
    log_level: str = "INFO"
    """DEBUG, INFO, WARNING or ERROR."""
    log_format: str = "text"
    """text (for people) or json (one object per line: time, level, logger, message, context)."""
    smtp_url: str = ""
    """smtp://user:password@host:port?from=<sender>&starttls=1; empty keeps email in the outbox."""
    smtp_from: str = "Wayline <no-reply@localhost>"
    """The From address of emails, unless WAYLINE_SMTP_URL names one with ?from=."""
    webhook_timeout: float = 10.0
    """Seconds a webhook endpoint has to answer before the call is retried later."""
    webhook_allow: str = ""
    """Internal hosts webhooks may call, comma-separated names (*.corp.example) and networks."""
    provider_concurrency: int = 64
    """Calls a delivery worker keeps in flight to one provider or webhook host at a time."""
    claim_timeout: float = 60.0
    """Seconds before runs and messages held by a vanished worker (killed, Redis lost) re-run."""
    flight_batch: int = FLIGHT_BATCH
    """Runs one statement moves when customers in flight move to a newly published version."""
    stats_live_runs: int = STATS_LIVE_RUNS
    """Runs a journey may have before its canvas's step figures are counted in the background."""
    api_key: str = ""
    """Key that customer/event imports must send as X-Api-Key; empty: one kept in data_dir."""
    public_url: str = ""
    """Address customers' browsers reach Wayline at, for tracking links; empty: http://host:port."""
    secret_key: str = ""
    """Key that signs email tracking links; empty: one kept in data_dir."""
    allowed_hosts: str = ""
    """Host names served, comma-separated (* for any); empty: loopback names, the public URL."""
    session_idle_minutes: int = 720
    """Minutes a signed-in browser may sit unused before its session ends."""
    session_max_hours: int = 168
    """Hours after signing in that a session ends however busy it is (a week by default)."""
    forwarded_allow_ips: str = ""
    """Proxies trusted for X-Forwarded-For/-Proto, comma-separated; empty: none (direct)."""
    key_rate_limit: int = 60_000
    """Requests per minute one API key may make (a key may set its own); over it: 429."""
    receipt_secret: str = ""
    """Secret delivery-receipt webhooks may send as X-Receipt-Secret instead of the API key."""
    sms_url: str = ""
    """SMS/LMS provider endpoint (JSON POST); empty keeps texts in the outbox."""
    sms_api_key: str = ""
    """Key sent to the SMS provider as X-Api-Key."""
    sms_sender: str = ""
    """The registered sender number (발신번호) texts go out from, e.g. 0212345678."""
    kakao_url: str = ""
    """KakaoTalk AlimTalk provider endpoint (JSON POST); empty keeps AlimTalk in the outbox."""
    kakao_api_key: str = ""
    """Key sent to the AlimTalk provider as X-Api-Key."""
    kakao_sender_key: str = ""
    """The Kakao channel's sender profile key (발신프로필 키) AlimTalk goes out from."""
    brand_url: str = ""
    """Kakao Brand Message provider endpoint (JSON POST); empty keeps them in the outbox."""
    brand_api_key: str = ""
    """Key sent to the Brand Message provider as X-Api-Key."""
    brand_sender_key: str = ""
    """The Kakao sender profile key (발신프로필 키) Brand Messages go out from."""
    push_url: str = ""
    """App push provider endpoint (JSON POST); empty keeps push messages in the outbox."""
    push_api_key: str = ""
    """Key sent to the push provider as X-Api-Key."""
    ad_label: str = "(광고)"
    """Label in front of marketing texts, KakaoTalk, push titles, email subjects; empty: off."""
    opt_out_line: str = ""
    """Free opt-out line added to marketing texts and KakaoTalk, e.g. 무료수신거부 080-123-4567."""
    max_journey_steps: int = DEFAULT_LIMITS.max_steps
    """Most steps a journey may have (at most 2,000); bigger journeys are refused when saved."""
    max_rule_depth: int = DEFAULT_LIMITS.max_rule_depth
    """How deep and / or / not groups may nest in an audience rule (at most 50)."""
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)
    """Every other WAYLINE_<NAME> variable, by lowercased <name>: what extensions declare for
    themselves (a provider gateway's WAYLINE_SOLAPI_API_KEY, a channel's WAYLINE_SMS_PROVIDER).
    They check their own values (`runtime.messaging.gateways.check_settings`); never shown.
    Left out of the hash (a dict has none, and caches key on Settings); equality still counts it."""

    def __repr__(self) -> str:
        shown = ", ".join(f"{spec.name}={masked(str(getattr(self, spec.name)))!r}"
                          for spec in fields(self) if spec.name not in SECRETS | {"extra"})
        return f"Settings({shown})"

    @property
    def database(self) -> str:
        """The database URL in effect."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'wayline.db').resolve()}"

    @property
    def limits(self) -> Limits:
        """How big journeys and how deep rules may be, as the validator takes them."""
        return Limits(max_steps=self.max_journey_steps, max_rule_depth=self.max_rule_depth)

    @property
    def is_embedded_redis(self) -> bool:
        """True when Wayline starts its own Redis-compatible server."""
        return not self.redis_url


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError("must be a port number from 1 to 65535")
    return port


def _database_url(value: str) -> str:
    if not value:
        return value
    try:
        url = make_url(value)
    except ArgumentError as error:
        raise ValueError(f"is not a database URL ({error})") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
    if url.get_backend_name() == "postgresql":
        # Name the driver explicitly: SQLAlchemy's default for a bare postgresql:// differs
        # between versions, and Wayline ships psycopg 3 only.
        if url.drivername not in ("postgresql", "postgresql+psycopg"):
            raise ValueError("Wayline talks to PostgreSQL with psycopg 3: use postgresql+psycopg://")
        value = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return value


def _redis_url(value: str) -> str:
    if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("must start with redis://, rediss:// or unix://")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not an IANA time zone such as Asia/Seoul or Europe/Berlin") from None
    return value


def _log_format(value: str) -> str:
    from runtime.logs import FORMATS

    if value.lower() not in FORMATS:
        raise ValueError("must be text or json")
    return value.lower()


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return level


def _smtp_url(value: str) -> str:
    if value:
        # The adapter owns the URL format; asking it keeps one parser for start-up and sending.
        from runtime.smtp_config import parse_smtp_url

        parse_smtp_url(value, Settings.smtp_from)
    return value


def _smtp_from(value: str) -> str:
    from runtime.smtp_config import check_sender

    return check_sender(value)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError("must be a number of seconds, such as 10 or 2.5") from None
    if not 0 < seconds <= 300:
        raise ValueError("must be more than 0 and at most 300 seconds")
    return seconds


def _webhook_allow(value: str) -> str:
    # The outbound module owns the format; asking it keeps one parser for start-up and sending.
    from runtime.outbound import AllowList

    AllowList.parse(value)
    return ",".join(entry.strip() for entry in value.split(",") if entry.strip())


def _claim_seconds(value: str) -> float:
    seconds = _seconds(value)
    if seconds < 1:
        raise ValueError("must be at least 1 second: shorter would re-drive runs still running")
    return seconds


def _api_key(value: str) -> str:
    if value and (len(value) < 16 or not value.isprintable() or " " in value):
        raise ValueError("must be at least 16 printable characters without spaces")
    return value


def _public_url(value: str) -> str:
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise ValueError("must be an http:// or https:// address such as https://crm.example.com")
    if parts.query or parts.fragment:
        raise ValueError("must be a plain address, without ?query or #fragment")
    return value.rstrip("/")


def _provider_url(value: str) -> str:
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise ValueError("must be the provider's http:// or https:// endpoint")
    return value


HOST_NAME = re.compile(r"^(\*\.)?[A-Za-z0-9_.-]+$|^\[[0-9A-Fa-f:.]+\]$")
"""A host name or address as WAYLINE_ALLOWED_HOSTS lists it (a leading *. for subdomains)."""


def _hosts(value: str) -> str:
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    bad = [name for name in names if name != "*" and not HOST_NAME.match(name)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a host name; list names such as "
                         "crm.example.com, 10.0.0.5 or *.example.com, separated by commas")
    return ",".join(names)


def _proxies(value: str) -> str:
    names = [name.strip() for name in value.split(",") if name.strip()]
    for name in names:
        if name == "*":
            continue
        try:
            ipaddress.ip_network(name, strict=False)
        except ValueError:
            raise ValueError(f"{name!r} is not an address or network; list the load "
                             "balancers' addresses, e.g. 10.0.0.2,10.0.0.3 (or *)") from None
    return ",".join(names)


def _bounded_int(low: int, high: int, unit: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            raise ValueError(f"must be a whole number of {unit}") from None
        if not low <= number <= high:
            raise ValueError(f"must be from {low:,} to {high:,} {unit}")
        return number

    return parse


def _secret(value: str) -> str:
    if value and (not value.isprintable() or " " in value):
        raise ValueError("must be printable characters without spaces")
    return value


def _sender_number(value: str) -> str:
    digits = value.replace("-", "")
    if value and not (digits.isdigit() and 8 <= len(digits) <= 12):
        raise ValueError("must be the registered sender number, digits only, e.g. 0212345678")
    return digits


def _line(value: str) -> str:
    if "\n" in value or len(value) > 100:
        raise ValueError("must be one line of at most 100 characters")
    return value


PARSERS: dict[str, Callable[[str], Any]] = {
    "data_dir": _path, "database_url": _database_url, "redis_url": _redis_url, "host": str,
    "port": _port, "timezone": _timezone, "log_level": _log_level, "smtp_url": _smtp_url,
    "log_format": _log_format,
    "smtp_from": _smtp_from, "webhook_timeout": _seconds, "webhook_allow": _webhook_allow,
    "claim_timeout": _claim_seconds,
    "flight_batch": _bounded_int(1, 100_000, "runs"),
    "stats_live_runs": _bounded_int(0, 100_000_000, "runs"),
    "provider_concurrency": _bounded_int(1, 1_000, "calls in flight"),
    "api_key": _api_key, "public_url": _public_url, "secret_key": _api_key,
    "allowed_hosts": _hosts, "forwarded_allow_ips": _proxies,
    "session_idle_minutes": _bounded_int(5, 43_200, "minutes"),
    "session_max_hours": _bounded_int(1, 2_160, "hours"),
    "key_rate_limit": _bounded_int(1, 10_000_000, "requests per minute"),
    "receipt_secret": _api_key,
    "sms_url": _provider_url, "sms_api_key": _secret, "sms_sender": _sender_number,
    "kakao_url": _provider_url, "kakao_api_key": _secret, "kakao_sender_key": _secret,
    "brand_url": _provider_url, "brand_api_key": _secret, "brand_sender_key": _secret,
    "push_url": _provider_url, "push_api_key": _secret, "ad_label": _line, "opt_out_line": _line,
    "max_journey_steps": _bounded_int(2, CEILING.max_steps, "steps"),
    "max_rule_depth": _bounded_int(1, CEILING.max_rule_depth, "levels"),
}

SECRETS = frozenset({"api_key", "secret_key", "receipt_secret", "sms_api_key",
                     "kakao_api_key", "kakao_sender_key", "push_api_key",
                     "brand_api_key", "brand_sender_key"})
"""Settings never shown in a repr or a log."""


def masked(value: str) -> str:
    """A value as it may be printed: a URL's password replaced by ***."""
    parts = urlsplit(value)
    if parts.password:
        return value.replace(f":{parts.password}@", ":***@", 1)
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from the environment; raise SettingsError naming a bad variable."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    known = {PREFIX + spec.name.upper() for spec in fields(Settings)}
    values["extra"] = {name.removeprefix(PREFIX).lower(): value.strip()
                       for name, value in environ.items()
                       if name.startswith(PREFIX) and name not in known}
    for spec in fields(Settings):
        variable = PREFIX + spec.name.upper()
        if variable not in environ or spec.name == "extra":
            continue
        raw = environ[variable].strip()
        try:
            values[spec.name] = PARSERS[spec.name](raw)
        except ValueError as error:
            raise SettingsError(variable, masked(raw), str(error)) from None
    settings = Settings(**values)
    _check_providers(settings)
    return settings


PROVIDER_NEEDS = {"sms_url": ("sms_sender", "the registered sender number texts go out from"),
                  "kakao_url": ("kakao_sender_key", "the Kakao channel's sender profile key"),
                  "brand_url": ("brand_sender_key", "the Kakao profile's sender key Brand "
                                                    "Messages go out from")}
"""A provider URL and the setting it cannot work without (carriers refuse texts without a
registered sender; Kakao refuses AlimTalk without the channel's key)."""


def _check_providers(settings: Settings) -> None:
    for url, (needed, what) in PROVIDER_NEEDS.items():
        if getattr(settings, url) and not getattr(settings, needed):
            variable = PREFIX + needed.upper()
            raise SettingsError(variable, "", f"must be set when {PREFIX + url.upper()} is: "
                                              f"it is {what}")


def describe_settings() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every setting, for the README and `wayline --help`."""
    import ast
    import inspect

    source = inspect.getsource(Settings)
    docs: dict[str, str] = {}
    body = ast.parse(source).body[0].body
    for node, following in zip(body, body[1:], strict=False):
        if isinstance(node, ast.AnnAssign) and isinstance(following, ast.Expr):
            docs[node.target.id] = following.value.value
    return [(PREFIX + spec.name.upper(), str(spec.default), docs.get(spec.name, ""))
            for spec in fields(Settings) if spec.name != "extra"]
