"""Message fatigue: how many messages customers get a week, who gets more than the frequency
caps intend, and how many leave after busy weeks.

Every read here is a plain function `(session, …) -> result` over the summaries the `fatigue`
roller keeps (`runtime.store.fatigue_models`), never over messages or events, so each answers
in milliseconds over millions of messages (bench/insight.py times them).

**The caps' weekly intent.** A cap says "at most `limit` marketing messages on a channel per
`days` calendar days". Its pace over a week is `limit × 7 / days`; a customer is over the
intent on that channel in a week when they got more marketing messages there than that pace,
i.e. more than `floor(limit × 7 / days)` — and, for a cap slower than one a week (1 per 14
days), more than one. The caps are enforced over rolling windows, not weeks, so a customer can
be over the intent in one week without any cap having been broken: the figure shows where the
caps' idea of "enough" and a week's reality part.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from runtime.insight import day_bounds
from runtime.messaging.policy import Cap
from runtime.store.fatigue_models import (
    CustomerWeek,
    CustomerWeekChannel,
    FatigueProfile,
    FatigueWeek,
)
from runtime.store.models import Customer

SCOPE_ALL = "all"
"""Histogram rows counting every message sent."""
SCOPE_MARKETING = "marketing"
"""Histogram rows counting marketing messages only."""

TOP_BUCKET = 10
"""The last bucket of the charts holds this many messages a week or more ("10+")."""


class Bucket(msgspec.Struct, frozen=True, kw_only=True):
    """Customers who got `messages` messages in the week ("1" … "10+")."""

    messages: str
    customers: int
    marketing_customers: int


class FrequencyBucket(msgspec.Struct, frozen=True, kw_only=True):
    """Of the customers sent `messages` messages in a week, how many unsubscribed that week
    or the next."""

    messages: str
    customers: int
    unsubscribed: int
    rate: float | None


class WeeklyIntent(msgspec.Struct, frozen=True, kw_only=True):
    """A channel's cap and the most marketing messages a week it intends."""

    channel: str
    limit: int
    days: int
    per_week: int


class TrendWeek(msgspec.Struct, frozen=True, kw_only=True):
    """One week: customers messaged, those over a cap's weekly intent, and their share."""

    week: date
    messaged: int
    over: int
    share: float | None


class OverCustomer(msgspec.Struct, frozen=True, kw_only=True):
    """A customer over a cap's intent in the week: their messages, and marketing per channel."""

    customer_id: int
    external_id: str
    messages: int
    marketing: int
    channels: dict[str, int]


def monday(day: date) -> date:
    """The Monday of the (local) week a day falls in."""
    return day - timedelta(days=day.weekday())


