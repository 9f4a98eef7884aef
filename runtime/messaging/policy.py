"""Send-time policy: may this customer receive this message now? Each "no" has a reason.

The rules, in the order they are applied to every message (at the batch that writes it, and
again by delivery just before the provider is called, so a deferred message is re-checked when
its time comes and a consent withdrawn meanwhile is honoured):

1. **Consent**, per channel and per purpose, as stored on the customer
   (`{"sms": {"marketing": true, "night": true, "transactional": true, …}}`, or a bare boolean
   for marketing). Marketing needs an explicit yes (opt-in, as Korean law requires);
   transactional messages go unless the customer refused them explicitly. No consent:
   the message is suppressed — saying so, and naming the 080 line and the day when the
   customer refused by calling it (정보통신망법 제50조 ④; `runtime.customers.consent_history`).
2. **Transactional messages stop here**: night-time, quiet hours and caps are for marketing.
3. **Night-time** (정보통신망법 §50 ③): marketing is not sent between 21:00 and 08:00 in the
   customer's time zone (else the journey's) unless the customer gave night-time consent on
   that channel (`"night": true` in the channel's consent). Window and channels are workspace
   settings (`runtime.messaging.workspace.SendPolicy`).
4. **Quiet hours** of the journey (its settings: `quiet_hours`, `quiet_days`).
5. **Frequency cap** of the workspace: at most N marketing messages per channel per D days,
   days counted as calendar days in the customer's time zone, across all journeys.

Before all of these but consent, whatever the purpose: **the channel's closed hours**
(`ChannelSpec.closed`). Some providers refuse every message on a channel at some hours — Kakao
Brand Message from 20:50 to 08:00 Korean time (NCP SENS code 3022) — so a message sent then
would only fail. Unlike night-time, no consent opens them, and they are the provider's clock
(Asia/Seoul), not the customer's.

A message blocked by 3–5 or closed hours is deferred — it waits, status `deferred`, until the
first moment every rule allows it (`next_attempt_at`), and is checked again then — or skipped
(suppressed), as its send step says (`when_blocked`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from nodes.kit.channel import default_channels
from nodes.kit.values import local_instant, parse_local_time

MAX_HOPS = 16
"""Windows stepped over when looking for the next allowed moment (night → weekend → night …)."""


class Verdict(StrEnum):
    """What the policy says about one message now."""

    SEND = "send"
    DEFER = "defer"
    SKIP = "skip"
    SUPPRESS = "suppress"
    HOLD = "hold"  # a brake (a paused journey or step) holds it, unsent, until a resume


@dataclass(frozen=True)
class Decision:
    """A verdict, why, and (for a deferral) when to try again."""

    verdict: Verdict
    reason: str | None = None
    retry_at: datetime | None = None


SEND = Decision(Verdict.SEND)


@dataclass(frozen=True)
class Window:
    """A recurring local-time window in which marketing waits: start–end on some weekdays.

    An end at or before the start runs over midnight (21:00–08:00); start == end is a whole
    day. `days` are the weekdays (0 = Monday) the window starts on; empty means every day.
    """

    label: str
    start: time
    end: time
    days: frozenset[int] = frozenset()
    zone: ZoneInfo | None = None
    """The clock the window keeps, when not the customer's (a provider's closed hours)."""

    def ends_after(self, local: datetime) -> datetime | None:
        """The local wall time the window ends, if `local` falls inside it; else None."""
        day, clock = local.date(), local.time().replace(tzinfo=None)
        if self.start < self.end:
            inside = self.start <= clock < self.end and self._starts_on(day)
            return datetime.combine(day, self.end) if inside else None
        if clock >= self.start and self._starts_on(day):
            return datetime.combine(day + timedelta(days=1), self.end)
        yesterday = day - timedelta(days=1)
        if clock < self.end and self._starts_on(yesterday):
            return datetime.combine(day, self.end)
        return None

    def _starts_on(self, day: date) -> bool:
        return not self.days or day.weekday() in self.days

    def describe(self) -> str:
        """'21:00–08:00', with its days when it has some."""
        span = "all day" if self.start == self.end else \
            f"{self.start:%H:%M}–{self.end:%H:%M}"
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        return span + (" on " + ", ".join(names[d] for d in sorted(self.days))
                       if self.days else "")


@dataclass(frozen=True)
class Cap:
    """At most `limit` marketing messages on a channel per `days` local calendar days."""

    limit: int
    days: int


@dataclass(frozen=True)
class Rules:
    """The workspace's rules, ready to apply (see `runtime.messaging.workspace.SendPolicy`)."""

    night: Window | None = None
    night_channels: frozenset[str] = frozenset()
    caps: Mapping[str, Cap] = field(default_factory=dict)

    @property
    def longest_cap(self) -> int:
        """Days of history the caps look at (0 without caps)."""
        return max((cap.days for cap in self.caps.values()), default=0)


