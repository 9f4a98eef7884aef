"""The outbox side of a send step: one message row per send, written with the step.

Content is rendered here, while the customer is loaded, so delivery only sends. A message that
cannot be sent is still written — suppressed (consent) or failed (no template, render error) —
with its reason, so the ledger explains every send step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.document import CompiledJourney
from nodes.kit.profile import Profile
from runtime.engine import SendIntent
from runtime.models import Message, MessageStatus, Template
from runtime.policy import consent_problem
from runtime.rendering import RenderError, render_message
from runtime.sql import insert_rows


@dataclass(frozen=True)
class MessageRow:
    """A send decided in a batch: which run, journey and customer, and what was asked."""

    run_id: int
    journey_id: int
    customer_id: int
    intent: SendIntent
    payload: Mapping[str, Any] = field(default_factory=dict)


def compose_messages(session: Session, rows: Sequence[MessageRow],
                     profiles: Mapping[int, Profile], journeys: Mapping[int, CompiledJourney],
                     now: datetime) -> list[int]:
    """Insert the message rows (once per run and node); ids of the ones queued for delivery."""
    wanted = {row.intent.send.template for row in rows}
    templates = {template.id: template for template in session.scalars(
        select(Template).where(Template.id.in_(wanted)))}
    values = [_message(row, profiles[row.customer_id], templates, now) for row in rows]
    inserted = insert_rows(session, Message.__table__, values,
                           returning=(Message.id, Message.status))
    return [message_id for message_id, status in inserted if status is MessageStatus.QUEUED]


def _message(row: MessageRow, profile: Profile, templates: Mapping[int, Template],
             now: datetime) -> dict[str, Any]:
    send = row.intent.send
    status, reason, content = _decide(send, profile, templates.get(send.template), row.payload)
    return {"run_id": row.run_id, "node_id": row.intent.node_id, "visit": 1,
            "journey_id": row.journey_id, "customer_id": row.customer_id,
            "channel": send.channel, "purpose": send.purpose,
            "template_id": send.template if send.template in templates else None,
            "status": status, "reason": reason, "content": content, "attempts": 0,
            "next_attempt_at": now if status is MessageStatus.QUEUED else None,
            "created_at": now, "updated_at": now}


def _decide(send, profile: Profile, template: Template | None,
            payload: Mapping[str, Any]) -> tuple[MessageStatus, str | None, dict[str, Any]]:
    if template is None:
        return MessageStatus.FAILED, f"template #{send.template} no longer exists", {}
    if template.channel != send.channel:
        return (MessageStatus.FAILED, f"template '{template.name}' is for {template.channel}, "
                f"not {send.channel}", {})
    problem = consent_problem(profile.consent, send.channel, send.purpose)
    if problem:
        return MessageStatus.SUPPRESSED, problem, {}
    try:
        return MessageStatus.QUEUED, None, render_message(template, profile, payload)
    except RenderError as error:
        return MessageStatus.FAILED, str(error), {}
