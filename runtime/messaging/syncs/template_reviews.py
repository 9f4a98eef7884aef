"""AlimTalk template reviews fetched from the provider (`review(code)`).

Kakao reviews a submitted template in a few working days and the provider keeps the outcome to
be asked for: every template still registered or under review (not set by hand) is asked about
again, and its status and reason kept (`runtime.messaging.reviews`). Approved and rejected ones
are not asked again until they are submitted anew. A template the provider refuses to say
about (PermanentFailure) is skipped and logged; a provider down stops the run, to be tried
again at the next interval.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from nodes.kit.channel import default_channels
from runtime.messaging.adapters import PermanentFailure
from runtime.messaging.reviews import MANUAL, WAITING, record_review
from runtime.messaging.syncs import SyncContext, SyncTask
from runtime.store.models import Template
from runtime.store.review_models import TemplateReview

log = logging.getLogger("wayline.syncs")

BATCH = 500
"""The most templates one run asks about (the rest at the next)."""


def refresh(context: SyncContext) -> dict[str, int]:
    """Ask the reviewing gateway about each waiting template; how many were asked, changed."""
    reviewed = {spec.key for spec in default_channels() if spec.reviewed}
    asked = changed = 0
    for channels, gateway in context.gateways_with("review"):
        if not reviewed.intersection(channels):
            continue
        with context.sessions() as session:
            rows = session.scalars(select(TemplateReview).where(
                TemplateReview.status.in_([status.value for status in WAITING]),
                TemplateReview.provider != MANUAL).order_by(TemplateReview.checked_at)
                .limit(BATCH)).all()
            for row in rows:
                try:
                    review = gateway.review(row.code)
                except PermanentFailure as error:  # this one only (deleted at the provider?)
                    log.warning("review of template %s (%s) refused: %s", row.template_id,
                                row.code, error)
                    continue
                asked += 1
                if (review.status.value, review.reason or "") != (row.status, row.reason):
                    changed += 1
                template = session.get(Template, row.template_id)
                record_review(session, template, row.provider, review, context.now)
            session.commit()
    return {"asked": asked, "changed": changed}


SYNC = SyncTask(key="template_reviews", every=timedelta(minutes=10), run=refresh,
                needs="review")