def week_bounds(week: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a local week (its Monday) starts and ends at (end excluded)."""
    return day_bounds(week, zone)[0], day_bounds(week + timedelta(days=7), zone)[0]


def weeks_ending(last: date, count: int) -> list[date]:
    """`count` Mondays, oldest first, the last one `last`'s."""
    end = monday(last)
    return [end - timedelta(days=7 * n) for n in range(count - 1, -1, -1)]


def bucket_of(messages: int) -> str:
    """A weekly message count as the charts group it: "1" … "9", "10+"."""
    return f"{TOP_BUCKET}+" if messages >= TOP_BUCKET else str(messages)


BUCKETS = tuple(bucket_of(n) for n in range(1, TOP_BUCKET + 1))
"""Every bucket, in order."""


def profile_of(marketing: Mapping[str, int]) -> str:
    """A customer's week as `fatigue_profiles` keys it: marketing per channel, "email:3|sms:2"."""
    return "|".join(f"{channel}:{count}" for channel, count in sorted(marketing.items()))


def _is_over(profile: str, intents: Mapping[str, int]) -> bool:
    for part in profile.split("|"):
        channel, _, count = part.partition(":")
        if channel in intents and int(count) > intents[channel]:
            return True
    return False


def weekly_intents(caps: Mapping[str, Cap]) -> list[WeeklyIntent]:
    """Each capped channel's weekly intent (the module's docstring says how), by channel."""
    return [WeeklyIntent(channel=channel, limit=cap.limit, days=cap.days,
                         per_week=max(1, cap.limit * 7 // cap.days))
            for channel, cap in sorted(caps.items())]


def distribution(session: Session, week: date) -> list[Bucket]:
    """Customers by messages sent to them in the week, any and marketing; reads the week's
    `fatigue_weeks` rows."""
    counts = {(scope, bucket): 0 for scope in (SCOPE_ALL, SCOPE_MARKETING) for bucket in BUCKETS}
    for scope, messages, customers in session.execute(
            select(FatigueWeek.scope, FatigueWeek.messages, FatigueWeek.customers)
            .where(FatigueWeek.week == week)):
        counts[scope, bucket_of(messages)] += customers
    return [Bucket(messages=bucket, customers=counts[SCOPE_ALL, bucket],
                   marketing_customers=counts[SCOPE_MARKETING, bucket]) for bucket in BUCKETS]


def unsubscribes_by_frequency(session: Session, first: date, last: date) -> list[FrequencyBucket]:
    """Per weekly-message bucket, over the weeks `first`..`last`: customer-weeks, and those
    followed by an unsubscribe (that week or the next); reads `fatigue_weeks` ("all")."""
    counts = {bucket: [0, 0] for bucket in BUCKETS}
    for messages, customers, unsubscribed in session.execute(
            select(FatigueWeek.messages, func.sum(FatigueWeek.customers),
                   func.sum(FatigueWeek.unsubscribed))
            .where(FatigueWeek.scope == SCOPE_ALL, FatigueWeek.week >= first,
                   FatigueWeek.week <= last).group_by(FatigueWeek.messages)):
        counts[bucket_of(messages)][0] += int(customers)
        counts[bucket_of(messages)][1] += int(unsubscribed)
    return [FrequencyBucket(messages=bucket, customers=c, unsubscribed=u,
                            rate=u / c if c else None)
            for bucket, (c, u) in counts.items()]


def _over(intents: list[WeeklyIntent]) -> object:
    """The condition on `customer_week_channels` rows over their channel's intent."""
    if not intents:
        return false()
    return or_(*(and_(CustomerWeekChannel.channel == intent.channel,
                      CustomerWeekChannel.marketing > intent.per_week) for intent in intents))


def over_caps_count(session: Session, week: date, intents: list[WeeklyIntent]) -> int:
    """Customers over some cap's weekly intent in the week; reads the week's
    `fatigue_profiles`."""
    return _over_by_week(session, week, week, intents).get(week, 0)


def _over_by_week(session: Session, first: date, last: date,
                  intents: list[WeeklyIntent]) -> dict[date, int]:
    """Per week from `first` to `last`: customers over some cap's intent (from the profiles)."""
    if not intents:
        return {}
    limits = {intent.channel: intent.per_week for intent in intents}
    over: dict[date, int] = {}
    for week, profile, customers in session.execute(
            select(FatigueProfile.week, FatigueProfile.profile, FatigueProfile.customers)
            .where(FatigueProfile.week >= first, FatigueProfile.week <= last)):
        if _is_over(profile, limits):
            over[week] = over.get(week, 0) + customers
    return over


def over_caps_trend(session: Session, last: date, weeks: int,
                    intents: list[WeeklyIntent]) -> list[TrendWeek]:
    """The `weeks` weeks up to `last`: customers messaged (`fatigue_weeks`), those over some
    cap's intent (`fatigue_profiles`), and their share."""
    mondays = weeks_ending(last, weeks)
    first = mondays[0]
    messaged = dict(session.execute(
        select(FatigueWeek.week, func.sum(FatigueWeek.customers))
        .where(FatigueWeek.scope == SCOPE_ALL, FatigueWeek.week >= first,
               FatigueWeek.week <= mondays[-1]).group_by(FatigueWeek.week)).all())
    over = _over_by_week(session, first, mondays[-1], intents)
    trend = []
    for week in mondays:
        sent, too_many = int(messaged.get(week) or 0), int(over.get(week) or 0)
        trend.append(TrendWeek(week=week, messaged=sent, over=too_many,
                               share=too_many / sent if sent else None))
    return trend


def over_caps_page(session: Session, week: date, intents: list[WeeklyIntent],
                   after: int | None, limit: int) -> list[OverCustomer]:
    """Up to `limit` customers over some cap's intent in the week, by id after `after`
    (keyset); reads `customer_week_channels`, `customer_weeks` and the customers' ids."""
    if not intents:
        return []
    # The channel rows in key order from `after`, so the scan stops at the page's end.
    ids = list(session.scalars(
        select(CustomerWeekChannel.customer_id)
        .where(CustomerWeekChannel.week == week,
               CustomerWeekChannel.customer_id > (after or 0), _over(intents))
        .group_by(CustomerWeekChannel.customer_id)
        .order_by(CustomerWeekChannel.customer_id).limit(limit)))
    rows = session.execute(
        select(CustomerWeek.customer_id, Customer.external_id, CustomerWeek.messages,
               CustomerWeek.marketing)
        .join(Customer, Customer.id == CustomerWeek.customer_id)
        .where(CustomerWeek.week == week, CustomerWeek.customer_id.in_(ids))
        .order_by(CustomerWeek.customer_id)).all() if ids else []
    channels: dict[int, dict[str, int]] = {row.customer_id: {} for row in rows}
    capped = [intent.channel for intent in intents]
    for customer_id, channel, count in session.execute(
            select(CustomerWeekChannel.customer_id, CustomerWeekChannel.channel,
                   CustomerWeekChannel.marketing)
            .where(CustomerWeekChannel.week == week, CustomerWeekChannel.channel.in_(capped),
                   CustomerWeekChannel.customer_id.in_(list(channels)))):
        channels[customer_id][channel] = count
    return [OverCustomer(customer_id=row.customer_id, external_id=row.external_id,
                         messages=row.messages, marketing=row.marketing,
                         channels=channels[row.customer_id]) for row in rows]
