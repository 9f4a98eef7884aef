"""Customer fields checked and put in one shape, whoever sends them (API, bulk, CSV import).

Each `normalise_*` function returns the stored form of a value or raises `FieldError` with a
sentence a marketer can act on. Emails go through email-validator (syntax only: no DNS look-up
on ingest), phone numbers through phonenumbers into E.164 (numbers without a country code are
read as `DEFAULT_PHONE_REGION` unless another region is given), time zones must be IANA names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache, lru_cache
from typing import Any
from zoneinfo import available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from nodes.kit.channel import default_channels
from nodes.kit.profile import BUILTIN_FIELDS
from nodes.kit.values import ATTRIBUTE_NAME, utc_text

DEFAULT_PHONE_REGION = "KR"
"""Region a phone number without a +country code is read in (Wayline's seed users are Korean)."""

CHANNELS = tuple(default_channels().keys())
"""Channels consent is recorded for (the channels action.send can use: `nodes/channels/`)."""

MAX_TAG_LENGTH = 64
"""Longest tag (the customer_tags column)."""

MAX_EXTERNAL_ID_LENGTH = 255
"""Longest external id (the customers column)."""

MAX_LOCAL_PART = 64
MAX_EMAIL = 254
"""Longest local part and address email-validator accepts (RFC 5321)."""

_SIMPLE_EMAIL = re.compile(r"([A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*)@([A-Za-z0-9.\-]+)")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_ATTRIBUTE = re.compile(ATTRIBUTE_NAME)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FieldError(ValueError):
    """A value that cannot be stored; `field` names it, the message says how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def normalise_external_id(value: str) -> str:
    """The external id without surrounding spaces; it must be 1-255 printable characters."""
    text = value.strip()
    if not text:
        raise FieldError("external_id", "external_id is missing: every customer needs one.")
    if len(text) > MAX_EXTERNAL_ID_LENGTH or _CONTROL.search(text):
        raise FieldError("external_id", f"external_id {_shown(text)} must be at most "
                           f"{MAX_EXTERNAL_ID_LENGTH} printable characters.")
    return text


def normalise_email(value: str) -> str:
    """The address as email-validator normalises it (domain lower-cased, Unicode NFC).

    Plain ASCII addresses take a short cut with the same result: their local part is checked
    here and their domain by email-validator once per domain (a list of 100k customers has a
    few hundred domains; validating each address in full costs ~25 µs).
    """
    text = value.strip()
    simple = _SIMPLE_EMAIL.fullmatch(text)
    if simple and len(simple[1]) <= MAX_LOCAL_PART:
        domain = _email_domain(simple[2])
        if domain is not None and len(simple[1]) + 1 + len(domain) <= MAX_EMAIL:
            return f"{simple[1]}@{domain}"
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise FieldError("email", f"email {_shown(text)} is not a valid address: {error}"
                           ) from None


@lru_cache(maxsize=10_000)
def _email_domain(domain: str) -> str | None:
    """The domain as email-validator normalises it, or None if it refuses it."""
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).normalized[2:]
    except EmailNotValidError:
        return None


def normalise_phone(value: str, region: str | None = None) -> str:
    """The number in E.164 (+821012345678); without a +country code it is read in `region`."""
    text = value.strip()
    region = (region or DEFAULT_PHONE_REGION).upper()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise FieldError("phone", f"phone {_shown(text)} is not a valid phone number for "
                           f"region {region}; write it with its country code, e.g. "
                           "+82 10-1234-5678.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_phone_region(region: str) -> bool:
    """True for a region phonenumbers knows (ISO 3166 two-letter code, e.g. KR, US)."""
    return region.upper() in phonenumbers.SUPPORTED_REGIONS


def normalise_timezone(value: str) -> str:
    """An IANA time zone name (Asia/Seoul), exactly as the tz database spells it."""
    text = value.strip()
    if text not in _zones():
        raise FieldError("timezone", f"timezone {_shown(text)} is not an IANA time zone; "
                           "use a name such as Asia/Seoul or America/New_York.")
    return text


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def normalise_locale(value: str) -> str:
    """A BCP 47 language tag with a hyphen (ko_KR becomes ko-KR)."""
    text = value.strip()
    if len(text) > 35 or not _LOCALE.match(text):
        raise FieldError("locale", f"locale {_shown(text)} is not a language tag; "
                           "use one such as ko, ko-KR or en-US.")
    return text.replace("_", "-")


def normalise_tag(value: str) -> str:
    """A tag without surrounding spaces, 1-64 characters."""
    text = value.strip()
    if not text or len(text) > MAX_TAG_LENGTH or _CONTROL.search(text):
        raise FieldError("tags", f"tag {_shown(text)} must be 1-{MAX_TAG_LENGTH} printable "
                           "characters.")
    return text


def check_attribute_name(name: str) -> str:
    """The name, if rules can refer to it: a letter or _, then letters, digits or _."""
    if name in BUILTIN_FIELDS:
        raise FieldError(f"attributes.{name}", f"'{name}' is a profile field, not an "
                           f"attribute: send it as {name} beside attributes.")
    if not _ATTRIBUTE.match(name):
        raise FieldError(f"attributes.{name}", f"attribute name {_shown(name)} can't be used "
                           "in rules: start with a letter or _, then letters, digits or _ "
                           "(at most 64).")
    return name


def check_no_nul(field: str, value: Any) -> Any:
    """The value, if no text in it (keys included) holds a NUL character, which PostgreSQL
    can't store; FieldError otherwise."""
    if _has_nul(value):
        raise FieldError(field, f"{field} contains a NUL character (\\u0000), which can't be "
                         "stored; remove it.")
    return value


def _has_nul(value: Any) -> bool:
    # A stack, not recursion: this runs before the value's depth is known to be sane.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, Mapping):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            stack += item
    return False


@dataclass(frozen=True)
class ConsentChange:
    """A change to one channel's consent: granted (marketing opt-in), when and how it was given.

    `transactional=False` records that the customer refused even transactional messages;
    `night=True` that they agreed to marketing at night (21:00–08:00) on this channel too.
    """

    granted: bool | None = None
    at: datetime | None = None
    source: str | None = None
    transactional: bool | None = None
    night: bool | None = None

    def then(self, later: ConsentChange) -> ConsentChange:
        """This change followed by `later`: what `later` says wins, the rest stays."""
        if later.granted is not None:
            merged = replace(self, granted=later.granted, at=later.at, source=later.source)
        else:
            merged = self
        return replace(merged, transactional=_first(later.transactional, self.transactional),
                       night=_first(later.night, self.night))


def _first(*values: bool | None) -> bool | None:
    return next((value for value in values if value is not None), None)


def apply_consent(current: Any, change: ConsentChange, now: datetime, source: str
                  ) -> dict[str, Any]:
    """The channel's stored consent after `change` ({"marketing", "at", "source"} …).

    Repeating the consent a customer already has keeps its original time and source, so a
    re-import does not pretend the customer opted in again today.
    """
    record = dict(current) if isinstance(current, Mapping) else (
        {"marketing": current} if isinstance(current, bool) else {})
    if change.granted is not None and (change.granted != record.get("marketing")
                                       or change.at is not None):
        record.update(marketing=change.granted, at=_stamp(change.at or now),
                      source=change.source or source)
        record.pop("opt_out_number", None)  # a later yes supersedes a 080 refusal
    if change.transactional is not None:
        record["transactional"] = change.transactional
    if change.night is not None:
        record["night"] = change.night
    return record


@lru_cache(maxsize=64)
def _stamp(moment: datetime) -> str:
    """utc_text, remembered: an import stamps thousands of consents with the same instant."""
    return utc_text(moment)


YES = frozenset({"true", "t", "yes", "y", "1", "on", "opt-in", "opted-in", "subscribed", "동의"})
NO = frozenset({"false", "f", "no", "n", "0", "off", "opt-out", "opted-out", "unsubscribed",
                "거부", "미동의"})
"""How consent is written in spreadsheets (Korean exports often say 동의 / 미동의 or Y / N)."""


def parse_yes_no(field: str, value: str) -> bool:
    """A yes/no cell as a boolean."""
    word = value.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise FieldError(field, f"{field} {_shown(value)} is not yes or no; write true/false, "
                       "yes/no, Y/N or 1/0.")


def _shown(text: str, limit: int = 60) -> str:
    """A value quoted for a message, cut when long."""
    return repr(text if len(text) <= limit else text[:limit] + "…")
