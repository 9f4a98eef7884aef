"""Starter journeys a marketer recognises: welcome series, cart abandonment, win-back, birthday.

Each starter is a journey document plus the templates its sends use, named rather than
numbered: `instantiate` finds or creates those templates in this installation and writes their
ids into the document, so a starter is a ready-to-publish draft anywhere. The demo loads all
four; creating a journey offers them to every team (not every team has a journey designer).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder.i18n import N_
from runtime.store.audit import SYSTEM, Actor, record
from runtime.store.models import Template, utcnow


@dataclass(frozen=True)
class StarterTemplate:
    """A message template a starter needs, found by (channel, name) or created."""

    channel: str
    name: str
    source: str
    subject: str | None = None


@dataclass(frozen=True)
class Starter:
    """A ready-made journey: its key, what it is for, its document and its templates."""

    key: str
    name: str
    description: str
    document: dict[str, Any]
    templates: dict[str, StarterTemplate] = field(default_factory=dict)
    """Template placeholder (as written in the document's send configs) → the template."""


def _node(node_id: str, kind: str, label: str, config: dict[str, Any], x: int, y: int
          ) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "position": {"x": x, "y": y},
            "data": {"label": label, "config": config}}


def _edge(source: str, target: str, handle: str = "next") -> dict[str, Any]:
    return {"id": f"{source}-{handle}-{target}", "source": source, "sourceHandle": handle,
            "target": target}


def _ended(document: dict[str, Any]) -> dict[str, Any]:
    """The document with a "Done" exit under every send that leads nowhere, so a starter
    shows no warnings and its stats say where customers finished."""
    leads = {(edge["source"], edge.get("sourceHandle")) for edge in document["edges"]}
    for node in list(document["nodes"]):
        if "template" in node["data"]["config"] and (node["id"], "next") not in leads:
            end = f"{node['id']}_done"
            x, y = node["position"]["x"], node["position"]["y"] + 190
            document["nodes"].append(_node(end, "flow.exit", "Done", {"reason": "Done"}, x, y))
            document["edges"].append(_edge(node["id"], end))
    return document


def _days(amount: int) -> dict[str, Any]:
    return {"amount": amount, "unit": "days"}


WELCOME = Starter(
    key="welcome", name=N_("Welcome series"),
    description=N_("New sign-ups get a welcome email, a tips email two days later at 10:00 their "
                   "time, and — if they still haven't bought after a week — a first-order coupon."),
    document=_ended({"nodes": [
        _node("entry", "entry.event", "Signed up", {"event": "signup"}, 0, 0),
        _node("hello", "action.send", "Welcome email",
              {"channel": "email", "template": "welcome"}, 0, 190),
        _node("wait2", "flow.delay", "Wait 2 days",
              {"mode": "duration", "duration": _days(2)}, 0, 380),
        _node("tips", "action.send", "Tips email", {"channel": "email", "template": "tips"},
              0, 570),
        _node("wait5", "flow.delay", "Wait 5 days", {"mode": "duration", "duration": _days(5)},
              0, 760),
        _node("bought", "flow.condition", "Ordered yet?", {"rule": {
            "type": "event", "event": "order_completed", "op": "gte", "count": 1,
            "within": _days(7), "where": []}}, 0, 950),
        _node("coupon", "action.send", "First-order coupon (KakaoTalk)",
              {"channel": "kakao", "template": "first_order"}, 270, 1140),
        _node("done", "flow.exit", "Already a customer", {"reason": "Ordered"}, -270, 1140)],
        "edges": [_edge("entry", "hello"), _edge("hello", "wait2"), _edge("wait2", "tips"),
                  _edge("tips", "wait5"), _edge("wait5", "bought"),
                  _edge("bought", "done", "yes"), _edge("bought", "coupon", "no")],
        "settings": {"reentry": "never", "timezone": "Asia/Seoul",
                     "goal": {"event": "order_completed", "within": _days(14), "exit": False}}}),
    templates={
        "welcome": StarterTemplate("email", "Welcome",
                                   subject="Welcome, {{ customer.first_name }}!",
                                   source="Hi {{ customer.first_name }}, thanks for joining us."),
        "tips": StarterTemplate("email", "Getting started tips",
                                subject="3 ways to get more out of your account",
                                source="Hi {{ customer.first_name }}, here are three tips…"),
        "first_order": StarterTemplate("kakao", "First-order coupon",
                                       source="{{ customer.first_name }}님, 첫 주문 10% 할인 "
                                              "쿠폰이 도착했어요!"),
    })

