"""Rate limits: a big send is spread over time, never dropped.

Three limits, each a counter in Redis per time window: a send step's messages a minute (its
`per_minute`), a journey's messages a minute (`max_messages_per_minute` in its settings), and a
provider's messages a second per channel (the send policy's `provider_rates`, its TPS). A
delivery job claims its messages, then takes their places in each window it is limited by;
those over a limit go back to the queue, due when the window that is full ends, without an
attempt counted. Counters outlive their window briefly and are the only state: losing Redis
lets one window through unlimited, never loses a message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.messaging.workspace import load_send_policy
from runtime.store.models import Message, Run
from runtime.store.sql import among
from runtime.store.versions import load_compiled

KEY = "wayline:rate:{scope}:{window}"


@dataclass(frozen=True)
class Limit:
    """At most `count` messages per `seconds` for the messages of one scope."""

    scope: str
    count: int
    seconds: int
    why: str


def over_limits(session: Session, redis: Redis, message_ids: Iterable[int],
                now: datetime) -> dict[int, tuple[datetime, str]]:
    """The messages that may not go now, with when their turn comes and why; the others have
    taken their places in every window that limits them."""
    ids = list(message_ids)
    if not ids:
        return {}
    limited = _limits(session, ids)
    waiting: dict[int, tuple[datetime, str]] = {}
    for level in LEVELS:
        groups: dict[Limit, list[int]] = defaultdict(list)
        for message_id in ids:
            limit = level(limited[message_id]) if message_id not in waiting else None
            if limit is not None:
                groups[limit].append(message_id)
        for limit, members in groups.items():
            waiting.update(_take(redis, limit, members, now))
    return waiting


def _take(redis: Redis, limit: Limit, members: list[int],
          now: datetime) -> dict[int, tuple[datetime, str]]:
    """Take places for `members` in the limit's current window; those left without one."""
    window = int(now.timestamp()) // limit.seconds
    key = KEY.format(scope=limit.scope, window=window)
    pipe = redis.pipeline(transaction=False)
    pipe.incrby(key, len(members))
    pipe.expire(key, limit.seconds * 2 + 60)
    taken = int(pipe.execute()[0])
    over = min(len(members), taken - limit.count)
    if over <= 0:
        return {}
    turn = datetime.fromtimestamp((window + 1) * limit.seconds, tz=now.tzinfo)
    return {message_id: (turn, limit.why) for message_id in members[-over:]}


def _limits(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What limits each message: its step's and journey's settings, its channel's provider."""
    rows = session.execute(
        select(Message.id, Message.journey_id, Message.node_id, Message.channel,
               Run.journey_version_id)
        .join(Run, Run.id == Message.run_id)
        .where(among(session, Message.id, ids))).all()
    journeys = load_compiled(session, {row.journey_version_id for row in rows})
    rates = {rate.channel.value: rate.per_second
             for rate in load_send_policy(session).provider_rates}
    found = {}
    for row in rows:
        journey = journeys[row.journey_version_id]
        config = journey.configs.get(row.node_id)
        found[row.id] = {"journey": row.journey_id, "node": row.node_id, "channel": row.channel,
                         "step": getattr(config, "per_minute", None),
                         "whole": getattr(journey.document.settings,
                                          "max_messages_per_minute", None),
                         "provider": rates.get(row.channel)}
    return found


def _step(facts: Mapping[str, Any]) -> Limit | None:
    count = facts["step"]
    return None if count is None else Limit(
        f"step:{facts['journey']}:{facts['node']}", count, 60,
        f"waiting its turn: this step sends at most {count:,} a minute")


def _journey(facts: Mapping[str, Any]) -> Limit | None:
    count = facts["whole"]
    return None if count is None else Limit(
        f"journey:{facts['journey']}", count, 60,
        f"waiting its turn: this journey sends at most {count:,} a minute")


def _provider(facts: Mapping[str, Any]) -> Limit | None:
    count = facts["provider"]
    return None if count is None else Limit(
        f"provider:{facts['channel']}", count, 1,
        f"waiting its turn: the {facts['channel']} provider takes {count:,} a second")


LEVELS: tuple[Callable[[Mapping[str, Any]], Limit | None], ...] = (_step, _journey, _provider)
"""The limits in the order a message takes its places (a step's first: the narrowest)."""

