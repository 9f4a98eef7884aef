"""SMS/LMS/MMS: a text message — SMS up to 90 carrier bytes, LMS up to 2,000 with an optional
subject (≤ 40 bytes), MMS with up to three JPEG images (`nodes.kit.sms`).

The kind and the byte count are stored with the message, and chosen again from the text when
the provider's request is made, so they are never wrong. Marketing texts carry the advertising
label at the start of the body and the opt-out line at its end, which count in the bytes too;
never only in a subject or an image (정보통신망법 제50조 ④, 시행령 제61조: the label goes at the
start of the message's text — counsel should confirm), so an advertising MMS needs a text.
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
    Product,
    TemplateShape,
    Transport,
    one_line,
)
from nodes.kit.hints import hint
from nodes.kit.images import ImageLimits, ImageUse
from nodes.kit.sms import (
    MMS_IMAGE_MAX_BYTES,
    MMS_MAX_IMAGES,
    MMS_MAX_PIXELS,
    MMS_TOTAL_MAX_BYTES,
    SUBJECT_MAX_BYTES,
    TooLongError,
    carrier_bytes,
    text_size,
)

MMS_IMAGE = ImageLimits("An MMS image", types=("image/jpeg",), max_bytes=MMS_IMAGE_MAX_BYTES,
                        max_width=MMS_MAX_PIXELS, max_height=MMS_MAX_PIXELS)
"""What carriers take as an MMS image: the strictest of Solapi's and NHN Cloud's limits."""


class Fields(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A text message template: an optional subject (LMS/MMS), the text, up to three images."""

    subject: Annotated[str, hint(
        "Subject (LMS/MMS)", order=1, max_length=40,
        description="Optional. A subject sends the text as an LMS (or MMS); at most 40 bytes "
                    "(Hangul counts 2).")] | None = None
    source: Annotated[str, hint("Message", order=2, widget="sms-text", description=LIQUID_HELP,
                                extra={"rows": 5})]
    images: Annotated[list[int], hint(
        "Images (MMS)", order=3, widget="images", max_length=MMS_MAX_IMAGES,
        description="Up to 3 JPEG images, each at most 200 KB and 1,000×1,000 pixels, 300 KB "
                    "together; with an image the text goes as an MMS.")] = []


def parts(template: TemplateShape) -> Iterator[Part]:
    """The subject (when there is one) and the text."""
    if template.subject:
        yield "subject", template.subject, False
    yield "text", template.source, False


def content(to: str | None, rendered: Mapping[str, Any], template: TemplateShape) -> dict[str, Any]:
    """To and text (its size is `measure`'s), with the subject and images when there are."""
    message: dict[str, Any] = {"to": to, "text": rendered["text"]}
    subject = one_line(str(rendered.get("subject") or ""))
    if subject:
        if carrier_bytes(subject) > SUBJECT_MAX_BYTES:
            raise ContentError(f"the subject is {carrier_bytes(subject)} bytes for this "
                               f"customer, more than the {SUBJECT_MAX_BYTES} an LMS subject "
                               "may be; shorten it", "subject")
        message["subject"] = subject
    images = list((template.options or {}).get("images") or [])
    if images:
        message["images"] = images
    return message


def check(template: TemplateShape) -> list[Problem]:
    """Something to say (an image alone carries no advertising label); a short subject."""
    problems = []
    if not template.source.strip():
        problems.append(Problem("source", "The message is empty; write what it should say (an "
                                          "MMS needs a text too: an advertisement's label goes "
                                          "in the text, never only in an image)"))
    subject = template.subject or ""
    if carrier_bytes(subject) > SUBJECT_MAX_BYTES:
        problems.append(Problem("subject", f"The subject is {carrier_bytes(subject)} bytes; an "
                                           f"LMS subject may be at most {SUBJECT_MAX_BYTES} "
                                           "(Hangul counts 2)"))
    images = (template.options or {}).get("images") or []
    if len(images) > MMS_MAX_IMAGES:
        problems.append(Problem("options.images", f"An MMS carries at most {MMS_MAX_IMAGES} "
                                                  "images; remove some"))
    return problems


def image_uses(template: TemplateShape) -> list[ImageUse]:
    """Each MMS image, with the carriers' limits."""
    return [ImageUse("options.images", int(asset), MMS_IMAGE)
            for asset in (template.options or {}).get("images") or []]


def measure(text: str, message: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """SMS, LMS or MMS (by length, subject, images), and the carrier bytes; TooLongError past
    an LMS."""
    message = message or {}
    size = text_size(text, message.get("subject"), len(message.get("images") or ()))
    return {"type": size.kind.value, "bytes": size.bytes}


def request(message_id: int, message: Mapping[str, Any],
            account: Mapping[str, str]) -> dict[str, Any]:
    """{"message_id", "type": "SMS"|"LMS"|"MMS", "from", "to", "text", "bytes"}, with
    "subject" and "images" (asset ids) when the message has them."""
    text = str(message.get("text") or "")
    try:
        size = measure(text, message)
    except TooLongError as error:
        raise ContentError(str(error)) from None
    body = {"message_id": message_id, "type": size["type"],
            "from": message.get("from") or account.get("sender", ""),
            "to": message.get("to"), "text": text, "bytes": size["bytes"]}
    for extra in ("subject", "images"):
        if message.get(extra):
            body[extra] = message[extra]
    return body


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
    image_uses=image_uses, images_max_total=MMS_TOTAL_MAX_BYTES,
    product=Product.TEXT_MESSAGE,
)
