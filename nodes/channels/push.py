"""App push: a title, a body, a deep link and data for the app, to the customer's devices.

The push provider knows the customer's app installs by their external id, so that is the
address. Marketing pushes carry the advertising label in front of the title.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import msgspec

from nodes.kit.channel import (
    LIQUID_HELP,
    Address,
    ChannelSpec,
    LabelStyle,
    PairName,
    PairValue,
    Part,
    Problem,
    Product,
    TemplateShape,
    Transport,
    one_line,
    prefixed,
)
from nodes.kit.hints import hint


class Fields(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A push template: title, body, deep link, data."""

    subject: Annotated[str, hint("Title", order=1, max_length=200)] = ""
    source: Annotated[str, hint("Body", order=2, widget="textarea", description=LIQUID_HELP,
                                extra={"rows": 5})]
    deep_link: Annotated[str, hint("Deep link", order=3, max_length=2000,
                                   extra={"placeholder": "myapp://cart"})] = ""
    data: Annotated[dict[PairName, PairValue], hint(
        "Data", order=4, widget="pairs", extra={"rows": 3, "separator": " = "}, max_length=50,
        description="One per line: key = value, handed to the app.")] = {}


def parts(template: TemplateShape) -> Iterator[Part]:
    """Title (when there is one), body, deep link, and each data value (`data:<key>`)."""
    options = template.options or {}
    if template.subject:
        yield "title", template.subject, False
    yield "text", template.source, False
    if options.get("deep_link"):
        yield "deep_link", str(options["deep_link"]), False
    for name, value in (options.get("data") or {}).items():
        yield f"data:{name}", str(value), False


def content(to: str | None, rendered: Mapping[str, Any], template: TemplateShape) -> dict[str, Any]:
    """To, text, and the title, deep link and data the template has."""
    message: dict[str, Any] = {"to": to, "text": rendered["text"]}
    if "title" in rendered:
        message["title"] = one_line(rendered["title"])
    if "deep_link" in rendered:
        message["deep_link"] = rendered["deep_link"].strip()
    if any(name.startswith("data:") for name in rendered):
        message["data"] = prefixed(rendered, "data:")
    return message


def check(template: TemplateShape) -> list[Problem]:
    """Something to say."""
    if not template.source.strip():
        return [Problem("source", "The message is empty; write what it should say")]
    return []


def request(message_id: int, message: Mapping[str, Any],
            account: Mapping[str, str]) -> dict[str, Any]:
    """{"message_id", "to", "title", "body", "deep_link", "data"}."""
    return {"message_id": message_id, "to": message.get("to"), "title": message.get("title"),
            "body": message.get("text", ""), "deep_link": message.get("deep_link"),
            "data": dict(message.get("data") or {})}


CHANNEL = ChannelSpec(
    key="push", order=4, label="App push", name="App push", noun="app push", article="an",
    icon="smartphone", color="#7c3aed",
    fields=Fields,
    example=Fields(subject="{{ customer.first_name }}님",
                   source="장바구니에 담은 상품이 곧 품절돼요.",
                   deep_link="myapp://cart", data={"screen": "cart"}),
    address=Address.DEVICE, transport=Transport.PROVIDER,
    parts=parts, content=content, check=check,
    ad_label={"title": LabelStyle.TITLE},
    request=request, consent_noun="app notifications",
    product=Product.APP_PUSH,
)
