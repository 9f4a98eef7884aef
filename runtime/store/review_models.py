"""Where each AlimTalk template stands in Kakao's review.

Kakao lets an AlimTalk message go out only on a template it approved, word for word; a
template is submitted through the provider (`submit_template`), reviewed by Kakao in a few
working days, then approved or rejected with a reason. One row per template: the provider that
holds it ('manual' when an admin copies the status from a provider console Wayline has no
gateway for), the provider's code for it, the status (`runtime.messaging.gateways.ReviewStatus`)
and reason, when it was submitted and last checked. Publishing reads it
(`runtime.messaging.reviews`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.models import Base, Id, UTCDateTime


class TemplateReview(Base):
    """An AlimTalk template's review: provider, code, status, reason, and when."""

    __tablename__ = "template_reviews"

    template_id: Mapped[int] = mapped_column(
        Id, ForeignKey("templates.id", ondelete="CASCADE"), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    """The gateway key that holds it, or 'manual' (set by hand from the provider's console)."""
    code: Mapped[str] = mapped_column(String(64))
    """The template's code at the provider (what AlimTalk messages name)."""
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(1000), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_version: Mapped[int] = mapped_column(default=1)
    """The template's version when submitted: an edit after it needs a new review."""
