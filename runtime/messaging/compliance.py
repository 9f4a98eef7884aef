"""What the law and the workspace add to every message, whatever the template says.

Korean law (정보통신망법 §50) asks marketing messages to say they are advertising and how to
refuse them for free: "(광고)" at the start of a text, KakaoTalk message or email subject, and an
opt-out line (e.g. "무료수신거부 080-…") at the end of a text. Marketing email carries a signed
one-click unsubscribe link instead of the line. Both are workspace settings (WAYLINE_AD_LABEL,
WAYLINE_OPT_OUT_LINE); an empty label turns the labelling off, for workspaces outside Korea.

The rules are the process's: `install_rules` is called when a `Runtime` is built (workers, the
web server, tests), and rendering reads `current_rules()`. The label and the line can also be set
on the Send rules page (`runtime.messaging.workspace.MessageWording`): whatever reads the database
before
rendering (each batch, each preview) hands the saved wording to `use_wording`, and it wins over
the environment's until it is cleared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from nodes.kit.channel import LabelStyle, Transport, default_channels
from runtime.messaging.tracking import public_url, secret_for
from runtime.messaging.unsubscribe import unsubscribe_url

if TYPE_CHECKING:
    from runtime.settings import Settings



def opt_out_channels() -> list[str]:
    """Channels whose marketing messages get the label in front and the opt-out line after."""
    return [spec.key for spec in default_channels()
            if LabelStyle.TEXT in spec.ad_label.values()]


@dataclass(frozen=True)
class MessageRules:
    """The workspace's advertising label, opt-out line, and how to sign unsubscribe links."""

    ad_label: str = "(광고)"
    opt_out_line: str = ""
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    sender_name: str = ""
    """Who sends, named after the label in texts ("(광고) 웨이라인"): the sender's name."""
    senders: Mapping[str, str] = field(default_factory=dict)
    """Sender kind → the environment's sender (WAYLINE_SMS_SENDER …), for
    `runtime.messaging.senders`
    reads it."""
    live_channels: frozenset[str] = frozenset()
    """The provider channels whose messages really leave Wayline (a provider is configured)."""

    def for_sender(self, name: str, opt_out_line: str) -> MessageRules:
        """These rules for a message from a sender: its name after the label, and its 080
        line when the workspace sets none (정보통신망법 제50조 ④, 시행령 제61조)."""
        return replace(self, sender_name=name.strip(),
                       opt_out_line=self.opt_out_line.strip() or opt_out_line)

    def unsubscribe_url(self, customer_id: int, channel: str) -> str | None:
        """The signed unsubscribe link for this customer and channel (None without a key)."""
        if not self.secret_key:
            return None
        return unsubscribe_url(self.public_url, self.secret_key, customer_id, channel)

    def label_subject(self, subject: str) -> str:
        """A marketing email subject with the advertising label in front (once)."""
        return _prefixed(self.ad_label, subject, " ")

    def label_text(self, text: str) -> str:
        """A marketing text with the label and the sender's name in front, and the opt-out line
        at the end."""
        text = _prefixed(self.ad_label, text, " ")
        if self.ad_label and self.sender_name:
            rest = text.lstrip()[len(self.ad_label):].lstrip()
            if not rest.startswith(self.sender_name):
                text = f"{self.ad_label} {self.sender_name} {rest}"
        line = self.opt_out_line.strip()
        if self.ad_label and line and line not in text:
            text = f"{text.rstrip()}\n{line}"
        return text


def _prefixed(label: str, text: str, separator: str) -> str:
    if not label or text.lstrip().startswith(label):
        return text
    return f"{label}{separator}{text.lstrip()}"


def rules_from_settings(settings: Settings) -> MessageRules:
    """The rules the settings ask for (the signing key is made under data_dir if not set)."""
    from runtime.messaging.gateways import provider_of

    live = frozenset(spec.key for spec in default_channels()
                     if spec.transport is Transport.PROVIDER
                     and (getattr(settings, f"{spec.key}_url", "")
                          or provider_of(settings.extra, spec.key)))
    senders: dict[str, str] = {}  # each kind's from the first channel whose account sets it
    for spec in default_channels():
        for attribute in spec.account.values() if spec.sender else ():
            if getattr(settings, attribute, "") and spec.sender not in senders:
                senders[spec.sender] = str(getattr(settings, attribute))
    return MessageRules(ad_label=settings.ad_label, opt_out_line=settings.opt_out_line,
                        public_url=public_url(settings), secret_key=secret_for(settings),
                        senders={kind: value for kind, value in senders.items() if value},
                        live_channels=live)


_rules = MessageRules()


def install_rules(rules: MessageRules) -> MessageRules:
    """Make `rules` this process's; returns the previous ones."""
    global _rules
    previous, _rules = _rules, rules
    return previous


_wording: dict[str, str] = {}


def use_wording(wording: Mapping[str, str | None]) -> None:
    """The workspace's own label and line (None: the environment's), for `current_rules`."""
    global _wording
    _wording = {name: value for name, value in wording.items() if value is not None}


def current_rules() -> MessageRules:
    """The rules rendering applies in this process: the environment's, with the workspace's
    own wording where it set one."""
    return replace(_rules, **_wording) if _wording else _rules


def apply_rules(rules: MessageRules, channel: str, purpose: str,
                content: Mapping[str, Any]) -> dict[str, Any]:
    """The content with the label and opt-out line a marketing message needs on its channel."""
    result = dict(content)
    spec = default_channels().get(channel)
    if purpose != "marketing" or spec is None:
        return result
    for part, style in spec.ad_label.items():  # which parts each channel labels: its spec
        if result.get(part):
            label = rules.label_text if style is LabelStyle.TEXT else rules.label_subject
            result[part] = label(result[part])
    return result
