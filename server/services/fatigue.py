"""Message fatigue for the API and the page: the runtime's reads (`runtime.insight.fatigue`)
put together for one week, against the workspace's frequency caps."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from runtime import insight
from runtime.errors import InvalidInputError
from runtime.insight import fatigue
from runtime.messaging.workspace import load_rules
from server.context import Wayline
from server.schemas.fatigue import FatigueReport, OverCaps

MAX_WEEKS = 52
"""The longest trend a report gives (a year of weeks)."""

OVER_PAGE = 50
"""Customers over the caps' intent in one page of the list."""

FIRST_DAY, LAST_DAY = date(2000, 1, 3), date(2999, 12, 27)
"""The weeks a report can show (a year's trend before the first still has days)."""


def default_week(wl: Wayline) -> date:
    """The week a report shows when none is asked for: the last complete one."""
    today = wl.now().astimezone(ZoneInfo(wl.settings.timezone)).date()
    return fatigue.monday(today) - timedelta(days=7)


def week_asked(wl: Wayline, week: date | None, weeks: int = 1) -> date:
    """The Monday of the week asked for (the last complete week when none is); a week out of
    range or a trend too long is refused, listing each problem."""
    problems = []
    if week is not None and not FIRST_DAY <= week <= LAST_DAY:
        problems.append({"field": "week", "message": (
            f"week must be a day from {FIRST_DAY} to {LAST_DAY}, not {week}.")})
    if not 1 <= weeks <= MAX_WEEKS:
        problems.append({"field": "weeks", "message": (
            f"weeks must be 1 to {MAX_WEEKS}, not {weeks}.")})
    if problems:
        raise InvalidInputError(" ".join(p["message"] for p in problems),
                                [{"code": "input.invalid", **p} for p in problems])
    return fatigue.monday(week) if week else default_week(wl)


def fatigue_report(wl: Wayline, week: date | None = None, weeks: int = 12) -> FatigueReport:
    """The week's distribution, who is over the caps' intent (first page), the trend of the
    `weeks` weeks up to it and unsubscribes by weekly frequency over them."""
    monday = week_asked(wl, week, weeks)
    with wl.reading() as session:
        intents = fatigue.weekly_intents(load_rules(session).caps)
        distribution = fatigue.distribution(session, monday)
        trend = fatigue.over_caps_trend(session, monday, weeks, intents)
        first = trend[0].week
        return FatigueReport(
            week=monday, zone=wl.settings.timezone, caps=intents,
            messaged=trend[-1].messaged, distribution=distribution,
            over=_over(session, monday, intents, None, OVER_PAGE, trend[-1].over), trend=trend,
            unsubscribes=fatigue.unsubscribes_by_frequency(session, first, monday),
            rolled_at=insight.rolled_at(session, "fatigue"))


def over_caps(wl: Wayline, week: date | None = None, after: int | None = None,
              limit: int = OVER_PAGE) -> OverCaps:
    """A page of the customers over some cap's weekly intent in the week, by id."""
    monday = week_asked(wl, week)
    with wl.reading() as session:
        intents = fatigue.weekly_intents(load_rules(session).caps)
        return _over(session, monday, intents, after, limit,
                     fatigue.over_caps_count(session, monday, intents))


def _over(session: Session, monday: date, intents: list[fatigue.WeeklyIntent],
          after: int | None, limit: int, count: int) -> OverCaps:
    page = fatigue.over_caps_page(session, monday, intents, after, limit)
    return OverCaps(week=monday, count=count, customers=page,
                    next_after=page[-1].customer_id if len(page) == limit else None)
