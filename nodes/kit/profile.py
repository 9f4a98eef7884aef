"""The customer as node code and rules see it: plain data, loaded by the runtime beforehand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

BUILTIN_FIELDS = frozenset({"external_id", "email", "phone", "timezone", "locale", "created_at"})
"""Profile fields stored as columns; every other name in a rule is a custom attribute."""


@dataclass(frozen=True)
class EventRecord:
    """One event a customer did."""

    name: str
    occurred_at: datetime
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    """One customer: fields, custom attributes, tags, consent and the events rules may count."""

    id: int
    external_id: str
    created_at: datetime
    email: str | None = None
    phone: str | None = None
    timezone: str | None = None
    locale: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    consent: Mapping[str, Any] = field(default_factory=dict)
    events: Sequence[EventRecord] = ()
