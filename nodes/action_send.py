"""Send message: queue one message on a channel, rendered from a template.

The message goes through the runtime's outbox, which applies consent, frequency caps and quiet
hours for marketing messages. What a message says, and each channel's own fields (an email's
HTML, a KakaoTalk template code and variables, a push title and deep link, a webhook's URL),
live on the template, so one template library serves every journey. What belongs to this step
of this journey lives here: the purpose, the registered sender it goes out from (SMS, KakaoTalk),
and for KakaoTalk the SMS fallback.

KakaoTalk fallback (on by default): when KakaoTalk cannot deliver — the provider refuses the
message for good (not a KakaoTalk user, blocked the channel, template mismatch) or is still
failing when delivery's retries run out — the runtime sends the fallback text by SMS, or LMS
when it is longer than 90 bytes. The ledger keeps both: the failed KakaoTalk message, and the
text message, which names the one it stands in for.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from nodes.kit.channel import channel, fallback_channels, sender_channels
from nodes.kit.fields import Channel, Purpose, TemplateRef, hint
from nodes.kit.spec import Category, Decision, Go, NodeSpec, Port, Problem, Ref, Send, StepContext

FALLBACK_TEXT_LIMIT = 4000
"""Characters of fallback text (an LMS carries at most 2,000 bytes: about 1,000 in Hangul)."""

ON_KAKAO = {"channel": fallback_channels()}
"""Shows a field on the channels that have a fallback (`ChannelSpec.fallback`: KakaoTalk)."""
ON_FALLBACK = {"channel": fallback_channels(), "sms_fallback": [True]}
ON_SENDER = {"channel": sender_channels()}
"""Shows the sender on the channels that send from a registered sender (SMS, KakaoTalk …)."""

SENDER_LENGTH = 128


class WhenBlocked(StrEnum):
    """What a marketing message does when a send rule holds it back."""

    DEFER = "defer"
    SKIP = "skip"


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The channel, the template, whether the message is marketing, and Kakao's SMS fallback."""

    channel: Annotated[Channel, hint("Channel", order=1)]
    template: Annotated[TemplateRef, hint("Template", order=2)]
    purpose: Annotated[Purpose, hint(
        "Message type", order=3,
        description="Marketing needs consent and respects frequency caps and quiet hours; "
                    "transactional (receipts, alerts) does not",
    )] = Purpose.MARKETING
    sms_fallback: Annotated[bool, hint(
        "Send a text if KakaoTalk fails", order=4, show_if=ON_KAKAO,
        description="When KakaoTalk can't deliver (not a KakaoTalk user, blocked, provider "
                    "down after retries), send the fallback text by SMS/LMS instead",
    )] = True
    fallback_text: Annotated[str, hint(
        "Fallback text", order=5, widget="sms-text", show_if=ON_FALLBACK,
        max_length=FALLBACK_TEXT_LIMIT,
        description="Liquid, like templates. Empty: the KakaoTalk message's own text. Up to "
                    "90 bytes goes as SMS, up to 2,000 as LMS (Hangul 2 bytes, ASCII 1)",
    )] = ""
    sender: Annotated[str, hint(
        "Send from", order=6, show_if=ON_SENDER, max_length=SENDER_LENGTH,
        widget="sender-picker",
        description="A sender number (SMS) or Kakao sender key registered under Send rules → "
                    "Senders. Empty: the default registered one. Publishing refuses one that "
                    "is not registered",
    )] = ""
    when_blocked: Annotated[WhenBlocked, hint(
        "When night-time, quiet hours or a frequency cap holds it back", order=9,
        widget="radio", show_if={"purpose": ["marketing"]},
        description="defer: send it as soon as the rules allow (after night-time: 08:00 in "
                    "the customer's time zone); skip: don't send it at all",
    )] = WhenBlocked.DEFER
    per_minute: Annotated[Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None, hint(
        "At most (messages a minute)", order=10,
        description="Spreads a big send over time: the rest wait their turn, none is "
                    "dropped. Empty: as fast as the provider takes them",
    )] = None
    recheck_audience: Annotated[bool, hint(
        "Only if they still match the entry audience", order=11,
        description="Checked again right before sending: a customer who left the audience "
                    "meanwhile gets no message (the reason shows in their timeline)",
    )] = False