CART = Starter(
    key="cart_abandonment", name=N_("Cart abandonment"),
    description=N_("A customer adds to cart; if they don't buy within an hour, an email reminds "
                   "them, and a KakaoTalk message follows a day later if they still haven't."),
    document=_ended({"nodes": [
        _node("entry", "entry.event", "Added to cart", {"event": "cart_add"}, 0, 0),
        _node("wait", "flow.wait_event", "Bought within 1 hour?", {
            "event": "order_completed", "timeout": {"amount": 1, "unit": "hours"}}, 0, 190),
        _node("mail", "action.send", "Reminder email",
              {"channel": "email", "template": "cart_email"}, 270, 380),
        _node("wait_day", "flow.wait_event", "Bought within a day?", {
            "event": "order_completed", "timeout": _days(1)}, 270, 570),
        _node("kakao", "action.send", "Reminder on KakaoTalk",
              {"channel": "kakao", "template": "cart_kakao"}, 540, 760),
        _node("bought", "flow.exit", "Bought", {"reason": "Bought"}, -270, 380),
        _node("bought_later", "flow.exit", "Bought after the email", {"reason": "Bought"},
              0, 760)],
        "edges": [_edge("entry", "wait"), _edge("wait", "bought", "matched"),
                  _edge("wait", "mail", "timeout"), _edge("mail", "wait_day"),
                  _edge("wait_day", "bought_later", "matched"),
                  _edge("wait_day", "kakao", "timeout")],
        "settings": {"reentry": "after", "reentry_after": _days(1), "timezone": "Asia/Seoul",
                     "exit_when": {"event": "order_completed"}}}),
    templates={
        "cart_email": StarterTemplate("email", "Cart reminder",
                                      subject="You left something in your cart",
                                      source="Hi {{ customer.first_name }}, your "
                                             "{{ event.product | default: 'items' }} "
                                             "are still waiting."),
        "cart_kakao": StarterTemplate("kakao", "Cart reminder (KakaoTalk)",
                                      source="{{ customer.first_name }}님, 장바구니에 담은 상품이 "
                                             "기다리고 있어요."),
    })

WIN_BACK = Starter(
    key="win_back", name=N_("Win-back of lapsed buyers"),
    description=N_("Customers who bought before but not in 90 days: VIPs get a personal SMS, the "
                   "rest are split between a coupon and free shipping, with a 10% control group."),
    document=_ended({"nodes": [
        _node("entry", "entry.segment", "Lapsed buyers", {"rule": {"type": "and", "rules": [
            {"type": "attr", "field": "orders", "op": "gte", "value": 1},
            {"type": "attr", "field": "last_purchase_at", "op": "more_than_ago", "value": 90,
             "unit": "days"}]}, "include_existing": True}, 0, 0),
        _node("vip", "flow.split", "VIP?", {"branches": [
            {"key": "vip", "label": "VIP", "rule": {"type": "tag", "tag": "vip", "has": True}}]},
            0, 190),
        _node("sms", "action.send", "Personal SMS", {"channel": "sms", "template": "vip_sms"},
              -320, 380),
        _node("test", "flow.random", "Offer test", {"variants": [
            {"key": "coupon", "label": "15% coupon", "percent": 45},
            {"key": "shipping", "label": "Free shipping", "percent": 45}],
            "control_percent": 10}, 200, 380),
        _node("coupon", "action.send", "Coupon email",
              {"channel": "email", "template": "winback_coupon"}, 0, 570),
        _node("shipping", "action.send", "Free-shipping email",
              {"channel": "email", "template": "winback_shipping"}, 320, 570),
        _node("control", "flow.exit", "Control group", {"reason": "Control group"}, 640, 570)],
        "edges": [_edge("entry", "vip"), _edge("vip", "sms", "vip"), _edge("vip", "test", "else"),
                  _edge("test", "coupon", "coupon"), _edge("test", "shipping", "shipping"),
                  _edge("test", "control", "control")],
        "settings": {"reentry": "after", "reentry_after": _days(180), "timezone": "Asia/Seoul",
                     "goal": {"event": "order_completed", "within": _days(30), "exit": True}}}),
    templates={
        "vip_sms": StarterTemplate("sms", "VIP win-back",
                                   source="[Wayline] {{ customer.first_name }}님, 오랜만이에요. "
                                          "VIP 전용 혜택을 준비했어요."),
        "winback_coupon": StarterTemplate("email", "We miss you — 15% off",
                                          subject="We miss you, {{ customer.first_name }}",
                                          source="Here is 15% off your next order."),
        "winback_shipping": StarterTemplate("email", "We miss you — free shipping",
                                            subject="Free shipping is on us",
                                            source="Your next order ships free."),
    })

