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
from runtime.store.models import Template
from runtime.store.sender_models import Sender


def brand_problem(session: Session, template: Template) -> str | None:
    """Why the workspace's Kakao profile may not send this Brand Message template, or None."""
    targeting = str((template.options or {}).get("targeting") or "I")
    if targeting not in WIDE_TARGETING:
        return None
    profiles = session.scalars(select(Sender).where(
        Sender.kind == "kakao", Sender.status == "registered")
        .order_by(Sender.is_default.desc(), Sender.id)).all()
    if not profiles:
        return (f"targeting {targeting} needs a registered Kakao profile with "
                f"{MIN_FRIENDS:,} channel friends and an 080 opt-out number, and none is "
                "registered: register one on the Settings page, or target I (friends only)")
    profile = profiles[0]
    missing = []
    if (profile.friends or 0) < MIN_FRIENDS:
        missing.append(f"{MIN_FRIENDS:,} channel friends (it has {profile.friends or 0:,})")
    if not profile.opt_out_number.strip():
        missing.append("an 080 opt-out number")
    if not missing:
        return None
    return (f"targeting {targeting} needs a Kakao profile with " + " and ".join(missing) +
            f"; '{profile.name}' does not qualify: target I (friends only) until it does")


def brand_issues(session: Session, node: Mapping[str, Any], name: str,
                 template: Template) -> list[Issue]:
    """An error on a send step whose Brand Message the workspace's profile may not send."""
    if template.channel != "brand":
        return []
    problem = brand_problem(session, template)
    if problem is None:
        return []
    return [Issue("send.brand_not_eligible",
                  f"{name}: the Brand Message '{template.name}' cannot be sent: {problem}.",
                  str(node.get("id")), "config.template")]
