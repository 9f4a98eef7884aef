"""Times as the pages show them: in a customer's own time zone, or the workspace's."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(name: str | None, fallback: str) -> ZoneInfo:
    """The customer's time zone, else the workspace's, else UTC."""
    for candidate in (name, fallback):
        try:
            if candidate:
                return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def local_text(value: str | None, zone: ZoneInfo) -> str:
    """An ISO time as 'Mar 2, 21:30' in `zone`."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value).astimezone(zone)
    return f"{moment:%b} {moment.day}, {moment:%H:%M}"


def stamp(value: str | None, zone: ZoneInfo) -> str:
    """An ISO time as '2025-03-02 21:30' in `zone` (records: the audit trail, the team)."""
    if not value:
        return ""
    return f"{datetime.fromisoformat(value).astimezone(zone):%Y-%m-%d %H:%M}"
