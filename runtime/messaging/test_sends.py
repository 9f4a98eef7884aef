"""Test sends: a message exactly as a customer would get it — their data, the advertising label
and the opt-out line — sent through the real channel to a person on the team instead.

A test has no row in the ledger (`runtime.messaging.channels.send_now`, with a key of its own), so
it never counts in a journey's stats, in a customer's frequency cap or in a guardrail. It is marked
for what it is: "[Test]" before an email's subject, and `test: true` with an `X-Wayline-Test`
header to SMS, KakaoTalk and push providers and to webhooks. Where it goes: the person's own
email ("me"), or the workspace's test recipients (emails and phone numbers, kept under
`workspace_settings` key `test_recipients`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import msgspec
from sqlalchemy.orm import Session

from nodes.kit import channel as channels
from runtime.messaging.workspace import load_setting, save_setting

KEY = "test_recipients"
"""The workspace_settings key of the test recipients."""

Address = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
Phone = Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9][0-9 \-]{6,18}$")]


class TestRecipients(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Who gets the workspace's test sends."""

    __test__ = False  # not a pytest test class, whatever its name

    emails: Annotated[list[Address], msgspec.Meta(max_length=20)] = []
    phones: Annotated[list[Phone], msgspec.Meta(max_length=20, description=(
        "For SMS and KakaoTalk, e.g. 010-1234-5678"))] = []


def load(session: Session) -> TestRecipients:
    """The workspace's test recipients (none until someone saves some)."""
    return load_setting(session, KEY, TestRecipients)


def save(session: Session, value: TestRecipients, now: datetime) -> None:
    """Store the test recipients (the caller commits)."""
    save_setting(session, KEY, value, now)


def recipients(channel: str, to: str, me: str | None, team: TestRecipients) -> list[str]:
    """Where a test on `channel` goes: "me" (the person's email) or "team" (the workspace's
    list for that channel, `ChannelSpec.test_recipients`); a call to the template's own URL
    (a webhook) goes there (one recipient, '')."""
    spec = channels.channel(channel)
    if spec.address is channels.Address.URL:
        return [""]
    if to == "me":
        return [me] if spec.test_to_me and me else []
    field = spec.test_recipients
    return list(getattr(team, field)) if field else []


def marked(channel: str, content: Mapping[str, Any], recipient: str) -> dict[str, Any]:
    """The content as a test to `recipient`: their address in place of the customer's, and
    marked as a test the way each channel can carry it (`ChannelSpec.mark_test`)."""
    spec = channels.channel(channel)
    test = spec.mark_test({**content, "test": True})
    if spec.address is not channels.Address.URL:
        test["to"] = recipient
    return test