def refs(config: Config) -> list[Ref]:
    """The template this step sends."""
    return [Ref("template", config.template, "template")]


def check(config: Config) -> list[Problem]:
    """A fallback text only means something for KakaoTalk with the fallback on; a sender
    only on a channel that sends from one; a channel that only carries advertising (Brand
    Message) is never transactional."""
    problems = []
    if config.sender.strip() and config.channel not in sender_channels():
        problems.append(Problem("sender", f"{config.channel.value} messages are not sent from "
                                          "a registered sender; clear 'Send from'"))
    if config.fallback_text.strip() and (config.channel not in fallback_channels()
                                         or not config.sms_fallback):
        problems.append(Problem("fallback_text", "The fallback text is only sent when "
                                                 "KakaoTalk fails; turn the fallback on, or "
                                                 "clear the text"))
    if channel(config.channel.value).marketing_only and config.purpose is Purpose.TRANSACTIONAL:
        problems.append(Problem("purpose", f"{channel(config.channel.value).name} messages are "
                                           "always advertising; choose Marketing"))
    return problems


def sends(config: Config) -> list[Send]:
    """The message this step sends (with KakaoTalk's fallback text when it is on)."""
    options: dict = {}
    if config.channel in fallback_channels() and config.sms_fallback:
        options["fallback"] = {"text": config.fallback_text}
    if config.sender.strip() and config.channel in sender_channels():
        options["sender"] = config.sender.strip()
    return [Send(channel=config.channel.value, template=config.template,
                 purpose=config.purpose.value, options=options)]


def run(config: Config, ctx: StepContext) -> Decision:
    """Queue the message and go on; a permanent failure later takes the Failed exit."""
    return Go("next", effects=tuple(sends(config)),
              why=f"sending template {config.template} by {config.channel.value}")


def upgrade(config: dict) -> dict:
    """Version 1 had no SMS fallback: a step upgraded from it keeps none until it is turned on."""
    return {**config, "sms_fallback": False}


SPEC = NodeSpec(
    key="action.send",
    version=2,
    label="Send message",
    category=Category.ACTION,
    description="Sends a message by email, SMS, KakaoTalk, app push or webhook.",
    config=Config,
    run=run,
    check=check,
    example=Config(channel=Channel("kakao"), template=12,
                   fallback_text="{{ customer.name }}님, 주문하신 상품이 출발했어요."),
    ports=(Port("next", "Next"), Port("failed", "Failed", optional=True)),
    refs=refs,
    sends=sends,
    upgrade=upgrade,
    color="#ea580c",
    icon="send",
)


class ConfigV1(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Version 1: the channel, the template, and whether the message is marketing."""

    channel: Annotated[Channel, hint("Channel", order=1)]
    template: Annotated[TemplateRef, hint("Template", order=2)]
    purpose: Annotated[Purpose, hint("Message type", order=3)] = Purpose.MARKETING


def sends_v1(config: ConfigV1) -> list[Send]:
    """Version 1's message: no fallback of any kind."""
    return [Send(channel=config.channel.value, template=config.template,
                 purpose=config.purpose.value)]


def run_v1(config: ConfigV1, ctx: StepContext) -> Decision:
    """Version 1: queue the message and go on."""
    return Go("next", effects=tuple(sends_v1(config)),
              why=f"sending template {config.template} by {config.channel.value}")


EARLIER = (NodeSpec(
    key="action.send", version=1, label=SPEC.label, category=Category.ACTION,
    description=SPEC.description, config=ConfigV1, run=run_v1,
    example=ConfigV1(channel=SPEC.example.channel, template=12), ports=SPEC.ports,
    refs=lambda config: [Ref("template", config.template, "template")], sends=sends_v1,
    color=SPEC.color, icon=SPEC.icon,
),)
"""Journeys published before the SMS fallback keep sending without one."""
