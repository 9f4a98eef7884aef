"""SMS/LMS: a text message, SMS up to 90 carrier bytes and LMS up to 2,000 (`nodes.kit.sms`).

The kind and the byte count are stored with the message, and chosen again from the text when
the provider's request is made, so they are never wrong. Marketing texts carry the advertising
label in front and the opt-out line at the end, which count in the bytes too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import msgspec

from nodes.kit.channel import (
    LIQUID_HELP,
    Address,
    ChannelSpec,
    ContentError,
    LabelStyle,
    Part,
    Problem,
    TemplateShape,
    Transport,
)
from nodes.kit.hints import hint
from nodes.kit.sms import TooLongError, text_size

NO_SUBJECT = "SMS messages have no subject; remove it, or put it at the start of the message"


class Fields(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A text message template: the text."""

    source: Annotated[str, hint("Message", order=1, widget="sms-text", description=LIQUID_HELP,
                                extra={"rows": 5})]


def parts(template: TemplateShape) -> Iterator[Part]:
    """The text."""
    yield "text", template.source, False


def content(to: str | None, rendered: Mapping[str, Any], template: TemplateShape) -> dict[str, Any]:
    """To and text (its size is `measure`'s)."""
    return {"to": to, "text": rendered["text"]}


def check(template: TemplateShape) -> list[Problem]:
    """No subject; something to say."""
    problems = [Problem("subject", NO_SUBJECT)] if template.subject is not None else []
    if not template.source.strip():
        problems.append(Problem("source", "The message is empty; write what it should say"))
    return problems


def measure(text: str) -> dict[str, Any]:
    """SMS or LMS, and the carrier bytes; TooLongError past an LMS."""
    size = text_size(text)
    return {"type": size.kind.value, "bytes": size.bytes}


def request(message_id: int, message: Mapping[str, Any],
            account: Mapping[str, str]) -> dict[str, Any]:
    """{"message_id", "type": "SMS"|"LMS", "from", "to", "text", "bytes"}."""
    text = str(message.get("text") or "")
    try:
        size = measure(text)
    except TooLongError as error:
        raise ContentError(str(error)) from None
    return {"message_id": message_id, "type": size["type"], "from": account.get("sender", ""),
            "to": message.get("to"), "text": text, "bytes": size["bytes"]}


CHANNEL = ChannelSpec(
    key="sms", order=2, label="SMS / LMS", name="SMS", noun="SMS", article="an",
    icon="message-square", color="#16a34a",
    fields=Fields,
    example=Fields(source="{{ customer.first_name }}님, 찜한 상품이 다시 들어왔어요."),
    address=Address.PHONE_NUMBER, transport=Transport.PROVIDER,
    parts=parts, content=content, check=check,
    ad_label={"text": LabelStyle.TEXT}, measure=measure,
    request=request, account={"sender": "sms_sender"},
    consent_noun="text messages", test_recipients="phones", sender="phone",
)
