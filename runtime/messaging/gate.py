"""The send policy at work: which messages go now, wait, or are skipped, and why.

Called twice for every message: by the batch that writes it (`hold_back`, before the row is
written) and by delivery just before the provider is called (`recheck`), so a deferred message
is checked again when its time comes and consent withdrawn in between is honoured. The last
look also applies the brakes (`runtime.messaging.brakes`): a paused journey or step holds the
message, an archived journey or a customer who left by the exit criteria suppresses it.

Frequency caps count, per customer and channel, the marketing messages sent in the window plus
those on their way (queued with a smaller id: written earlier). Messages decided together are
taken in id order and each one let through counts for the next, so a batch never lets more
through than the cap, and two passes over the same messages agree. Counting reads the partial
index `ix_messages_marketing` (customer, channel, sent_at), and only when a cap is set.
Two workers deciding messages for the same customer and channel at the same moment (in two
batches, or two delivery jobs) do not see each other's, so either may let one through: a cap
can be passed by the messages decided concurrently, never by those decided one after another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import literal_column, or_, select
from sqlalchemy.orm import Session

from builder.compiled import CompiledJourney, InvalidJourneyError
from runtime.audience.query import session_clause
from runtime.flow.engine import customer_zone
from runtime.flow.enrollment import audience_rule
from runtime.messaging import brakes
from runtime.messaging.policy import (
    Decision,
    Outgoing,
    Rules,
    Verdict,
    Window,
    cap_since,
    judge,
    window_from,
)
from runtime.messaging.workspace import load_rules
from runtime.store.models import (
    MARKETING_ONLY,
    Customer,
    Journey,
    JourneyStatus,
    Message,
    MessageStatus,
    Run,
)
from runtime.store.sql import among
from runtime.store.versions import load_compiled

History = dict[tuple[int, str], list[tuple[int, datetime, bool]]]
"""(customer, channel) → (message id, when, on its way) of messages counted by caps."""


@dataclass(frozen=True)
class Candidate:
    """A message to decide: its id (order), customer and what the policy needs to know."""

    id: int
    customer_id: int
    outgoing: Outgoing


def hold_back(session: Session, candidates: Sequence[Candidate], now: datetime,
              rules: Rules | None = None) -> dict[int, Decision]:
    """Decisions for the candidates the policy does not let through now (by message id)."""
    if not candidates:
        return {}
    rules = rules or load_rules(session)
    history = _history(session, candidates, rules, now, exclude=())
    return decide(candidates, rules, history, now)


def decide(candidates: Iterable[Candidate], rules: Rules, history: History,
           now: datetime) -> dict[int, Decision]:
    """Judge candidates in id order; each one let through counts against the caps after it."""
    held: dict[int, Decision] = {}
    memo: dict[Any, Any] = {}  # what the time windows say, per zone, at `now`
    for candidate in sorted(candidates, key=lambda c: c.id):
        message = candidate.outgoing
        key = (candidate.customer_id, message.channel)
        counted = [when for message_id, when, on_its_way in history.get(key, ())
                   if not on_its_way or message_id < candidate.id]
        decision = judge(message, rules, counted, now, memo)
        if decision.verdict is not Verdict.SEND:
            held[candidate.id] = decision
        elif message.purpose == "marketing" and message.channel in rules.caps:
            history.setdefault(key, []).append((candidate.id, now, False))
    return held


def _history(session: Session, candidates: Sequence[Candidate], rules: Rules, now: datetime,
             exclude: Iterable[int]) -> History:
    """Messages counted by the caps, for the candidates' customers and capped channels."""
    since = cap_since(rules, now)
    capped = [c for c in candidates
              if c.outgoing.purpose == "marketing" and c.outgoing.channel in rules.caps]
    if since is None or not capped:
        return {}
    return cap_history(session, {c.customer_id for c in capped},
                       {c.outgoing.channel for c in capped}, since, now, set(exclude))


