"""Building an email from a message's rendered content: the one place emails take shape.

`build_email` turns the content stored on a message row (to, subject, text, optional html and
unsubscribe_url) into the MIME message the SMTP adapter hands over: a text part and, when the
template has HTML, an HTML alternative (multipart/alternative, so every client shows one of
them); a Message-ID derived from the message id, so a resend after a lost job is recognisably
the same mail; and for marketing mail the List-Unsubscribe headers of RFC 2369 and RFC 8058
(one-click), which Gmail and Naver show as an unsubscribe button.

Whatever rewrites an email's content before it leaves (link tracking, say) should do it on the
content here, before `build_email`, so every part is built once and in one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from runtime.messaging.adapters import PermanentFailure

REQUIRED = ("to", "subject", "text")
"""Content keys every email needs."""


def build_email(message_id: int, content: Mapping[str, Any], sender: str,
                domain: str) -> EmailMessage:
    """The email for a message's content; PermanentFailure if the content cannot be one."""
    missing = [key for key in REQUIRED if not content.get(key)]
    if missing:
        raise PermanentFailure(f"the email has no {' or '.join(missing)}; "
                               "it was rendered from an incomplete template")
    email = EmailMessage()
    try:
        email["From"] = sender
        email["To"] = content["to"]
        email["Subject"] = content["subject"]
        _unsubscribe_headers(email, content.get("unsubscribe_url"))
    except ValueError as error:  # e.g. a line break smuggled into a header
        raise PermanentFailure(f"the email headers are malformed: {error}") from None
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = f"<wayline.{message_id}@{domain}>"
    email["X-Wayline-Message-Id"] = str(message_id)
    email.set_content(content["text"])
    if content.get("html"):
        email.add_alternative(content["html"], subtype="html")
    return email


def _unsubscribe_headers(email: EmailMessage, url: str | None) -> None:
    """RFC 8058 one-click: the URL takes a POST with List-Unsubscribe=One-Click as the body."""
    if not url:
        return
    email["List-Unsubscribe"] = f"<{url}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