@dataclass(frozen=True)
class Outgoing:
    """One message as the policy sees it."""

    channel: str
    purpose: str
    consent: Mapping[str, Any]
    zone: ZoneInfo
    quiet: tuple[Window, ...] = ()
    when_blocked: str = "defer"


def consent_problem(consent: Mapping[str, Any], channel: str, purpose: str) -> str | None:
    """Why consent forbids this send, or None when it is allowed."""
    record = consent.get(channel)
    given = record.get(purpose) if isinstance(record, Mapping) else record
    if purpose == "transactional":
        return "the customer refused transactional " + channel if given is False else None
    if given is True:
        return None
    if isinstance(record, Mapping) and given is False and "opt_out_number" in record:
        line = _dialled(str(record["opt_out_number"])) or "the 080 line"
        return f"refused advertising through {line} on {str(record.get('at', ''))[:10]}"
    return f"no marketing consent for {channel}"


def _dialled(number: str) -> str:
    """A 080 number as people write it: 080-123-4567."""
    digits = "".join(char for char in number if char.isdigit())
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if len(digits) == 10 else number


def has_night_consent(consent: Mapping[str, Any], channel: str) -> bool:
    """True when the customer agreed to marketing on `channel` at night too."""
    given = consent.get(channel)
    return isinstance(given, Mapping) and given.get("night") is True


def judge(message: Outgoing, rules: Rules, counted: Sequence[datetime], now: datetime,
          memo: dict[Any, Any] | None = None) -> Decision:
    """The policy's decision for one message at `now`.

    `counted` are the times of the customer's marketing messages on this channel that count
    against the cap (sent, or on their way), most recent last or in any order. `memo` (a dict
    the caller keeps for one `now`) remembers what the time windows say per time zone, so a
    batch of a thousand messages works that out once or twice, not a thousand times.
    """
    problem = consent_problem(message.consent, message.channel, message.purpose)
    if problem:
        return Decision(Verdict.SUPPRESS, problem)
    closed = closed_window(message.channel)
    if message.purpose == "transactional" and closed is None:
        return SEND
    windows = _windows(message, rules) if message.purpose != "transactional" else ()
    windows += (closed,) if closed is not None else ()
    memo = {} if memo is None else memo
    key = (windows, message.zone)
    if key not in memo:
        memo[key] = _held_by_windows(windows, message.zone, now)
    held = memo[key]
    cap = rules.caps.get(message.channel) if message.purpose != "transactional" else None
    capped_until = _cap_free_at(cap, counted, message.zone, now) if cap else None
    if held is None and capped_until is None:
        return SEND
    if held is not None:
        reason, retry_at = held
    else:
        reason = (f"frequency cap: {cap.limit} {message.channel} marketing message"
                  f"{'s' if cap.limit != 1 else ''} per {_days(cap.days)} reached")
        retry_at = None
    if message.when_blocked == "skip":
        return Decision(Verdict.SKIP, reason + "; skipped, as the send step says")
    if capped_until is not None:
        retry_at = next_allowed(max(now, capped_until), windows, message.zone)
    return Decision(Verdict.DEFER, reason, retry_at)


