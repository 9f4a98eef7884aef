"""A send's content: the template rendered for the customer, and everything a send adds to it.

`send_content` is what the batch stores on a message row (and what previews show):
- the template rendered strictly (`runtime.messaging.rendering`), with `unsubscribe_url` for email;
- the sender it goes out from (`runtime.messaging.senders`): the one the step picked, else a
  stored default, as "from" (texts) or "sender_key" (Kakao); the environment's default is left
  to the gateway's account;
- for marketing, the advertising label (with the sender's name), opt-out line (the sender's 080
  number when the workspace sets none) and unsubscribe link (`runtime.messaging.compliance`);
- the channel's size facts (`ChannelSpec.measure`: an SMS's `type` and carrier `bytes`); a text
  longer than the channel allows is a `RenderError`, so the message is recorded failed with it;
- for a channel with a fallback (KakaoTalk → SMS) when the step turned it on, `fallback`: the
  message to send instead if the channel cannot deliver (rendered now, for the same customer,
  so delivery only sends), from the fallback channel's stored default sender.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nodes.kit.channel import ChannelSpec, channel, default_channels
from nodes.kit.profile import Profile
from runtime.messaging.compliance import MessageRules, apply_rules, current_rules
from runtime.messaging.rendering import (
    CACHE,
    RenderError,
    TemplateCache,
    TemplateLike,
    render_message,
    render_text,
)
from runtime.messaging.senders import CONTENT_KEYS, current_senders


def send_content(template: TemplateLike, profile: Profile, payload: Mapping[str, Any], *,
                 purpose: str, options: Mapping[str, Any] | None = None,
                 rules: MessageRules | None = None,
                 cache: TemplateCache = CACHE) -> dict[str, Any]:
    """The content a send stores for this customer; RenderError says why there is none."""
    rules = rules or current_rules()
    options = options or {}
    spec = default_channels().get(template.channel)
    unsubscribe = (rules.unsubscribe_url(profile.id, spec.key)
                   if spec is not None and spec.unsubscribe_link else None)
    extra = {"unsubscribe_url": unsubscribe} if unsubscribe else None
    content = render_message(template, profile, payload, cache=cache, extra=extra)
    spec = channel(template.channel)  # render_message refused an unknown one
    sender = current_senders().for_send(spec.sender, options.get("sender"))
    if sender is not None:
        if sender.id is not None or options.get("sender"):
            content[CONTENT_KEYS[sender.kind]] = sender.value
        rules = rules.for_sender(sender.name, sender.opt_out_line)
    content = apply_rules(rules, spec.key, purpose, content)
    if unsubscribe and purpose == "marketing":
        content["unsubscribe_url"] = unsubscribe  # becomes the List-Unsubscribe headers
    content.update(_size(spec, content.get("text"), "Message", content))
    fallback = options.get("fallback")
    if spec.fallback and isinstance(fallback, Mapping):
        content["fallback"] = _fallback(spec, fallback, content, profile, payload, purpose,
                                        rules)
        backup = current_senders().for_send(channel(spec.fallback.channel).sender, None)
        if backup is not None and backup.id is not None:  # the text goes from a number
            content["fallback"][CONTENT_KEYS[backup.kind]] = backup.value
    return content


def _size(spec: ChannelSpec, text: Any, what: str,
          content: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The channel's size facts for the text (in its content: an MMS's images); RenderError
    when it is too long."""
    if spec.measure is None or not isinstance(text, str):
        return {}
    try:
        return spec.measure(text, content)
    except ValueError as error:
        raise RenderError(f"{what}: {error}") from None


def _fallback(spec: ChannelSpec, fallback: Mapping[str, Any], original: Mapping[str, Any],
              profile: Profile, payload: Mapping[str, Any], purpose: str,
              rules: MessageRules) -> dict[str, Any]:
    """The message sent instead of the original, should its channel fail to deliver."""
    assert spec.fallback is not None
    instead = channel(spec.fallback.channel)
    source = str(fallback.get("text") or "").strip()
    if source:
        text = render_text("fallback", source, profile, payload)
        text = apply_rules(rules, instead.key, purpose, {"text": text})["text"]
    else:  # the original's text, which already carries the label and opt-out line
        text = original["text"]
    return {"to": original["to"], "text": text,
            **_size(instead, text, f"{instead.name} fallback text")}
