"""Send message: queue one message on a channel, rendered from a template.

The message goes through the runtime's outbox, which applies consent, frequency caps and quiet
hours for marketing messages. Channel-specific settings (sender, Kakao template code, push
title, …) come with the channel work and will travel in `Send.options`; none are faked here.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from nodes.kit.fields import Channel, Purpose, TemplateRef, hint
from nodes.kit.spec import Category, Decision, Go, NodeSpec, Port, Ref, Send, StepContext


class Config(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The channel, the template, and whether the message is marketing or transactional."""

    channel: Annotated[Channel, hint("Channel", order=1)]
    template: Annotated[TemplateRef, hint("Template", order=2)]
    purpose: Annotated[Purpose, hint(
        "Message type", order=3,
        description="Marketing needs consent and respects frequency caps and quiet hours; "
                    "transactional (receipts, alerts) does not",
    )] = Purpose.MARKETING


def refs(config: Config) -> list[Ref]:
    """The template this step sends."""
    return [Ref("template", config.template, "template")]


def run(config: Config, ctx: StepContext) -> Decision:
    """Queue the message and go on; a permanent failure later takes the Failed exit."""
    send = Send(channel=config.channel.value, template=config.template,
                purpose=config.purpose.value)
    return Go("next", effects=(send,),
              why=f"sending template {config.template} by {config.channel.value}")


SPEC = NodeSpec(
    key="action.send",
    version=1,
    label="Send message",
    category=Category.ACTION,
    description="Sends a message by email, SMS, KakaoTalk, app push or webhook.",
    config=Config,
    run=run,
    example=Config(channel=Channel.KAKAO, template=12),
    ports=(Port("next", "Next"), Port("failed", "Failed", optional=True)),
    refs=refs,
    color="#ea580c",
    icon="send",
)