def cap_history(session: Session, customer_ids: Iterable[int], channels: Iterable[str],
                since: datetime, now: datetime, exclude: set[int]) -> History:
    """Marketing messages sent since `since` or on their way, per customer and channel."""
    query = (select(Message.id, Message.customer_id, Message.channel, Message.status,
                    Message.sent_at)
             .where(MARKETING_ONLY, among(session, Message.customer_id, customer_ids),
                    Message.channel.in_(sorted(channels)),
                    or_(Message.sent_at >= since,
                        Message.status == literal_column("'queued'"))))
    history: History = defaultdict(list)
    for message_id, customer_id, channel, status, sent_at in session.execute(query):
        if message_id in exclude:
            continue
        on_its_way = MessageStatus(status) is MessageStatus.QUEUED
        history[(customer_id, channel)].append((message_id, sent_at or now, on_its_way))
    return history


def sent_before(session: Session, customer_ids: Iterable[int], rules: Rules,
                now: datetime) -> dict[tuple[int, str], list[datetime]]:
    """What the caps count for these customers now: their marketing messages per channel
    (sent in the caps' window, or on their way), for a simulation to judge against."""
    since = cap_since(rules, now)
    if since is None or not rules.caps:
        return {}
    history = cap_history(session, customer_ids, rules.caps, since, now, set())
    return {key: [when for _id, when, _way in items] for key, items in history.items()}


def quiet_windows(journey: CompiledJourney | None) -> tuple[Window, ...]:
    """The journey's quiet hours and quiet days as windows."""
    if journey is None:
        return ()
    settings = journey.document.settings
    windows = [window_from("quiet hours", quiet.start, quiet.end,
                           (day.index for day in quiet.days))
               for quiet in getattr(settings, "quiet_hours", ())]
    days = [day.index for day in getattr(settings, "quiet_days", ())]
    if days:
        windows.append(window_from("quiet hours", "00:00", "00:00", days))
    return tuple(windows)


def outgoing(channel: str, purpose: str, consent: Mapping[str, Any], timezone: str | None,
             journey: CompiledJourney | None, when_blocked: str,
             quiet: tuple[Window, ...]) -> Outgoing:
    """A message as the policy sees it: the customer's zone, else the journey's."""
    zone = customer_zone(timezone, journey.document.settings.timezone if journey else "UTC")
    return Outgoing(channel, purpose, consent or {}, zone, quiet, when_blocked)


def recheck(session: Session, message_ids: Sequence[int], now: datetime) -> dict[int, Decision]:
    """Delivery's last look: decisions for the claimed messages that may not go now."""
    if not message_ids:
        return {}
    rows = session.execute(
        select(Message.id, Message.customer_id, Message.channel, Message.purpose,
               Message.node_id, Run.journey_version_id, Run.exit_reason, Customer.consent,
               Customer.timezone, Journey.status.label("journey_status"),
               Journey.paused_steps)
        .join(Run, Run.id == Message.run_id).join(Customer, Customer.id == Message.customer_id)
        .join(Journey, Journey.id == Message.journey_id)
        .where(among(session, Message.id, message_ids))).all()
    braked = {row.id: decision for row in rows if (decision := _brake(row, now))}
    rows = [row for row in rows if row.id not in braked]
    journeys = _compiled(session, {row.journey_version_id for row in rows})
    quiet = {version: quiet_windows(journey) for version, journey in journeys.items()}
    candidates = [Candidate(row.id, row.customer_id, outgoing(
        row.channel, row.purpose, row.consent, row.timezone, journeys[row.journey_version_id],
        when_blocked(journeys[row.journey_version_id], row.node_id),
        quiet[row.journey_version_id])) for row in rows]
    left = _left_audience(session, rows, journeys, now)
    candidates = [candidate for candidate in candidates if candidate.id not in left]
    rules = load_rules(session)
    history = _history(session, candidates, rules, now, exclude=message_ids)
    return {**braked, **left, **decide(candidates, rules, history, now)}


