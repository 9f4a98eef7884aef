"""Workspace settings: the send policy (frequency caps, night-time) a marketer edits."""

from __future__ import annotations

from runtime.errors import InvalidInputError
from runtime.workspace import SendPolicy, load_send_policy, policy_problems, save_send_policy
from server.context import Wayline
from server.errors import IssueOut


def get_send_policy(wl: Wayline) -> SendPolicy:
    """The send policy in force (the defaults until one is saved)."""
    with wl.reading() as session:
        return load_send_policy(session)


def update_send_policy(wl: Wayline, policy: SendPolicy) -> SendPolicy:
    """Replace the send policy; 422 listing every rule that cannot work. Workers apply it from
    their next batch."""
    problems = policy_problems(policy)
    if problems:
        issues = [IssueOut(code="policy.invalid", field=field, message=message)
                  for field, message in problems]
        raise InvalidInputError("The send policy was not saved: " +
                                " ".join(message for _, message in problems), issues)
    with wl.writing() as session:
        save_send_policy(session, policy, wl.now())
    return get_send_policy(wl)