def _held_by_windows(windows: tuple[Window, ...], zone: ZoneInfo,
                     now: datetime) -> tuple[str, datetime] | None:
    """(why, until when) if a window holds marketing back now; None if none does."""
    blocking = next((window for window in windows
                     if window.ends_after(now.astimezone(window.zone or zone))), None)
    if blocking is None:
        return None
    what = "no sending" if blocking.zone else "no marketing"
    return (f"{blocking.label}: {what} {blocking.describe()} ({(blocking.zone or zone).key})",
            next_allowed(now, windows, zone))


def _days(count: int) -> str:
    return "day" if count == 1 else f"{count} days"


def _windows(message: Outgoing, rules: Rules) -> tuple[Window, ...]:
    night = () if rules.night is None or message.channel not in rules.night_channels or \
        has_night_consent(message.consent, message.channel) else (rules.night,)
    return night + message.quiet


def next_allowed(start: datetime, windows: Iterable[Window], zone: ZoneInfo) -> datetime:
    """The first instant at or after `start` outside every window (UTC)."""
    windows = tuple(windows)
    moment = start
    for _ in range(MAX_HOPS):
        ends = [local_instant(end.date(), end.time(), window.zone or zone)
                for window in windows
                if (end := window.ends_after(moment.astimezone(window.zone or zone)))]
        if not ends:
            return moment
        moment = max(max(ends), moment)
    return moment


def _cap_free_at(cap: Cap, counted: Sequence[datetime], zone: ZoneInfo,
                 now: datetime) -> datetime | None:
    """None when the cap allows one more now; else the local midnight from which it does."""
    today = now.astimezone(zone).date()
    days = sorted((moment.astimezone(zone).date() for moment in counted), reverse=True)
    for ahead in range(cap.days + 1):
        first = today + timedelta(days=ahead - cap.days + 1)
        if sum(1 for day in days if day >= first) < cap.limit:
            if ahead == 0:
                return None
            return local_instant(today + timedelta(days=ahead), time(0), zone)
    return local_instant(today + timedelta(days=cap.days + 1), time(0), zone)


CLOSED_LABEL = "provider closed hours"
"""How a reason names a channel's closed hours (`ChannelSpec.closed`)."""


def closed_window(channel: str) -> Window | None:
    """The hours the channel's providers refuse every message, as a window on their clock."""
    spec = default_channels().get(channel)
    if spec is None or spec.closed is None:
        return None
    hours = spec.closed
    return Window(CLOSED_LABEL, parse_local_time(hours.start), parse_local_time(hours.end),
                  zone=ZoneInfo(hours.zone))


def window_from(label: str, start: str, end: str, days: Iterable[int] = ()) -> Window:
    """A window from 'HH:MM' texts."""
    return Window(label, parse_local_time(start), parse_local_time(end), frozenset(days))


def cap_since(rules: Rules, now: datetime) -> datetime | None:
    """How far back the cap history must be read (a day of slack for any time zone)."""
    days = rules.longest_cap
    return now - timedelta(days=days + 1) if days else None


POLICY_REASONS = (("consent", "consent"), ("refused transactional", "consent"),
                  ("refused advertising through", "consent"),
                  ("night-time", "night-time"), ("quiet hours", "quiet hours"),
                  ("frequency cap", "frequency cap"), (CLOSED_LABEL, "night-time"))
"""Phrases the send policy's reasons start with, and the kind of reason they mean."""


def reason_kind(status: str, reason: str | None, attempts: int = 0) -> str | None:
    """What kind of reason a ledger row gives (for the timeline): consent, night-time, quiet
    hours, frequency cap; else provider failure when a provider was called (attempts), missing
    data when the message failed before that (no address, a template or variable problem).
    None for a message with no reason."""
    if not reason:
        return None
    lowered = reason.lower()
    for phrase, kind in POLICY_REASONS:
        if phrase in lowered:
            return kind
    if attempts:
        return "provider failure"
    return "missing data" if status == "failed" else "other"
