"""KakaoTalk AlimTalk: a message on a template Kakao approved, with its variables.

The text must match the approved template (its code names it); `#{name}` in it is filled from
the variables, each a Liquid value. Marketing messages carry the advertising label and the
opt-out line, like texts. A send step may turn on the SMS fallback: when KakaoTalk cannot deliver
(not a KakaoTalk user, blocked, provider down after retries) the text goes by SMS/LMS instead.
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
    Fallback,
    LabelStyle,
    PairName,
    PairValue,
    Part,
    Problem,
    Product,
    TemplateShape,
    Transport,
    prefixed,
)
from nodes.kit.hints import hint

NO_SUBJECT = ("KakaoTalk messages have no subject; remove it, or put it at the start of the "
              "message")


class Fields(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An AlimTalk template: the approved template's code, its text, its variables."""

    template_code: Annotated[str, hint("Template code", order=1, min_length=1, max_length=64,
                                       extra={"placeholder": "As Kakao approved it"})] | None = None
    source: Annotated[str, hint("Message (as Kakao approved it)", order=2, widget="textarea",
                                description=LIQUID_HELP, extra={"rows": 5})]
    variables: Annotated[dict[PairName, PairValue], hint(
        "Variables", order=3, widget="pairs", extra={"rows": 3, "separator": " = "}, max_length=50,
        description="One per line: name = Liquid value, for each #{name} in the approved "
                    "template.")] = {}


def parts(template: TemplateShape) -> Iterator[Part]:
    """The text, and each variable (`var:<name>`)."""
    yield "text", template.source, False
    for name, value in ((template.options or {}).get("variables") or {}).items():
        yield f"var:{name}", str(value), False


def content(to: str | None, rendered: Mapping[str, Any], template: TemplateShape) -> dict[str, Any]:
    """To and text; the template code and variables when the template has a code."""
    message: dict[str, Any] = {"to": to, "text": rendered["text"]}
    code = (template.options or {}).get("template_code")
    if code:
        message["template_code"] = str(code)
        message["variables"] = prefixed(rendered, "var:")
    return message


def check(template: TemplateShape) -> list[Problem]:
    """No subject; something to say."""
    problems = [Problem("subject", NO_SUBJECT)] if template.subject is not None else []
    if not template.source.strip():
        problems.append(Problem("source", "The message is empty; write what it should say"))
    return problems


def request(message_id: int, message: Mapping[str, Any],
            account: Mapping[str, str]) -> dict[str, Any]:
    """{"message_id", "sender_key", "template_code", "to", "text", "variables"}."""
    if not message.get("template_code"):
        raise ContentError("the KakaoTalk message has no template code; set the approved "
                           "AlimTalk template code in the template")
    return {"message_id": message_id, "sender_key": account.get("sender_key", ""),
            "template_code": message["template_code"], "to": message.get("to"),
            "text": message.get("text", ""), "variables": dict(message.get("variables") or {})}


CHANNEL = ChannelSpec(
    key="kakao", order=3, label="KakaoTalk", name="KakaoTalk", noun="KakaoTalk",
    icon="message-circle", color="#ca8a04",
    fields=Fields,
    example=Fields(template_code="ORDER_SHIPPED_01",
                   source="#{name}님, 주문하신 상품이 출발했어요.",
                   variables={"name": "{{ customer.first_name }}"}),
    address=Address.PHONE_NUMBER, transport=Transport.PROVIDER,
    parts=parts, content=content, check=check,
    ad_label={"text": LabelStyle.TEXT},
    request=request, account={"sender_key": "kakao_sender_key"},
    consent_noun="KakaoTalk", test_recipients="phones",
    fallback=Fallback(channel="sms", failure_key="kakao_failure"),
    sender="kakao", reviewed=True,
    product=Product.ALIMTALK,
)
