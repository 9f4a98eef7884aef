"""What validation can tell about a journey's sends only with the workspace at hand: a message
made for another channel (an error: it could never be sent), the values its templates read, and
the law's opt-out line.

A send renders strictly, so a value the customer lacks fails that message (never "Hello ,").
Some of those failures can be seen before publishing: a template reading `event.sku` in a
journey customers enter from an audience or on a date (there is no event, so no payload at
all), or `payload.coupon` in an API journey whose entry does not require `coupon`. And a
marketing text in Korea must end with a free opt-out line: with the advertising label on and no
line set, every such message would go out without one. Each is a warning on the send step —
a value may have a `| default:` — so the canvas shows it as the marketer works.

Who a message goes out from and what the law asks of it are errors that stop publishing: a
step picking a sender that is not registered, or a channel that really sends with no
registered sender at all (전기통신사업법 제84조의2); an advertisement whose template writes an
altered label or is an image only, or that would go out from a live channel without the
sender's name or an opt-out line (정보통신망법 제50조 ④, 시행령 제61조); an AlimTalk template
Kakao has not approved for its current text (`runtime.messaging.reviews`). Counsel should
confirm the reading; the strict one is enforced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.validation import Issue, node_name
from nodes.kit.channel import default_channels
from nodes.kit.fields import CHANNEL_NAMES
from nodes.kit.registry import Registry
from nodes.kit.spec import Payload, Send
from runtime.messaging.ad_checks import image_only, label_problems
from runtime.messaging.brand_checks import brand_issues
from runtime.messaging.compliance import current_rules, opt_out_channels
from runtime.messaging.rendering import payload_keys_used
from runtime.messaging.reviews import promotional_words, review_problem
from runtime.messaging.senders import SenderEntry, current_senders, is_live
from runtime.messaging.workspace import load_wording
from runtime.store.models import Template
from runtime.store.review_models import TemplateReview


def send_issues(session: Session, document: Any, registry: Registry) -> list[Issue]:
    """The warnings on the send steps of a journey document (parts already invalid are left to
    the validator's own issues)."""
    nodes = [node for node in (document or {}).get("nodes") or [] if isinstance(node, Mapping)]
    sends = [(node, send) for node in nodes for send in _sends(node, registry)]
    if not sends:
        return []
    load_wording(session)  # whether an opt-out line is set: the workspace's, or the environment's
    entries = [payload for node in nodes if (payload := _entry_payload(node, registry))]
    entry = entries[0] if len(entries) == 1 else None
    ids = {send.template for _, send in sends}
    templates = {template.id: template for template in session.scalars(
        select(Template).where(Template.id.in_([key for key in ids if isinstance(key, int)])))}
    reviews = {row.template_id: row for row in session.scalars(select(TemplateReview).where(
        TemplateReview.template_id.in_(list(templates))))} if templates else {}
    issues: list[Issue] = []
    for node, send in sends:
        name = _name(node, registry)
        template = templates.get(send.template)
        if template is not None and template.channel != send.channel:
            issues.append(Issue("send.wrong_channel", (
                f"{name}: the message '{template.name}' is written for "
                f"{CHANNEL_NAMES.get(template.channel, template.channel)}, but this step sends "
                f"{CHANNEL_NAMES.get(send.channel, send.channel)}: "
                "choose a message for this channel, or change the step's channel."),
                str(node.get("id")), "config.template"))
            continue
        if template is not None:
            issues += brand_issues(session, node, name, template)
        if template is not None and entry is not None:
            issues += _payload_issues(node, name, template, entry)
        sender = current_senders().for_send(_sender_kind(send.channel), send.options.get("sender"))
        issues += _sender_issues(node, name, send, sender)
        issues += _opt_out_issues(node, name, {"purpose": send.purpose, "channel": send.channel},
                                  sender)
        if template is not None:
            issues += _ad_issues(node, name, send, template)
            issues += _review_issues(node, name, send, template, reviews.get(template.id))
    return issues


def _sender_kind(channel: str) -> str:
    spec = default_channels().get(channel)
    return spec.sender if spec is not None else ""


def _sender_issues(node: Mapping[str, Any], name: str, send: Send,
                   sender: SenderEntry | None) -> list[Issue]:
    """A picked sender must be registered; a live channel needs a registered one at all."""
    kind, picked = _sender_kind(send.channel), send.options.get("sender")
    if not kind:
        return []
    noun = "sender number" if kind == "phone" else "Kakao sender profile"
    if picked and sender is None:
        return [_error("send.sender_unknown", node, (
            f"{name}: it sends from {picked}, which is no {noun} of this workspace: add it "
            "under Send rules → Senders, or pick a registered one."), "config.sender")]
    if sender is not None and not sender.is_registered:
        note = f" ({sender.note})" if sender.note else ""
        return [_error("send.sender_not_registered", node, (
            f"{name}: the {noun} {sender.shown} is {sender.status}{note}, not registered: "
            "carriers and Kakao refuse messages from it. Pick a registered one, or mark it "
            "registered under Send rules → Senders once it is."), "config.sender")]
    if sender is None and is_live(send.channel):
        return [_error("send.no_sender", node, (
            f"{name}: no registered {noun} to send from. Add one under Send rules → Senders "
            "and make it the default, or pick one on this step."), "config.sender")]
    return []


def _ad_issues(node: Mapping[str, Any], name: str, send: Send,
               template: Template) -> list[Issue]:
    """An advertisement's template: no altered label, not an image only; on a live channel,
    the sender's name to put after the label."""
    spec = default_channels().get(send.channel)
    if send.purpose != "marketing" or spec is None or not spec.ad_label:
        return []
    problems = [*label_problems(template.source), *label_problems(template.subject or "")]
    if image_only(template.source, template.options or {}):
        problems.append("an advertisement may not be an image only; write its text")
    return [_error("send.ad_label", node, f"{name}: the message '{template.name}': {problem}.")
            for problem in problems]


def _review_issues(node: Mapping[str, Any], name: str, send: Send, template: Template,
                   review: TemplateReview | None) -> list[Issue]:
    """A reviewed channel's template must be approved; its wording may read as an ad."""
    spec = default_channels().get(send.channel)
    if spec is None or not spec.reviewed:
        return []
    issues = []
    problem = review_problem(review, template, is_live(send.channel))
    if problem:
        issues.append(_error("send.template_not_approved", node, (
            f"{name}: the AlimTalk template '{template.name}' may not send: {problem}.")))
    words = promotional_words(template.source)
    if words:
        issues.append(_warning("send.alimtalk_promotional", node, (
            f"{name}: '{template.name}' reads as advertising ({', '.join(words[:5])}); "
            "AlimTalk is information only, and Kakao counts a mixed message as an ad.")))
    return issues


def _sends(node: Mapping[str, Any], registry: Registry) -> list[Send]:
    """The messages a step sends, as its kind declares them (none when its config is invalid:
    the validator reports that)."""
    version = node.get("version")
    spec = registry.resolve(str(node.get("type")), version if isinstance(version, int) else None)
    if spec is None or spec.sends is None:
        return []
    try:
        return spec.sends(spec.parse(_config(node) or {}))
    except (msgspec.ValidationError, TypeError):
        return []


def _entry_payload(node: Mapping[str, Any], registry: Registry) -> Payload | None:
    """What customers carry in through this node, if it is a valid entry (else None)."""
    spec = registry.get(str(node.get("type")))
    if spec is None or not spec.is_entry or spec.trigger is None:
        return None
    try:
        return spec.trigger(spec.parse(_config(node) or {})).payload
    except (msgspec.ValidationError, TypeError):
        return None  # the validator reports the config


def _payload_issues(node: Mapping[str, Any], name: str, template: Template,
                    entry: Payload) -> list[Issue]:
    keys = sorted(set().union(*payload_keys_used(template).values()))
    if not keys or entry.fields is None:
        return []
    if entry.absent:
        listed = ", ".join(f"'{key}'" for key in keys)
        return [_warning("send.no_payload", node, (
            f"{name}: the message '{template.name}' reads {listed} of the event, but "
            f"customers enter this journey {entry.absent}, with no event: it fails for every "
            "customer unless each value has a default."))]
    missing = [key for key in keys if key not in entry.fields]
    if not missing:
        return []
    named = ", ".join(f"'{key}'" for key in missing)
    return [_warning("send.payload_not_required", node, (
        f"{name}: the message '{template.name}' reads {named} of the payload, which the "
        "entry does not require: a customer entered without it gets no message. Add it to the "
        "entry's required fields, or give it a default."))]


def _opt_out_issues(node: Mapping[str, Any], name: str, config: Mapping[str, Any],
                    sender: SenderEntry | None = None) -> list[Issue]:
    """A marketing text needs an opt-out line (the workspace's, or its sender's 080 number)
    and, from a live channel, the sender's name; an error where messages really leave."""
    rules = current_rules()
    if (config.get("purpose", "marketing") != "marketing"
            or config.get("channel") not in opt_out_channels() or not rules.ad_label):
        return []
    live = is_live(str(config.get("channel")))
    issues = []
    if live and sender is not None and not sender.name:
        issues.append(_error("send.no_sender_name", node, (
            f"{name}: advertising must name who sends it after {rules.ad_label}, and the "
            f"sender {sender.shown} has no name: register it under Send rules → Senders with "
            "the company's name."), "config.sender"))
    if rules.opt_out_line.strip() or (sender is not None and sender.opt_out_line):
        return issues
    make = _error if live else _warning
    return [*issues, make("send.no_opt_out_line", node, (
        f"{name}: marketing texts must end with a free opt-out line (e.g. 무료수신거부 "
        "080-123-4567), and none is set: set it on the Send rules page (or "
        "WAYLINE_OPT_OUT_LINE), or send this as transactional."), "config.purpose")]


def _config(node: Mapping[str, Any]) -> Any:
    data = node.get("data")
    return data.get("config") if isinstance(data, Mapping) else None


def _name(node: Mapping[str, Any], registry: Registry) -> str:
    data = node.get("data")
    label = data.get("label") if isinstance(data, Mapping) else None
    return node_name(str(label or ""), registry.get(str(node.get("type"))), str(node.get("id")))


def _warning(code: str, node: Mapping[str, Any], message: str,
             field: str = "config.template") -> Issue:
    return Issue(code, message, str(node.get("id")), field, severity="warning")


def _error(code: str, node: Mapping[str, Any], message: str,
           field: str = "config.template") -> Issue:
    return Issue(code, message, str(node.get("id")), field)
