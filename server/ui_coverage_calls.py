"""The canvas's calls for the coverage page (a part of `server.ui_services.CALLS`)."""

from __future__ import annotations

from builder.ui.services import Json
from server.schemas.coverage import CoverageAttributesIn, CoverageSegmentIn
from server.services import coverage
from server.ui_calls import Acting, Do, Entry, convert, plain

COVERAGE_PAGE = 50
"""Untouched customers the page lists at a time."""


def _summary(me: Acting, days: int) -> Json:
    return plain(coverage.coverage_summary(me.wl, int(days)))


def _customers(me: Acting, days: int, after: int | None) -> Json:
    return plain(coverage.untouched_customers(me.wl, int(days), after, COVERAGE_PAGE,
                                              contacts=me.may("contacts.read")))


def _save_segment(me: Acting, days: int, name: str, description: str) -> Json:
    data = convert({"days": days, "name": name or None, "description": description or None},
                   CoverageSegmentIn, "segment")
    return plain(coverage.save_as_segment(me.wl, me.actor, data))


def _set_attributes(me: Acting, attributes: list[str]) -> Json:
    data = convert({"attributes": attributes}, CoverageAttributesIn, "list of attributes")
    return coverage.set_breakdown_attributes(me.wl, me.actor, data)


COVERAGE_CALLS: dict[str, Entry] = {
    "coverage_summary": Do(_summary),
    "coverage_customers": Do(_customers),
    "save_coverage_segment": Do(_save_segment),
    "set_coverage_attributes": Do(_set_attributes),
}
