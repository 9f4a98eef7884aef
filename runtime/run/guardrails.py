"""Guardrails: a journey that goes wrong pauses itself, says why with the figures, and alerts.

Each live journey is watched over a rolling window (15 minutes by default): the share of
provider calls that failed, of sent messages that receipts report bounced, of sent messages
followed by an unsubscribe, and how many messages it sent in the last hour. Crossing a limit
(the journey's own, else the workspace's defaults) pauses it — which holds every unsent message
(`runtime.messaging.brakes`) — with a reason such as "paused by guardrail: 31% of 212 messages
failed in
15 min", an audit row, and one alert to the workspace's alert address (email, webhook or both).

The figures are counters in Redis, one hash per journey and minute (`note`), written by the
delivery jobs, the receipts and the unsubscribe links, and summed over the window when judged
(`check`): nothing scans the message ledger. Losing Redis loses the counts of the window, never
a message. Two workers crossing the same limit at once pause once: the pause locks the journey,
and only the worker whose pause took sends the alert.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any

import msgspec
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.document import Guardrails
from nodes.channels import email, webhook
from runtime.errors import WrongStateError
from runtime.messaging.adapters import Adapter, ledgerless_key, send_now
from runtime.messaging.workspace import load_setting, save_setting
from runtime.run import lifecycle
from runtime.store.audit import Actor, record
from runtime.store.models import Journey, JourneyStatus
from runtime.store.versions import load_compiled

log = logging.getLogger(__name__)

EMAIL, WEBHOOK = email.CHANNEL.key, webhook.CHANNEL.key
"""Alerts go to the workspace's alert address by email, and to its alert webhook."""

KEY = "guardrails"
"""The workspace_settings key of the workspace's guardrails and alert address."""

GUARDRAIL = Actor("system", None, "Guardrail")
"""Who pauses a journey that crossed a limit, in the audit trail."""

BUCKET = "wayline:guard:{journey}:{minute}"
"""One hash of counts per journey and minute: calls, failed, sent, bounced, unsubscribed."""

KEEP_SECONDS = 2 * 3600
"""How long a minute's counts are kept: longer than the longest window (an hour)."""


