"""Email: a subject, a text body and an optional HTML body, sent over SMTP.

Marketing email gets the advertising label in front of its subject and a signed one-click
unsubscribe link (the List-Unsubscribe headers), instead of the opt-out line texts carry.
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
    TemplateShape,
    Transport,
    one_line,
)
from nodes.kit.hints import hint


class Fields(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An email template: subject, text body, HTML body."""

    subject: Annotated[str, hint("Subject", order=1, max_length=998)]
    source: Annotated[str, hint("Text body", order=2, widget="textarea", description=LIQUID_HELP,
                                extra={"rows": 8})] = ""
    html: Annotated[str, hint(
        "HTML body", order=3, widget="textarea", extra={"rows": 6}, max_length=500_000,
        description="Optional: the text body is sent beside it for mail apps without HTML.",
    )] = ""


def parts(template: TemplateShape) -> Iterator[Part]:
    """Subject and text; the HTML body HTML-escapes the values it fills in."""
    yield "subject", template.subject or "", False
    yield "text", template.source, False
    html = (template.options or {}).get("html")
    if html:
        yield "html", str(html), True


def content(to: str | None, rendered: Mapping[str, Any], template: TemplateShape) -> dict[str, Any]:
    """To, text, one-line subject, and the HTML body when there is one."""
    message = {"to": to, "text": rendered["text"], "subject": one_line(rendered["subject"])}
    if "html" in rendered:
        message["html"] = rendered["html"]
    return message


def check(template: TemplateShape) -> list[Problem]:
    """A subject, and something to say (text or HTML)."""
    problems = []
    if not (template.subject or "").strip():
        problems.append(Problem("subject", "An email needs a subject; write one"))
    if not template.source.strip() and not str((template.options or {}).get("html") or "").strip():
        problems.append(Problem("source", "The message is empty; write what it should say"))
    return problems


def compile_check(template: TemplateShape) -> None:
    """No email goes without a subject."""
    if not (template.subject or "").strip():
        raise ContentError("the email template has no subject; add one in the template editor")


def mark_test(message: dict[str, Any]) -> dict[str, Any]:
    """'[Test]' before the subject; no unsubscribe link (its reader must not unsubscribe the
    customer)."""
    marked = {**message, "subject": f"[Test] {message.get('subject', '')}"}
    marked.pop("unsubscribe_url", None)
    return marked


CHANNEL = ChannelSpec(
    key="email", order=1, label="Email", name="Email", noun="email", article="an",
    icon="mail", color="#2563eb",
    fields=Fields,
    example=Fields(subject="{{ customer.first_name }}님, 장바구니를 잊으셨어요",
                   source="Your cart is waiting.", html="<p>Your cart is waiting.</p>"),
    address=Address.EMAIL_ADDRESS, transport=Transport.SMTP,
    parts=parts, content=content, check=check, compile_check=compile_check,
    ad_label={"subject": LabelStyle.TITLE},
    configure="set WAYLINE_SMTP_URL to your mail server (smtp://user:password@host:587?starttls=1)",
    unsubscribe_link=True, consent_noun="email",
    test_to_me=True, test_recipients="emails", mark_test=mark_test,
)
