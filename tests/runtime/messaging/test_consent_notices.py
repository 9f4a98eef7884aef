"""Which consent dates have their two-yearly anniversary on a given day (29 February too)."""

from __future__ import annotations

from datetime import date

from runtime.messaging.consent_notices import MAX_CYCLES, anniversary_days


def test_every_second_year_back_from_today():
    found = anniversary_days(date(2028, 3, 2))
    assert found[:3] == [(2, date(2026, 3, 2)), (4, date(2024, 3, 2)), (6, date(2022, 3, 2))]
    assert len(found) == MAX_CYCLES


def test_a_29_february_consent_is_remembered_on_28_february_in_common_years():
    # 2026-02-28: two years after 2024-02-28, and 2024-02-29 has no day of its own in 2026.
    assert (2, date(2024, 2, 29)) in anniversary_days(date(2026, 2, 28))
    assert (2, date(2024, 2, 28)) in anniversary_days(date(2026, 2, 28))
    # In a leap year it has its own day, and is not said twice.
    on_the_day = anniversary_days(date(2028, 2, 29))
    assert (4, date(2024, 2, 29)) in on_the_day
    assert all(day.month == 2 and day.day == 29 for _, day in on_the_day)
    assert (4, date(2024, 2, 29)) not in anniversary_days(date(2028, 2, 28))
