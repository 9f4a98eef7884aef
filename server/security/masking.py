"""Contact data as a viewer sees it: enough to tell customers apart, not to reach them.

`minji.kim@example.kr` → `m•••@example.kr`, `+821012345678` → `+82•••••5678`. Viewers (and
anyone the table doesn't give `contacts.read`) get customers, timelines and pages with these;
what a provider answered to a failed message is shown only with `provider_answers.read`
(a provider or a webhook can echo anything back, customers' data included). A webhook
template's header values (tokens, as often as not) are shown only to whoever may edit it.
"""

from __future__ import annotations

from typing import TypeVar

from msgspec.structs import replace

from server.schemas.customers import CustomerDetail, CustomerPage
from server.schemas.templates import TemplateDetail
from server.schemas.timeline import CustomerTimeline, MessageItem
from server.security.permissions import may
from server.security.principal import Principal

HIDDEN = "•••"
T = TypeVar("T")


def mask_email(email: str | None) -> str | None:
    """The first letter and the domain of an email address."""
    if not email:
        return email
    local, _, domain = email.partition("@")
    return f"{local[:1]}{HIDDEN}@{domain}" if domain else f"{email[:1]}{HIDDEN}"


def mask_phone(phone: str | None) -> str | None:
    """The country code and the last four digits of a phone number."""
    if not phone:
        return phone
    country = phone[:3] if phone.startswith("+") else ""
    return f"{country}{HIDDEN}{phone[-4:]}" if len(phone) > 6 else HIDDEN


def customer_page_for(principal: Principal, page: CustomerPage) -> CustomerPage:
    """A page of customers as `principal` may see it."""
    if may(principal, "contacts.read"):
        return page
    return replace(page, items=[replace(item, email=mask_email(item.email),
                                        phone=mask_phone(item.phone)) for item in page.items])


def customer_for(principal: Principal, detail: CustomerDetail) -> CustomerDetail:
    """One customer as `principal` may see them."""
    if may(principal, "contacts.read"):
        return detail
    profile = detail.customer
    return replace(detail, customer=replace(profile, email=mask_email(profile.email),
                                            phone=mask_phone(profile.phone)))


def timeline_for(principal: Principal, timeline: CustomerTimeline) -> CustomerTimeline:
    """A timeline as `principal` may see it: contacts masked, providers' answers kept back."""
    if not may(principal, "contacts.read"):
        who = timeline.customer
        timeline = replace(timeline, customer=replace(who, email=mask_email(who.email),
                                                      phone=mask_phone(who.phone)))
    if not may(principal, "provider_answers.read"):
        timeline = replace(timeline, items=[
            replace(item, provider_answer=None) if isinstance(item, MessageItem) else item
            for item in timeline.items])
    return timeline


def template_for(principal: Principal, detail: TemplateDetail) -> TemplateDetail:
    """A template as `principal` may see it: header values only for its editors."""
    headers = detail.options.headers
    if not headers or may(principal, "templates.edit"):
        return detail
    hidden = replace(detail.options, headers=dict.fromkeys(headers, HIDDEN))
    return replace(detail, options=hidden)
