"""AlimTalk template review from the Messages page: submit a template to Kakao's review
through the configured kakao gateway, see and refresh its status, or (with no gateway that
reviews) set it by hand from the provider's console. Semantics: `runtime.messaging.reviews`;
the `template_reviews` sync refreshes waiting ones on its own."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from nodes.kit.channel import default_channels
from runtime.errors import (
    InvalidInputError,
    NotFoundError,
    ProviderUnavailableError,
    WrongStateError,
)
from runtime.messaging.adapters import DeliveryError, TransientFailure
from runtime.messaging.gateways import Review, ReviewStatus
from runtime.messaging.reviews import MANUAL, draft_of, record_review
from runtime.messaging.senders import load_senders
from runtime.store.audit import Actor, record
from runtime.store.models import Template
from runtime.store.review_models import TemplateReview
from server.context import Wayline
from server.schemas.senders import ReviewOut, ReviewSet


def get_review(wl: Wayline, template_id: int) -> ReviewOut:
    """Where the template stands in Kakao's review."""
    with wl.reading() as session:
        template = _reviewed(session, template_id)
        return _out(wl, template, session.get(TemplateReview, template_id))


def submit_review(wl: Wayline, actor: Actor, template_id: int) -> ReviewOut:
    """Send the template to Kakao's review through the kakao gateway, from the default
    registered Kakao sender profile."""
    with wl.reading() as session:
        template = _reviewed(session, template_id)
        gateway = _gateway(wl, template.channel, "submit_template")
        profile = load_senders(session).default("kakao")
        if profile is None or not profile.is_registered:
            raise WrongStateError("No registered Kakao sender profile to submit from: add one "
                                  "under Send rules → Senders and make it the default.")
        draft = draft_of(template, profile.value)
    review = _ask(lambda: gateway.submit_template(draft))
    return _keep(wl, actor, template_id, _provider(wl, template.channel), review,
                 "template.review_submitted", submitted=True)


def refresh_review(wl: Wayline, actor: Actor, template_id: int) -> ReviewOut:
    """Ask the provider now where the review stands (the sync does it every few minutes)."""
    with wl.reading() as session:
        template = _reviewed(session, template_id)
        row = session.get(TemplateReview, template_id)
        if row is None or row.provider == MANUAL:
            return _out(wl, template, row)
        gateway, code = _gateway(wl, template.channel, "review"), row.code
    review = _ask(lambda: gateway.review(code))
    return _keep(wl, actor, template_id, _provider(wl, template.channel), review,
                 "template.review_checked")


def set_review(wl: Wayline, actor: Actor, template_id: int, data: ReviewSet) -> ReviewOut:
    """Set the status by hand, as the provider's console shows it (for providers Wayline has
    no review gateway for); a rejection needs its reason."""
    if data.status == ReviewStatus.REJECTED and not data.reason.strip():
        raise InvalidInputError("Say why Kakao rejected it.", [{
            "code": "review.invalid", "field": "reason",
            "message": "Copy the reason the provider's console gives for the rejection"}])
    with wl.reading() as session:
        template = _reviewed(session, template_id)
        code = data.code.strip() or str((template.options or {}).get("template_code") or "")
    review = Review(code=code, status=ReviewStatus(data.status), reason=data.reason.strip())
    return _keep(wl, actor, template_id, MANUAL, review, "template.review_set", submitted=True)


def _keep(wl: Wayline, actor: Actor, template_id: int, provider: str, review: Review,
          action: str, submitted: bool = False) -> ReviewOut:
    now = wl.now()
    with wl.writing() as session:
        template = _reviewed(session, template_id)
        row = record_review(session, template, provider, review, now, submitted=submitted)
        record(session, actor, action, object_kind="template", object_id=template.id,
               object_name=template.name, summary=f"{row.status} {row.reason}".strip(),
               after={"provider": provider, "code": row.code, "status": row.status,
                      "reason": row.reason}, at=now)
        session.flush()
        return _out(wl, template, row)


def _reviewed(session: Session, template_id: int) -> Template:
    template = session.get(Template, template_id)
    if template is None:
        raise NotFoundError("template", template_id)
    spec = default_channels().get(template.channel)
    if spec is None or not spec.reviewed:
        raise WrongStateError(f"'{template.name}' is not an AlimTalk template: only those go "
                              "to Kakao's review.")
    return template


def _gateway(wl: Wayline, channel: str, capability: str) -> Any:
    gateway = wl.runtime.adapters.get(channel)
    if not callable(getattr(gateway, capability, None)):
        raise WrongStateError("The KakaoTalk provider configured here takes no template "
                              "review: submit the template in the provider's console, then "
                              "an admin sets its status here.")
    return gateway


def _provider(wl: Wayline, channel: str) -> str:
    return (wl.settings.extra.get(f"{channel}_provider") or "gateway").strip().lower()[:32]


def _ask(call: Any) -> Review:
    """The provider's answer. When it is down or busy, a 503 to try again; when it refuses,
    a state the editor can act on."""
    try:
        return call()
    except (TransientFailure, OSError) as error:
        wait = getattr(error, "retry_after", None)
        raise ProviderUnavailableError(
            f"The provider is not answering right now ({error}). Nothing was changed; try "
            "again in a minute.", retry_after=max(1, math.ceil(wait)) if wait else 60) from None
    except DeliveryError as error:
        raise WrongStateError(f"The provider did not take it: {error}. Nothing was "
                              "changed.") from None


def _out(wl: Wayline, template: Template, row: TemplateReview | None) -> ReviewOut:
    can_submit = callable(getattr(wl.runtime.adapters.get(template.channel), "submit_template",
                                  None))
    if row is None:
        return ReviewOut(template_id=template.id, status=None, can_submit=can_submit)
    return ReviewOut(template_id=template.id, status=row.status, reason=row.reason,
                     provider=row.provider, code=row.code, submitted_at=row.submitted_at,
                     checked_at=row.checked_at,
                     edited_since=row.submitted_version != template.version,
                     can_submit=can_submit)