BIRTHDAY = Starter(
    key="birthday", name=N_("Birthday coupon"),
    description=N_("On each customer's birthday at 09:00 in their own time zone, a coupon on "
                   "KakaoTalk (or by email for those who don't use KakaoTalk)."),
    document=_ended({"nodes": [
        _node("entry", "entry.date", "Birthday, 09:00 local",
              {"attribute": "birthday", "at": "09:00", "offset_days": 0, "yearly": True}, 0, 0),
        _node("kakao_ok", "flow.condition", "Uses KakaoTalk?", {"rule": {
            "type": "attr", "field": "kakao_user", "op": "eq", "value": True}}, 0, 190),
        _node("kakao", "action.send", "Birthday coupon (KakaoTalk)",
              {"channel": "kakao", "template": "birthday_kakao"}, -250, 380),
        _node("mail", "action.send", "Birthday coupon (email)",
              {"channel": "email", "template": "birthday_email"}, 250, 380)],
        "edges": [_edge("entry", "kakao_ok"), _edge("kakao_ok", "kakao", "yes"),
                  _edge("kakao_ok", "mail", "no")],
        "settings": {"reentry": "always", "timezone": "Asia/Seoul"}}),
    templates={
        "birthday_kakao": StarterTemplate("kakao", "Birthday coupon (KakaoTalk)",
                                          source="{{ customer.first_name }}님, 생일 축하드려요! "
                                                 "🎂 생일 쿠폰을 확인하세요."),
        "birthday_email": StarterTemplate("email", "Birthday coupon",
                                          subject="Happy birthday, {{ customer.first_name }}!",
                                          source="A birthday present from us: 20% off today."),
    })

STARTERS: dict[str, Starter] = {starter.key: starter
                                for starter in (WELCOME, CART, WIN_BACK, BIRTHDAY)}


def instantiate(session: Session, starter: Starter, timezone: str | None = None,
                actor: Actor = SYSTEM, at: datetime | None = None) -> dict[str, Any]:
    """The starter's document with its templates found or created here (ids filled in; a
    template made is in the audit trail as made by `actor`)."""
    ids = {placeholder: _template_id(session, template, actor, at or utcnow())
           for placeholder, template in starter.templates.items()}
    document = copy.deepcopy(starter.document)
    for node in document["nodes"]:
        config = node["data"]["config"]
        if config.get("template") in ids:  # a placeholder: the starter's own template
            config["template"] = ids[config["template"]]
    if timezone:
        document["settings"]["timezone"] = timezone
    return document


def _template_id(session: Session, wanted: StarterTemplate, actor: Actor,
                 at: datetime) -> int:
    found = session.scalar(select(Template.id).where(Template.channel == wanted.channel,
                                                     Template.name == wanted.name))
    if found is not None:
        return found
    template = Template(channel=wanted.channel, name=wanted.name, subject=wanted.subject,
                        source=wanted.source, options={})
    session.add(template)
    session.flush()
    record(session, actor, "template.created", object_kind="template", object_id=template.id,
           object_name=template.name, at=at, summary="made for a starter journey")
    return template.id
