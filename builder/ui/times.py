"""Times as the pages show them: in a customer's own time zone, or the workspace's, written
in full — year, time and zone — the way the page's language writes them (`Words.date`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from builder.i18n import Words, words


def zone_of(name: str | None, fallback: str) -> ZoneInfo:
    """The customer's time zone, else the workspace's, else UTC."""
    for candidate in (name, fallback):
        try:
            if candidate:
                return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def local_text(value: str | None, zone: ZoneInfo, _: Words | None = None) -> str:
    """An ISO time in `zone`, in full in `_`'s language (English when not given): 'Mar 2,
    2026, 21:30 GMT+9', '2026년 3월 2일 21:30 GMT+9'."""
    if not value:
        return ""
    return (_ or words("en")).date(datetime.fromisoformat(value).astimezone(zone))


def stamp(value: str | None, zone: ZoneInfo, _: Words | None = None) -> str:
    """An ISO time in `zone` for records (the audit trail, the team): as `local_text`."""
    return local_text(value, zone, _)
