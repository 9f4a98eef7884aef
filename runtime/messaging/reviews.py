"""AlimTalk template review: what Kakao must approve before a template may send, and what to
warn about in its text.

Kakao sends an AlimTalk message only on a template it approved word for word, through the
provider it was submitted to (`submit_template`, `review` on the kakao gateway: see
`runtime.messaging.gateways`). The status and reason are kept per template
(`runtime.store.review_models.TemplateReview`), refreshed by the `template_reviews` sync and on
demand; where no gateway offers review (the outbox, the generic JSON provider) an admin sets
them by hand from what the provider's console says ('manual'), so publishing can still refuse a
template not approved. An edit after submitting needs a new review (the text must match).

AlimTalk is for information only (카카오 비즈메시지 운영정책): a text that reads as an
advertisement — discounts, coupons, events — is rejected or counted as an ad; from 2026-04-01 a
coupon or points message must also say why it was issued. Both are warnings, since words alone
cannot tell; counsel and Kakao's own review decide.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from runtime.messaging.gateways import Review, ReviewStatus, TemplateDraft
from runtime.store.models import Template
from runtime.store.review_models import TemplateReview

MANUAL = "manual"
"""The provider of a review set by hand from a provider console Wayline has no gateway for."""

VARIABLE = re.compile(r"#\{([^{}]{1,64})\}")
"""An AlimTalk variable in a template's text: #{name}."""

WAITING = (ReviewStatus.REGISTERED, ReviewStatus.UNDER_REVIEW)
"""Statuses the sync asks the provider about again."""

PROMOTIONAL = ("할인", "쿠폰", "이벤트", "특가", "혜택", "세일", "적립", "포인트", "증정", "사은품",
               "무료 체험", "최저가", "%", "sale", "discount", "coupon", "event", "promo")
"""Words that make an AlimTalk text read as an advertisement (matched case-insensitively)."""

COUPON_WORDS = ("쿠폰", "포인트", "적립금", "coupon", "point")
REASON_WORDS = ("사유", "기념", "감사", "보상", "때문", "위해", "으로 인해", "로 인해", "에 따라",
                "because", "reason")
"""Words that say why a coupon or points were issued (required from 2026-04-01)."""

COUPON_REASON_FROM = datetime(2026, 4, 1).date()


def variables_in(text: str) -> list[str]:
    """The #{names} in an AlimTalk text, in order, once each."""
    return list(dict.fromkeys(match.strip() for match in VARIABLE.findall(text or "")))


def draft_of(template: Template, sender_key: str) -> TemplateDraft:
    """The template as it is submitted: its code (or one made from its id), name and text."""
    options = template.options or {}
    code = str(options.get("template_code") or f"WAYLINE_{template.id}")
    return TemplateDraft(code=code, name=template.name[:150], text=template.source,
                         sender_key=sender_key)


def promotional_words(text: str) -> list[str]:
    """The words in an AlimTalk text that read as advertising."""
    lowered = (text or "").lower()
    return [word for word in PROMOTIONAL if word in lowered]


def lacks_coupon_reason(text: str, today: datetime) -> bool:
    """True when, from 2026-04-01, a text gives a coupon or points without saying why."""
    lowered = (text or "").lower()
    return (today.date() >= COUPON_REASON_FROM and any(word in lowered for word in COUPON_WORDS)
            and not any(word in lowered for word in REASON_WORDS))


def record_review(session: Session, template: Template, provider: str, review: Review,
                  now: datetime, *, submitted: bool = False) -> TemplateReview:
    """Keep what the provider (or an admin) says about a template's review."""
    row = session.get(TemplateReview, template.id)
    if row is None:
        row = TemplateReview(template_id=template.id, submitted_at=now,
                             submitted_version=template.version)
        session.add(row)
    if submitted:
        row.submitted_at, row.submitted_version = now, template.version
    row.provider, row.code = provider, review.code[:64]
    row.status, row.reason = review.status.value, (review.reason or "")[:1000]
    row.checked_at = review.checked_at or now
    return row


def review_problem(row: TemplateReview | None, template: Template, live: bool) -> str | None:
    """Why the template may not send yet (None when approved for its current text); without
    a review, only a live channel (its messages leave Wayline) refuses it. Each answer is a
    sentence the catalogues say (builder.i18n.messages), the provider's reason after it."""
    if row is None:
        return unsubmitted_problem() if live else None
    if row.status != ReviewStatus.APPROVED:
        said = status_problem(ReviewStatus(row.status))
        return f"{said}: {row.reason}" if row.reason else said
    if row.submitted_version != template.version:
        return "it was edited after Kakao approved it: submit it for review again"
    return None


def unsubmitted_problem() -> str:
    """Why a template never submitted may not send (a function, so the catalogues' reader
    finds the sentence: builder.i18n.messages reads what functions here return)."""
    return "it has not been submitted to Kakao's review: submit it on the Messages page"


def status_problem(status: ReviewStatus) -> str:
    """Why a template in review `status` (not approved) may not send; one `return` per
    status, for the catalogues' reader."""
    if status == ReviewStatus.REGISTERED:
        return "it is saved with the provider but not yet sent to Kakao's review"
    if status == ReviewStatus.UNDER_REVIEW:
        return "Kakao is still reviewing it (under review); it sends once Kakao approves it"
    if status == ReviewStatus.DORMANT:
        return ("Kakao made it dormant after a year unused: wake it in the provider's "
                "console, then check its review here again")
    if status == ReviewStatus.REJECTED:
        return "Kakao rejected it"
    return f"Kakao's review says {status}"
