"""Whether a journey's Brand Messages may be sent at all: Kakao lets a profile send to
everyone who consented (targeting M) or to consented non-friends (N) only once it has 50,000
channel friends and an 080 free opt-out number registered (NCP SENS and NHN Cloud's Brand
Message guides; the 080 line is what 정보통신망법 제50조 ④ asks advertising to offer — counsel
should confirm). A journey that would send such a message from a profile that does not
qualify would fail every one at the provider, so publishing refuses it, naming the step.

The profile is the workspace's registered Kakao profile (`senders`, kind 'kakao'): the default
one, else the only one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.validation import Issue
from nodes.channels.brand import MIN_FRIENDS, WIDE_TARGETING
from nodes.kit.channel import default_channels
from runtime.store.models import Template
from runtime.store.sender_models import Sender

CODE, FIELD = "send.brand_not_eligible", "config.template"
"""The issue's code, and the field it is shown on (the step's message)."""


def brand_issues(session: Session, node: Mapping[str, Any], name: str,
                 template: Template) -> list[Issue]:
    """Errors on a send step whose Brand Message the workspace's Kakao profile may not send."""
    targeting = str((template.options or {}).get("targeting") or "I")
    spec = default_channels().get(template.channel)
    if spec is None or "targeting" not in spec.option_names or targeting not in WIDE_TARGETING:
        return []
    step, message = str(node.get("id")), template.name
    profile = session.scalars(select(Sender).where(
        Sender.kind == spec.sender, Sender.status == "registered")
        .order_by(Sender.is_default.desc(), Sender.id)).first()
    if profile is None:
        return [Issue(CODE, f"{name}: the Brand Message '{message}' targets {targeting}, "
                      "which needs a registered Kakao profile with 50,000 channel friends and "
                      "an 080 opt-out number, and none is registered: register one on the "
                      "Settings page, or target I (channel friends only).", step, FIELD)]
    issues = []
    friends = profile.friends or 0
    if friends < MIN_FRIENDS:
        issues.append(Issue(CODE, f"{name}: the Brand Message '{message}' targets {targeting}, "
                            "which needs a Kakao profile with 50,000 channel friends; "
                            f"'{profile.name}' has {friends:,}: target I (channel friends "
                            "only) until it has.", step, FIELD))
    if not profile.opt_out_number.strip():
        issues.append(Issue(CODE, f"{name}: the Brand Message '{message}' targets {targeting}, "
                            "which needs an 080 opt-out number on the Kakao profile; "
                            f"'{profile.name}' has none: add it on the Settings page, or "
                            "target I (channel friends only).", step, FIELD))
    return issues
