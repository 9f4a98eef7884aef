"""Where email is handed over: WAYLINE_SMTP_URL parsed, and the sender checked.

A base module (no wing): settings validate the URL at start-up with the same parser the email
channel sends with.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_TIMEOUT = 30.0
"""Seconds to wait on the mail server for any one command."""

SMTP_PORT, SMTP_SUBMISSION_PORT = 25, 587
"""Default ports: plain SMTP, and message submission when STARTTLS is asked for."""


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