class WorkspaceGuardrails(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The workspace's guardrails: on or off, the default limits, and where alerts go."""

    enabled: bool = True
    defaults: Guardrails = msgspec.field(default_factory=Guardrails)
    alert_email: Annotated[str, msgspec.Meta(max_length=254, description=(
        "Who is emailed when a guardrail pauses a journey"))] = ""
    alert_webhook: Annotated[str, msgspec.Meta(max_length=2000, description=(
        "A URL that gets a JSON POST when a guardrail pauses a journey (e.g. a Slack "
        "workflow)"))] = ""


def load(session: Session) -> WorkspaceGuardrails:
    """The workspace's guardrails (the defaults until someone saves some)."""
    return load_setting(session, KEY, WorkspaceGuardrails)


def save(session: Session, value: WorkspaceGuardrails, now: datetime) -> None:
    """Store the workspace's guardrails (the caller checked `problems` and commits)."""
    save_setting(session, KEY, value, now)


def problems(value: WorkspaceGuardrails) -> list[tuple[str, str]]:
    """(field, message) for each setting that cannot work."""
    from email_validator import EmailNotValidError, validate_email

    found = []
    if value.alert_email:
        try:
            validate_email(value.alert_email, check_deliverability=False)
        except EmailNotValidError as error:
            found.append(("alert_email", f"The alert address is not an email address: {error}"))
    if value.alert_webhook and not value.alert_webhook.startswith(("https://", "http://")):
        found.append(("alert_webhook", "The alert webhook must be an http(s):// URL."))
    return found


def note(redis: Redis, counts: Mapping[int, Mapping[str, int]], now: datetime) -> None:
    """Add counts (per journey: calls, failed, sent, bounced, unsubscribed) to this minute."""
    if not counts:
        return
    minute = int(now.timestamp()) // 60
    pipe = redis.pipeline(transaction=False)
    for journey_id, figures in counts.items():
        key = BUCKET.format(journey=journey_id, minute=minute)
        for name, amount in figures.items():
            if amount:
                pipe.hincrby(key, name, amount)
        pipe.expire(key, KEEP_SECONDS)
    pipe.execute()


def figures(redis: Redis, journey_id: int, now: datetime, minutes: int) -> Counter:
    """The journey's counts summed over the last `minutes` minutes (this one included)."""
    last = int(now.timestamp()) // 60
    pipe = redis.pipeline(transaction=False)
    for minute in range(last - minutes + 1, last + 1):
        pipe.hgetall(BUCKET.format(journey=journey_id, minute=minute))
    total: Counter = Counter()
    for bucket in pipe.execute():
        total.update({name.decode(): int(value) for name, value in bucket.items()})
    return total


def judge(rules: Guardrails, window: Counter, hour: Counter | None) -> str | None:
    """Why the journey must pause, in a marketer's words; None while it is within its limits."""
    sent_hour = (hour or Counter())["sent"]
    if rules.max_sends_per_hour is not None and sent_hour > rules.max_sends_per_hour:
        return (f"{sent_hour:,} messages sent in the last hour, above the ceiling of "
                f"{rules.max_sends_per_hour:,}")
    calls, sent, span = window["calls"], window["sent"], f"{rules.window_minutes} min"
    if calls < rules.min_messages:
        return None
    for count, base, limit, what in (
            (window["failed"], calls, rules.max_failure_percent, "failed"),
            (window["bounced"], sent, rules.max_bounce_percent, "bounced"),
            (window["unsubscribed"], sent, rules.max_unsubscribe_percent,
             "were followed by an unsubscribe")):
        if limit is not None and base and count * 100 > limit * base:
            return (f"{count * 100 / base:.0f}% of {base:,} messages {what} in {span} "
                    f"(the limit is {limit}%)")
    return None


def check(sessions: Any, redis: Redis, adapters: Mapping[str, Adapter],
          journey_ids: Iterable[int], now: datetime, public_url: str = "") -> list[int]:
    """Judge the journeys (those live); pause those over a limit and alert. Their ids."""
    ids = sorted(set(journey_ids))
    if not ids:
        return []
    with sessions() as session:
        workspace = load(session)
        if not workspace.enabled:
            return []
        rows = session.execute(
            select(Journey.id, Journey.name, Journey.live_version_id)
            .where(Journey.id.in_(ids), Journey.status == JourneyStatus.LIVE)).all()
        own = _own_rules(session, {version for _, _, version in rows})
    paused = []
    for journey_id, name, version in rows:
        rules = own.get(version) or workspace.defaults
        window = figures(redis, journey_id, now, rules.window_minutes)
        hour = (figures(redis, journey_id, now, 60)
                if rules.max_sends_per_hour is not None else None)
        reason = judge(rules, window, hour)
        if reason and _pause(sessions, journey_id, reason, window, now):
            paused.append(journey_id)
            failed = alert(redis, adapters, workspace, journey_id, name, reason, now, public_url)
            if failed:  # recorded where the team looks, never only in a log
                with sessions() as session:
                    record(session, GUARDRAIL, "journey.alert_failed", object_kind="journey",
                           object_id=journey_id, object_name=name, at=now,
                           summary="the guardrail's alert was not delivered: "
                                   + "; ".join(failed))
                    session.commit()
    return paused


def alert(redis: Redis, adapters: Mapping[str, Adapter], workspace: WorkspaceGuardrails,
          journey_id: int, name: str, reason: str, now: datetime, public_url: str) -> list[str]:
    """Tell the alert address(es) that a guardrail paused a journey; what failed, if anything."""
    where = f"{public_url.rstrip('/')}/journeys/{journey_id}" if public_url else \
        f"journey #{journey_id}"
    text = (f"Wayline paused the journey '{name}': {reason}.\n\nIts unsent messages are held. "
            f"Look at {where}, fix what went wrong, and resume it there.")
    calls = []
    if workspace.alert_email and EMAIL in adapters:
        calls.append((EMAIL, {"to": workspace.alert_email,
                                "subject": f"[Wayline] Paused by a guardrail: {name}",
                                "text": text}))
    if workspace.alert_webhook and WEBHOOK in adapters:
        calls.append((WEBHOOK, {"url": workspace.alert_webhook, "method": "POST", "body": {
            "event": "journey.paused_by_guardrail", "journey": {"id": journey_id, "name": name},
            "reason": reason, "text": text, "at": now.isoformat()}}))
    problems_seen = []
    for channel, content in calls:
        problem = send_now(adapters[channel], ledgerless_key(redis), channel, content)
        if problem:
            log.error("guardrail alert by %s not sent: %s", channel, problem,
                      extra={"journey_id": journey_id})
            problems_seen.append(f"{channel}: {problem}")
    return problems_seen


def _own_rules(session: Session, version_ids: set[int]) -> dict[int, Guardrails | None]:
    """Each published version's own guardrails (None: the workspace's), from the compiled
    versions every worker keeps (`runtime.store.versions.load_compiled`)."""
    return {version_id: plan.document.settings.guardrails
            for version_id, plan in load_compiled(session, version_ids).items()}


def _pause(sessions: Any, journey_id: int, reason: str, window: Counter,
           now: datetime) -> bool:
    """Pause the journey for `reason`; False when it was no longer live (paused meanwhile)."""
    with sessions() as session:
        try:
            journey = lifecycle.pause(session, journey_id, now, f"Paused by guardrail: {reason}")
        except WrongStateError:
            return False
        record(session, GUARDRAIL, "journey.paused_by_guardrail", object_kind="journey",
               object_id=journey.id, object_name=journey.name, summary=reason,
               after=dict(window), at=now)
        session.commit()
    log.warning("journey %d paused by a guardrail: %s", journey_id, reason,
                extra={"journey_id": journey_id})
    return True
