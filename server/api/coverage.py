"""/api/coverage: the customers no journey and no message reached in the last N days, and the
segment that keeps them for a journey to reach."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post, put
from litestar.params import JSONBody, QueryParameter

from server.api.params import ActorDep, PrincipalDep, WaylineDep
from server.errors import errors
from server.schemas.coverage import (
    CoverageAttributesIn,
    CoverageSegment,
    CoverageSegmentIn,
    CoverageSummary,
    UntouchedPage,
)
from server.security.permissions import may
from server.services import coverage

DaysQuery = Annotated[int, QueryParameter(ge=1, le=365, description=(
    "The window in days (1 to 365): untouched means no message sent to them and no journey "
    "holding them in the last N days."))]


class CoverageController(Controller):
    """Coverage: who no journey and no message reached lately."""

    path = "/api/coverage"
    tags = ["coverage"]

    @get("/", sync_to_thread=True, responses=errors(422))
    def summary(self, wayline: WaylineDep, days: DaysQuery = 30) -> CoverageSummary:
        """How many customers are untouched, out of all; the trend by day; the breakdown by the
        workspace's attributes (country and plan unless it chose others) and last purchase
        (trend and breakdown for 7, 30 and 90 days)."""
        return coverage.coverage_summary(wayline, days)

    @get("/customers", sync_to_thread=True, responses=errors(422))
    def customers(self, wayline: WaylineDep, principal: PrincipalDep, days: DaysQuery = 30,
                  after: Annotated[int | None, QueryParameter(ge=0, le=2**62, description=(
                      "Customers after this id (`next_after` of the previous page)."))] = None,
                  limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> UntouchedPage:
        """The untouched customers by id, a page at a time (contacts masked for viewers)."""
        return coverage.untouched_customers(wayline, days, after, limit,
                                            contacts=may(principal, "contacts.read"))

    @post("/segments", sync_to_thread=True, responses=errors(422))
    def save_segment(self, wayline: WaylineDep, actor: ActorDep,
                     data: JSONBody[CoverageSegmentIn]) -> CoverageSegment:
        """Save the window's untouched customers as a segment that stays up to date (audited;
        the existing one is returned when the window has one already)."""
        return coverage.save_as_segment(wayline, actor, data)

    @put("/attributes", sync_to_thread=True, responses=errors(422))
    def set_attributes(self, wayline: WaylineDep, actor: ActorDep,
                       data: JSONBody[CoverageAttributesIn]) -> list[str]:
        """Choose the customer attributes the breakdown counts untouched customers by (at most
        5; audited); the next count, within a minute, uses them."""
        return coverage.set_breakdown_attributes(wayline, actor, data)
