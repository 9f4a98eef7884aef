"""Finding customers the way a marketer types them: part of a name (영숙), of an email, of a
phone number (with or without dashes, 010… or +82…) or of an external id.

Every search is a bounded scan in id order (`list_customers` adds the LIMIT): a fragment
inside a value can't use a B-tree index, and the scan stops at the first page of matches.
Names are custom attributes (`NAME_ATTRIBUTES`), read from the JSON on both databases.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Text, and_, cast, false, func, or_

from runtime.customers.fields import DEFAULT_PHONE_REGION
from runtime.store.models import Customer

NAME_ATTRIBUTES = ("name", "full_name", "last_name", "first_name")
"""Custom attributes that hold a customer's name, in the order a profile header reads them."""

MIN_PHONE_DIGITS = 3
"""Fewest digits a search needs before phone numbers are searched (fewer match everyone)."""

COUNTRY_CODES = {"KR": "82"}
"""Calling codes of regions a national number (0…) is read in; the default region is KR."""


def name_of(attributes: dict[str, object]) -> str | None:
    """A customer's name from their attributes: `name`, else last and first name together."""
    for key in ("name", "full_name"):
        if isinstance(attributes.get(key), str) and attributes[key].strip():
            return str(attributes[key]).strip()
    parts = [str(attributes[key]).strip() for key in ("last_name", "first_name")
             if isinstance(attributes.get(key), str) and str(attributes[key]).strip()]
    return " ".join(parts) or None


def matching(text: str, by_contacts: bool) -> ColumnElement[bool]:
    """Customers whose external id or name contains `text`, and (`by_contacts`) whose email or
    phone does. Whoever sees contacts masked can't search them: a fragment search would
    spell a masked address out."""
    needle = text.strip()
    if not needle:
        return ~false()
    found = [Customer.external_id.contains(needle, autoescape=True)]
    names = or_(*[func.lower(Customer.attributes[key].as_string()).contains(
        needle.lower(), autoescape=True) for key in NAME_ATTRIBUTES])
    # Reading four keys out of every row's JSON is the slow part: only rows whose JSON text
    # holds the needle at all (any case) are read key by key.
    found.append(and_(func.lower(cast(Customer.attributes, Text)).contains(
        needle.lower(), autoescape=True), names))
    if by_contacts:
        found.append(func.lower(Customer.email).contains(needle.lower(), autoescape=True))
        found += [Customer.phone.contains(digits, autoescape=True)
                  for digits in phone_fragments(needle)]
    return or_(*found)


def phone_fragments(text: str) -> list[str]:
    """What a typed phone number looks like inside a stored one (+821012345678): its digits,
    and for a national number (010-1234-…) the digits after the country code."""
    if re.search(r"[^\d\s()+.-]", text):
        return []
    digits = re.sub(r"\D", "", text)
    if len(digits) < MIN_PHONE_DIGITS:
        return []
    fragments = [digits]
    country = COUNTRY_CODES.get(DEFAULT_PHONE_REGION)
    if digits.startswith("0") and not text.lstrip().startswith("+") and country:
        fragments.append("+" + country + digits[1:])
    return fragments