def _left_audience(session: Session, rows: Sequence[Any],
                   journeys: Mapping[int, CompiledJourney | None],
                   now: datetime) -> dict[int, Decision]:
    """Messages of send steps that ask "only if they still match the entry audience" whose
    customer no longer does (one query per journey version asking)."""
    asking: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        journey = journeys.get(row.journey_version_id)
        config = journey.configs.get(row.node_id) if journey else None
        if getattr(config, "recheck_audience", False):
            asking[row.journey_version_id].append(row)
    decisions = {}
    for version_id, members in asking.items():
        rule = audience_rule(session, journeys[version_id])
        if rule is None:
            continue  # not an audience entry: nothing to match
        customers = {row.customer_id for row in members}
        still = set(session.scalars(select(Customer.id).where(
            among(session, Customer.id, customers), session_clause(session, rule, now))))
        decisions.update({row.id: Decision(Verdict.SUPPRESS, "not sent: no longer in the "
                                                             "journey's entry audience")
                          for row in members if row.customer_id not in still})
    return decisions


LEFT_EARLY = ("exit criteria:", "journey archived")
"""How the exit reasons of customers taken out of a journey begin: their waiting messages no
longer go (one who simply reached the end after the send step still gets it)."""


def _brake(row: Any, now: datetime) -> Decision | None:
    """What a brake says of one message: held while its journey or step is paused, suppressed
    once the journey is archived or the customer left it early; None when no brake applies."""
    status = JourneyStatus(row.journey_status)
    if status is JourneyStatus.ARCHIVED:
        return Decision(Verdict.SUPPRESS, brakes.ARCHIVED)
    if row.exit_reason and row.exit_reason.startswith(LEFT_EARLY):
        return Decision(Verdict.SUPPRESS, f"not sent: the customer left the journey "
                                          f"({row.exit_reason})")
    if status is JourneyStatus.PAUSED:
        return Decision(Verdict.HOLD, brakes.JOURNEY_PAUSED, now)
    if row.node_id in (row.paused_steps or ()):
        return Decision(Verdict.HOLD, brakes.STEP_PAUSED, now)
    return None


def _compiled(session: Session, version_ids: set[int]) -> dict[int, CompiledJourney | None]:
    """Compiled versions; None for one that no longer compiles (its messages still go out,
    judged in the customer's time zone without the journey's quiet hours)."""
    try:
        return dict(load_compiled(session, version_ids))
    except InvalidJourneyError:
        found: dict[int, CompiledJourney | None] = {}
        for version_id in version_ids:
            try:
                found.update(load_compiled(session, {version_id}))
            except InvalidJourneyError:
                found[version_id] = None
        return found


def when_blocked(journey: CompiledJourney | None, node_id: str) -> str:
    """What the send step does when a rule blocks it: 'defer' (wait) or 'skip'."""
    config = journey.configs.get(node_id) if journey else None
    value = getattr(config, "when_blocked", "defer")
    return getattr(value, "value", value)


def ledger_values(decision: Decision) -> dict[str, Any]:
    """The message columns that record a decision: deferred until a time, or suppressed."""
    if decision.verdict is Verdict.DEFER:
        return {"status": MessageStatus.DEFERRED, "reason": decision.reason,
                "next_attempt_at": decision.retry_at}
    if decision.verdict is Verdict.HOLD:
        return {"status": MessageStatus.HELD, "reason": decision.reason,
                "next_attempt_at": decision.retry_at}
    return {"status": MessageStatus.SUPPRESSED, "reason": decision.reason,
            "next_attempt_at": None}


def candidates_for(ids: Sequence[int], rows: Sequence[Any], profiles: Mapping[int, Any],
                   journeys: Mapping[int, CompiledJourney]) -> list[Candidate]:
    """Candidates for the message rows a batch is about to write (`runtime.messaging.messages`)."""
    quiet: dict[int, tuple[Window, ...]] = {}
    candidates = []
    for message_id, row in zip(ids, rows, strict=True):
        journey = journeys.get(row.journey_version_id)
        if row.journey_version_id not in quiet:
            quiet[row.journey_version_id] = quiet_windows(journey)
        send, profile = row.intent.send, profiles[row.customer_id]
        candidates.append(Candidate(message_id, row.customer_id, outgoing(
            send.channel, send.purpose, profile.consent, profile.timezone, journey,
            when_blocked(journey, row.intent.node_id), quiet[row.journey_version_id])))
    return candidates
