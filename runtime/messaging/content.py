"""A send's content: the template rendered for the customer, and everything a send adds to it.

`send_content` is what the batch stores on a message row (and what previews show):
- the template rendered strictly (`runtime.messaging.rendering`), with `unsubscribe_url` for email;
- for marketing, the advertising label, opt-out line and unsubscribe link
(`runtime.messaging.compliance`);
- for SMS, `type` (SMS or LMS) and `bytes` counted as carriers count (`runtime.sms`); a text
  longer than an LMS is a `RenderError`, so the message is recorded failed with the reason;
- for KakaoTalk with the node's SMS fallback on, `fallback`: the text message to send instead
  if KakaoTalk cannot deliver (rendered now, for the same customer, so delivery only sends).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nodes.kit.profile import Profile
from nodes.kit.sms import TooLongError, text_size
from runtime.messaging.compliance import MessageRules, apply_rules, current_rules
from runtime.messaging.rendering import (
    CACHE,
    RenderError,
    TemplateCache,
    TemplateLike,
    render_message,
    render_text,
)


def send_content(template: TemplateLike, profile: Profile, payload: Mapping[str, Any], *,
                 purpose: str, options: Mapping[str, Any] | None = None,
                 rules: MessageRules | None = None,
                 cache: TemplateCache = CACHE) -> dict[str, Any]:
    """The content a send stores for this customer; RenderError says why there is none."""
    rules = rules or current_rules()
    options = options or {}
    channel = template.channel
    unsubscribe = rules.unsubscribe_url(profile.id, "email") if channel == "email" else None
    extra = {"unsubscribe_url": unsubscribe} if unsubscribe else None
    content = render_message(template, profile, payload, cache=cache, extra=extra)
    content = apply_rules(rules, channel, purpose, content)
    if unsubscribe and purpose == "marketing":
        content["unsubscribe_url"] = unsubscribe  # becomes the List-Unsubscribe headers
    if channel == "sms":
        content.update(_size(content["text"]))
    fallback = options.get("fallback")
    if channel == "kakao" and isinstance(fallback, Mapping):
        content["fallback"] = _fallback(fallback, content, profile, payload, purpose, rules)
    return content


def _size(text: str) -> dict[str, Any]:
    try:
        size = text_size(text)
    except TooLongError as error:
        raise RenderError(f"Message: {error}") from None
    return {"type": size.kind.value, "bytes": size.bytes}


def _fallback(fallback: Mapping[str, Any], kakao: Mapping[str, Any], profile: Profile,
              payload: Mapping[str, Any], purpose: str, rules: MessageRules) -> dict[str, Any]:
    """The text message sent instead of the KakaoTalk one, should KakaoTalk fail."""
    source = str(fallback.get("text") or "").strip()
    if source:
        text = render_text("fallback", source, profile, payload)
        text = apply_rules(rules, "sms", purpose, {"text": text})["text"]
    else:  # the KakaoTalk text, which already carries the label and opt-out line
        text = kakao["text"]
    try:
        size = text_size(text)
    except TooLongError as error:
        raise RenderError(f"SMS fallback text: {error}") from None
    return {"to": kakao["to"], "text": text, "type": size.kind.value, "bytes": size.bytes}
