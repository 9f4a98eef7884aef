"""/api/journeys/{journey_id}/dashboard: a journey's figures over a range of days, each chart's
data, and each chart as a CSV file."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from builder.i18n import negotiate
from server.context import Wayline
from server.errors import errors
from server.schemas.dashboard import JourneyDashboard
from server.services import dashboard

JourneyId = Annotated[int, PathParameter(ge=1, le=2**62, description="The journey's id.")]
First = Annotated[str | None, QueryParameter(name="from", description=(
    "The first local day (YYYY-MM-DD, in the installation's time zone) of the range; default: "
    "29 days before `to`. A range holds at most 366 days."))]
Last = Annotated[str | None, QueryParameter(name="to", description=(
    "The last local day of the range, included; default: today."))]
Version = Annotated[int | None, QueryParameter(ge=1, le=2**31, description=(
    "Only this published version (default: every version together)."))]
ChartFile = Annotated[str, PathParameter(max_length=40, description=(
    "The chart's CSV file: entries.csv, conversions.csv, revenue.csv, messages.csv, "
    "funnel.csv or to_convert.csv."))]


class DashboardController(Controller):
    """The journey dashboard's figures, read from the insight summary."""

    path = "/api/journeys/{journey_id:int}/dashboard"
    tags = ["stats"]

    @get("/", sync_to_thread=True, responses=errors(404, 422))
    def read(self, request: Request, wayline: NamedDependency[Wayline], journey_id: JourneyId,
             first: First = None, last: Last = None,
             version: Version = None) -> JourneyDashboard:
        """Entries, conversions and revenue per day, messages by channel and status, the
        funnel from entry through each send step to the goal, and time to convert; with the
        headline totals of the range and of the period of equal length before it. Labels are
        in the language of Accept-Language (Korean or English)."""
        return dashboard.journey_dashboard(wayline, journey_id,
                                           *dashboard.days_asked(first, last), version,
                                           _language(request))

    @get("/{name:str}", sync_to_thread=True, media_type="text/csv",
         responses=errors(404, 422))
    def chart_csv(self, request: Request, wayline: NamedDependency[Wayline],
                  journey_id: JourneyId, name: ChartFile, first: First = None,
                  last: Last = None, version: Version = None) -> Response[bytes]:
        """One chart's rows as CSV (UTF-8 with a byte-order mark, so Excel reads Korean):
        the same rows the dashboard gives and the page's CSV button saves."""
        chart = name.removesuffix(".csv")
        found = dashboard.journey_dashboard(wayline, journey_id,
                                            *dashboard.days_asked(first, last), version,
                                            _language(request))
        text = dashboard.chart_csv(found, chart if name.endswith(".csv") else "")
        return Response(("\ufeff" + text).encode(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{chart}.csv"'})


def _language(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"))
