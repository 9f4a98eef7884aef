"""/api/insight/fatigue: messages per customer per week, who is over the frequency caps'
intent, and unsubscribes following busy weeks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from server.api.params import WaylineDep
from server.errors import errors
from server.schemas.fatigue import FatigueReport, OverCaps
from server.services import fatigue

Week = Annotated[date | None, QueryParameter(description=(
    "Any day of the week to show (YYYY-MM-DD; weeks run Monday to Sunday in the workspace's "
    "time zone). Default: the last complete week."))]


class FatigueController(Controller):
    """Message fatigue, from the summary the insight roller keeps (refreshed every 5 minutes)."""

    path = "/api/insight/fatigue"
    tags = ["insight"]

    @get("/", sync_to_thread=True, responses=errors(422))
    def read(self, wayline: WaylineDep, week: Week = None,
             weeks: Annotated[int, QueryParameter(ge=1, le=fatigue.MAX_WEEKS, description=(
                 "Weeks of trend, up to and including `week`."))] = 12) -> FatigueReport:
        """Customers by messages sent that week (1 … 10+, any and marketing), the customers
        over some channel's frequency cap read as a weekly pace (limit × 7 / days), the share
        of them week by week, and the unsubscribe rate by messages a week."""
        return fatigue.fatigue_report(wayline, week, weeks)

    @get("/over", sync_to_thread=True, responses=errors(422))
    def over(self, wayline: WaylineDep, week: Week = None,
             after: Annotated[int | None, QueryParameter(ge=0, le=2**62, description=(
                 "`next_after` of the previous page."))] = None,
             limit: Annotated[int, QueryParameter(ge=1, le=500, description=(
                 "Customers per page."))] = fatigue.OVER_PAGE) -> OverCaps:
        """The customers over some channel's weekly cap intent in the week, by id, paged."""
        return fatigue.over_caps(wayline, week, after, limit)
