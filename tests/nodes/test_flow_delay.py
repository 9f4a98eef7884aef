"""flow.delay: durations, local times of day across zones and DST, weekdays, date attributes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest

from nodes.flow_delay import SPEC, Config, DelayMode
from nodes.kit.spec import Go, Problem, WaitUntil
from nodes.kit.values import Duration, Unit, Weekday, local_instant
from tests.nodes.conftest import NOW, MakeContext


def utc(*parts: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*parts, tzinfo=UTC)


def until_time(at: str, make_ctx: MakeContext, *, weekdays: tuple[Weekday, ...] = (),
               **ctx: object) -> datetime:
    """When a time-of-day wait started in this context ends (asserting it is a wait)."""
    config = Config(mode=DelayMode.TIME_OF_DAY, at=at, weekdays=list(weekdays))
    decision = SPEC.run(config, make_ctx(**ctx))
    assert isinstance(decision, WaitUntil)
    assert decision.port == "next"
    return decision.until


def run_date(make_ctx: MakeContext, attributes: dict, *, offset: int = 0, at: str | None = None,
             **ctx: object) -> Go | WaitUntil:
    """The decision of a wait for `renewal_date` in this context."""
    config = Config(mode=DelayMode.DATE_ATTRIBUTE, attribute="renewal_date", offset_days=offset,
                    at=at)
    return SPEC.run(config, make_ctx(attributes=attributes, **ctx))


# --- a duration --------------------------------------------------------------------------------


@pytest.mark.parametrize(("duration", "expected"), [
    (Duration(amount=2, unit=Unit.DAYS), utc(2024, 5, 3, 3, 0)),
    (Duration(amount=90, unit=Unit.MINUTES), utc(2024, 5, 1, 4, 30)),
    (Duration(amount=1, unit=Unit.WEEKS), utc(2024, 5, 8, 3, 0)),
])
def test_a_duration_waits_that_long(make_ctx: MakeContext, duration: Duration,
                                    expected: datetime) -> None:
    decision = SPEC.run(Config(duration=duration), make_ctx())
    assert decision == WaitUntil(expected, why=f"waiting {duration.describe()}")
    assert decision.until.tzinfo is UTC


def test_a_duration_given_in_a_local_now_still_ends_in_utc(make_ctx: MakeContext) -> None:
    seoul_now = NOW.astimezone(ZoneInfo("Asia/Seoul"))
    decision = SPEC.run(Config(duration=Duration(amount=1, unit=Unit.HOURS)),
                        make_ctx(now=seoul_now))
    assert decision.until == utc(2024, 5, 1, 4, 0)
    assert decision.until.tzinfo is UTC


# --- a time of day, in the customer's zone -----------------------------------------------------


def test_time_of_day_later_today_in_seoul(make_ctx: MakeContext) -> None:
    # NOW is 12:00 in Seoul.
    assert until_time("18:00", make_ctx) == utc(2024, 5, 1, 9, 0)


def test_time_of_day_already_passed_waits_for_tomorrow(make_ctx: MakeContext) -> None:
    assert until_time("09:00", make_ctx) == utc(2024, 5, 2, 0, 0)


def test_time_of_day_exactly_now_waits_for_tomorrow(make_ctx: MakeContext) -> None:
    assert until_time("12:00", make_ctx) == utc(2024, 5, 2, 3, 0)


@pytest.mark.parametrize(("zone", "expected"), [
    ("Asia/Seoul", utc(2024, 5, 2, 0, 0)),         # 12:00 Wed there: tomorrow 09:00 KST
    ("America/New_York", utc(2024, 5, 1, 13, 0)),  # 23:00 Tue there: 09:00 EDT Wed
    ("Europe/Berlin", utc(2024, 5, 1, 7, 0)),      # 05:00 Wed there: 09:00 CEST today
    ("UTC", utc(2024, 5, 1, 9, 0)),                # 03:00 Wed: 09:00 today
])
def test_the_same_time_of_day_differs_by_zone(make_ctx: MakeContext, zone: str,
                                              expected: datetime) -> None:
    assert until_time("09:00", make_ctx, zone=zone) == expected


def test_weekdays_pick_the_next_allowed_day(make_ctx: MakeContext) -> None:
    # Wednesday 12:00 in Seoul: Monday 10:00 KST is five days on.
    assert until_time("10:00", make_ctx, weekdays=(Weekday.MON,)) == utc(2024, 5, 6, 1, 0)


def test_todays_weekday_counts_only_if_the_time_is_still_ahead(make_ctx: MakeContext) -> None:
    assert until_time("13:00", make_ctx, weekdays=(Weekday.WED,)) == utc(2024, 5, 1, 4, 0)
    assert until_time("10:00", make_ctx, weekdays=(Weekday.WED,)) == utc(2024, 5, 8, 1, 0)


def test_weekdays_are_the_customers_not_utcs(make_ctx: MakeContext) -> None:
    # NOW is Wednesday in UTC but still Tuesday 23:00 in New York.
    assert until_time("23:30", make_ctx, zone="America/New_York",
                      weekdays=(Weekday.TUE,)) == utc(2024, 5, 1, 3, 30)
    assert until_time("09:00", make_ctx, zone="America/New_York",
                      weekdays=(Weekday.SAT, Weekday.SUN)) == utc(2024, 5, 4, 13, 0)


def test_the_why_shows_the_customers_clock(make_ctx: MakeContext) -> None:
    config = Config(mode=DelayMode.TIME_OF_DAY, at="09:00")
    assert SPEC.run(config, make_ctx()).why == "waiting until Thu 2024-05-02 09:00 Asia/Seoul"


# --- daylight saving ---------------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "now", "at", "expected"), [
    # Spring forward: 02:00 jumps to 03:00, so 02:30 does not exist; the wait ends at the jump.
    ("America/New_York", utc(2024, 3, 9, 17, 0), "02:30", utc(2024, 3, 10, 7, 0)),
    ("Europe/Berlin", utc(2024, 3, 30, 12, 0), "02:30", utc(2024, 3, 31, 1, 0)),
    # The wall time that starts the gap is missing too.
    ("America/New_York", utc(2024, 3, 9, 17, 0), "02:00", utc(2024, 3, 10, 7, 0)),
    # Times either side of the gap keep their own offsets.
    ("America/New_York", utc(2024, 3, 9, 17, 0), "01:59", utc(2024, 3, 10, 6, 59)),
    ("America/New_York", utc(2024, 3, 9, 17, 0), "03:00", utc(2024, 3, 10, 7, 0)),
    ("Europe/Berlin", utc(2024, 3, 30, 12, 0), "09:00", utc(2024, 3, 31, 7, 0)),
    # The day after, 02:30 exists again (now on summer time).
    ("America/New_York", utc(2024, 3, 10, 8, 0), "02:30", utc(2024, 3, 11, 6, 30)),
    # Fall back: 01:30 (New York) / 02:30 (Berlin) happen twice; the first one counts.
    ("America/New_York", utc(2024, 11, 2, 16, 0), "01:30", utc(2024, 11, 3, 5, 30)),
    ("Europe/Berlin", utc(2024, 10, 26, 12, 0), "02:30", utc(2024, 10, 27, 0, 30)),
    ("Europe/Berlin", utc(2024, 10, 26, 12, 0), "09:00", utc(2024, 10, 27, 8, 0)),
])
def test_daylight_saving(make_ctx: MakeContext, zone: str, now: datetime, at: str,
                         expected: datetime) -> None:
    assert until_time(at, make_ctx, zone=zone, now=now) == expected


def test_fall_back_between_the_two_occurrences_waits_for_the_next_day(
        make_ctx: MakeContext) -> None:
    # 06:00 UTC is 01:00 EST, after the first 01:30 (05:30 UTC) and before the second.
    now = utc(2024, 11, 3, 6, 0)
    next_day = utc(2024, 11, 4, 6, 30)
    assert until_time("01:30", make_ctx, zone="America/New_York", now=now) == next_day


def test_seoul_has_no_daylight_saving() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    for offset in range(366):
        day = date(2024, 1, 1) + timedelta(days=offset)
        assert local_instant(day, time(9, 0), seoul) == datetime.combine(day, time(0, 0), UTC)


def test_seoul_waits_on_american_spring_forward_night(make_ctx: MakeContext) -> None:
    assert until_time("02:30", make_ctx, zone="Asia/Seoul",
                      now=utc(2024, 3, 9, 12, 0)) == utc(2024, 3, 9, 17, 30)


# --- until a date attribute --------------------------------------------------------------------


def test_a_week_before_a_date_at_nine_by_default(make_ctx: MakeContext) -> None:
    decision = run_date(make_ctx, {"renewal_date": "2024-06-01"}, offset=-7)
    assert decision.until == utc(2024, 5, 25, 0, 0)  # 09:00 KST
    assert decision.why == "waiting until Sat 2024-05-25 09:00 Asia/Seoul from 'renewal_date'"


def test_days_after_a_date_at_a_chosen_time(make_ctx: MakeContext) -> None:
    decision = run_date(make_ctx, {"renewal_date": "2024-06-01"}, offset=3, at="18:30",
                        zone="America/New_York")
    assert decision == WaitUntil(utc(2024, 6, 4, 22, 30),
                                 why="waiting until Tue 2024-06-04 18:30 America/New_York "
                                     "from 'renewal_date'")


def test_a_utc_time_attribute_counts_on_the_customers_calendar(make_ctx: MakeContext) -> None:
    # 20:00 UTC on 1 June is already 2 June in Seoul.
    decision = run_date(make_ctx, {"renewal_date": "2024-06-01T20:00:00Z"}, at="10:00")
    assert decision.until == utc(2024, 6, 2, 1, 0)


def test_a_date_on_a_spring_forward_night(make_ctx: MakeContext) -> None:
    decision = run_date(make_ctx, {"renewal_date": "2025-03-09"}, at="02:30",
                        zone="America/New_York")
    assert decision.until == utc(2025, 3, 9, 7, 0)


def test_a_builtin_date_field(make_ctx: MakeContext) -> None:
    config = Config(mode=DelayMode.DATE_ATTRIBUTE, attribute="created_at", offset_days=30)
    decision = SPEC.run(config, make_ctx())  # created 2024-04-20 14:00 KST
    assert decision.until == utc(2024, 5, 20, 0, 0)


@pytest.mark.parametrize(("attributes", "because"), [
    ({}, "'renewal_date' is missing"),
    ({"renewal_date": None}, "'renewal_date' is missing"),
    ({"renewal_date": "soon"}, "'renewal_date' is not a date ('soon')"),
    ({"renewal_date": "2024-13-45"}, "'renewal_date' is not a date ('2024-13-45')"),
    ({"renewal_date": 20240601}, "'renewal_date' is not a date (20240601)"),
])
def test_no_usable_date_goes_on_at_once(make_ctx: MakeContext, attributes: dict,
                                        because: str) -> None:
    decision = run_date(make_ctx, attributes)
    assert decision == Go("next", why=f"{because}, so the customer goes on without waiting")


def test_a_date_already_passed_goes_on_at_once(make_ctx: MakeContext) -> None:
    decision = run_date(make_ctx, {"renewal_date": "2024-05-08"}, offset=-7)
    assert isinstance(decision, Go)
    assert decision.port == "next"
    assert "Wed 2024-05-01 09:00 Asia/Seoul from 'renewal_date' has already passed" in decision.why


def test_a_date_at_the_end_of_time_goes_on_at_once(make_ctx: MakeContext) -> None:
    decision = run_date(make_ctx, {"renewal_date": "9999-12-31"}, offset=7)
    assert isinstance(decision, Go)
    assert "too far off" in decision.why


# --- check -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("config", "problem"), [
    (Config(mode=DelayMode.DURATION), Problem("duration", "Wait for: choose how long to wait")),
    (Config(mode=DelayMode.TIME_OF_DAY, weekdays=[Weekday.MON]),
     Problem("at", "At: choose the time of day to wait until")),
    (Config(mode=DelayMode.DATE_ATTRIBUTE, at="10:00"),
     Problem("attribute", "Date attribute: choose the date to wait for, e.g. renewal_date")),
])
def test_check_asks_for_what_the_mode_needs(config: Config, problem: Problem) -> None:
    assert SPEC.check(config) == [problem]


def test_check_accepts_each_mode_when_complete() -> None:
    assert SPEC.check(Config(mode=DelayMode.TIME_OF_DAY, at="09:00")) == []
    assert SPEC.check(Config(mode=DelayMode.DATE_ATTRIBUTE, attribute="birthday")) == []


def test_the_form_shows_fields_by_mode() -> None:
    properties = msgspec.json.schema(Config)["$defs"]["Config"]["properties"]
    assert properties["duration"]["x-show-if"] == {"mode": ["duration"]}
    assert properties["weekdays"]["x-show-if"] == {"mode": ["time_of_day"]}
    assert properties["at"]["x-show-if"] == {"mode": ["time_of_day", "date_attribute"]}
