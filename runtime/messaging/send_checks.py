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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.validation import Issue, node_name
from nodes.kit.fields import CHANNEL_NAMES
from nodes.kit.registry import Registry
from nodes.kit.spec import Payload, Send
from runtime.messaging.brand_checks import brand_issues
from runtime.messaging.compliance import current_rules, opt_out_channels
from runtime.messaging.rendering import payload_keys_used
from runtime.messaging.workspace import load_wording
from runtime.store.models import Template


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
        issues += _opt_out_issues(node, name, {"purpose": send.purpose, "channel": send.channel})
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


def _opt_out_issues(node: Mapping[str, Any], name: str,
                    config: Mapping[str, Any]) -> list[Issue]:
    rules = current_rules()
    if (config.get("purpose", "marketing") != "marketing"
            or config.get("channel") not in opt_out_channels() or not rules.ad_label
            or rules.opt_out_line.strip()):
        return []
    return [_warning("send.no_opt_out_line", node, (
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
