"""Workspace settings a marketer edits: the send policy (frequency caps, the night-time window).

Stored in SQL (`workspace_settings`, one JSON value per key) so a change reaches every worker at
the next batch, without a restart. Read once per batch and per delivery job (a primary-key
lookup); `rules()` turns the stored value into `runtime.messaging.policy.Rules`, cached by its text.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, TypeVar

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from nodes.kit.fields import Channel
from nodes.kit.values import LocalTime
from runtime.messaging.compliance import use_wording
from runtime.messaging.policy import Cap, Rules, window_from
from runtime.messaging.senders import load_senders
from runtime.store.models import WorkspaceSetting
from runtime.store.sql import insert_rows

S = TypeVar("S", bound=msgspec.Struct)

SEND_POLICY_KEY = "send_policy"
"""The workspace_settings key of the send policy."""

WORDING_KEY = "message_wording"
"""The workspace_settings key of the advertising label and opt-out line."""


class MessageWording(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the law adds to marketing messages (`runtime.messaging.compliance`), as the workspace
    words it; null keeps the environment's (WAYLINE_AD_LABEL, WAYLINE_OPT_OUT_LINE)."""

    ad_label: Annotated[str, msgspec.Meta(max_length=20, description=(
        "In front of marketing texts, KakaoTalk messages and email subjects, e.g. (광고); "
        "empty turns it off"))] | None = None
    opt_out_line: Annotated[str, msgspec.Meta(max_length=80, description=(
        "At the end of marketing texts, e.g. 무료수신거부 080-123-4567"))] | None = None


def load_setting(session: Session, key: str, kind: type[S]) -> S:
    """A workspace setting stored as one JSON value under `key` (its defaults until saved)."""
    row = session.get(WorkspaceSetting, key)
    return msgspec.convert(row.value, kind) if row else kind()


def save_setting(session: Session, key: str, value: msgspec.Struct, now: datetime) -> None:
    """Store a workspace setting under `key` (the caller checked it, and commits)."""
    row = session.get(WorkspaceSetting, key)
    data = msgspec.to_builtins(value)
    if row is None:
        session.add(WorkspaceSetting(key=key, value=data, updated_at=now))
    else:
        row.value, row.updated_at = data, now


def load_wording(session: Session) -> MessageWording:
    """The workspace's wording, and (as a side effect) this process's rules follow it, with
    the senders as they are registered now (`runtime.messaging.senders`)."""
    wording = load_setting(session, WORDING_KEY, MessageWording)
    use_wording(msgspec.structs.asdict(wording))
    load_senders(session)
    return wording


def save_wording(session: Session, wording: MessageWording, now: datetime) -> None:
    """Store the wording (the caller commits); this process uses it at once."""
    save_setting(session, WORDING_KEY, wording, now)
    use_wording(msgspec.structs.asdict(wording))


class FrequencyCap(msgspec.Struct, forbid_unknown_fields=True):
    """At most `limit` marketing messages on `channel` per `days` days, across all journeys."""

    channel: Annotated[Channel, msgspec.Meta(title="Channel")]
    limit: Annotated[int, msgspec.Meta(ge=1, le=100, title="At most (messages)")]
    days: Annotated[int, msgspec.Meta(ge=1, le=90, title="Per (days)", description=(
        "Calendar days in the customer's time zone, today included."))]


class ProviderRate(msgspec.Struct, forbid_unknown_fields=True):
    """How many messages a second a channel's provider takes (its TPS): more wait their turn."""

    channel: Annotated[Channel, msgspec.Meta(title="Channel")]
    per_second: Annotated[int, msgspec.Meta(ge=1, le=100_000, title="Messages a second")]


class SendPolicy(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Rules every marketing message obeys, whatever journey sends it."""

    frequency_caps: Annotated[list[FrequencyCap], msgspec.Meta(max_length=5, description=(
        "One cap per channel; a channel without one is not capped."))] = []
    night_start: Annotated[LocalTime, msgspec.Meta(description=(
        "Night-time starts (customer's local time). Korean law: 21:00."))] = "21:00"
    night_end: Annotated[LocalTime, msgspec.Meta(description=(
        "Night-time ends (customer's local time). Korean law: 08:00."))] = "08:00"
    night_channels: Annotated[list[Channel], msgspec.Meta(max_length=len(Channel), description=(
        "Channels whose marketing waits out the night unless the customer consented to "
        "night-time messages; empty turns the night rule off."))] = msgspec.field(
        default_factory=lambda: list(Channel))
    provider_rates: Annotated[list[ProviderRate], msgspec.Meta(max_length=5, description=(
        "The most each provider takes a second, across all journeys; none: no limit"))] = []


def policy_problems(policy: SendPolicy) -> list[tuple[str, str]]:
    """(field, message) for each rule that cannot work, in a marketer's words."""
    problems = []
    seen: set[str] = set()
    for index, cap in enumerate(policy.frequency_caps):
        if cap.channel.value in seen:
            problems.append((f"frequency_caps[{index}].channel",
                             f"{cap.channel.value} has two frequency caps; keep one."))
        seen.add(cap.channel.value)
    if len({rate.channel for rate in policy.provider_rates}) < len(policy.provider_rates):
        problems.append(("provider_rates", "A channel has two provider rates; keep one."))
    if policy.night_start == policy.night_end and policy.night_channels:
        problems.append(("night_end", "Night-time must end at another time than it starts "
                                      "(e.g. 21:00–08:00); to turn it off, choose no channels."))
    return problems


def load_send_policy(session: Session) -> SendPolicy:
    """The workspace's send policy (the defaults until someone saves one)."""
    raw = session.scalar(select(WorkspaceSetting.value)
                         .where(WorkspaceSetting.key == SEND_POLICY_KEY))
    return SendPolicy() if raw is None else msgspec.convert(raw, SendPolicy)


def save_send_policy(session: Session, policy: SendPolicy, now: datetime) -> None:
    """Store the send policy (the caller checked `policy_problems` and commits)."""
    value = msgspec.to_builtins(policy)
    updated = session.execute(WorkspaceSetting.__table__.update()
                              .where(WorkspaceSetting.key == SEND_POLICY_KEY)
                              .values(value=value, updated_at=now)).rowcount
    if not updated:
        insert_rows(session, WorkspaceSetting.__table__,
                    [{"key": SEND_POLICY_KEY, "value": value, "updated_at": now}])


def load_rules(session: Session) -> Rules:
    """The send policy as `runtime.messaging.policy.Rules` (one primary-key read)."""
    raw = session.scalar(select(WorkspaceSetting.value)
                         .where(WorkspaceSetting.key == SEND_POLICY_KEY))
    return _rules(msgspec.json.encode(raw) if raw is not None else b"")


@lru_cache(maxsize=16)
def _rules(raw: bytes) -> Rules:
    policy = msgspec.json.decode(raw, type=SendPolicy) if raw else SendPolicy()
    night = window_from("night-time", policy.night_start, policy.night_end) \
        if policy.night_channels and policy.night_start != policy.night_end else None
    return Rules(night=night, night_channels=frozenset(c.value for c in policy.night_channels),
                 caps={cap.channel.value: Cap(cap.limit, cap.days)
                       for cap in policy.frequency_caps})
