"""Template warnings: what the template reads that no customer has.

A template that prints `customer.first_nam` (a typo), or an attribute not imported yet, would
fail for every customer at send time (sends render strictly). That can be seen before any send:
each custom attribute a template reads is looked up among the customers, one EXISTS each (a scan
only when no one has it, which is the case worth reporting). Found ones become warnings on the
template's field, shown when the template is saved or previewed; nothing is refused, since a
template may well be written before its data arrives.

A template on a channel Kakao reviews (AlimTalk) is warned about too: words that read as an
advertisement, a coupon or points given without saying why (from 2026-04-01), and variables
the text never uses (`runtime.messaging.reviews`).
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nodes.kit.channel import default_channels
from nodes.kit.values import ATTRIBUTE_NAME
from runtime.clock import current_clock
from runtime.messaging.rendering import TemplateLike, customer_attributes_used
from runtime.messaging.reviews import lacks_coupon_reason, promotional_words, variables_in
from runtime.store.models import Customer
from server.schemas.templates import TemplateWarning

ATTRIBUTE = re.compile(ATTRIBUTE_NAME)
"""What a custom attribute's name looks like (others cannot be stored, so no one has them)."""

PART_FIELDS = {"subject": "subject", "title": "subject", "text": "source", "body": "source",
               "html": "options.html", "url": "options.url", "deep_link": "options.deep_link"}
"""The template field each rendered part comes from."""

PREFIX_FIELDS = {"header:": "options.headers.", "var:": "options.variables.",
                 "data:": "options.data."}


def template_warnings(session: Session, draft: TemplateLike) -> list[TemplateWarning]:
    """Everything worth a warning in a template: attributes no one has, AlimTalk wording."""
    return attribute_warnings(session, draft) + alimtalk_warnings(draft)


def alimtalk_warnings(draft: TemplateLike) -> list[TemplateWarning]:
    """On a reviewed channel: advertising words (AlimTalk is information only, and Kakao
    counts a mixed message as an ad), a coupon without its reason, unused variables."""
    spec = default_channels().get(draft.channel)
    if spec is None or not spec.reviewed:
        return []
    warnings = []
    words = promotional_words(draft.source)
    if words:
        warnings.append(TemplateWarning(field="source", message=(
            f"This reads as advertising ({', '.join(words[:5])}): AlimTalk carries information "
            "only, and Kakao rejects or counts as an ad a message mixing the two. Send offers "
            "as Brand Message or SMS marked (광고).")))
    if lacks_coupon_reason(draft.source, current_clock().now()):
        warnings.append(TemplateWarning(field="source", message=(
            "From 1 April 2026 an AlimTalk coupon or points message must say why it was "
            "issued (e.g. '회원가입 감사 쿠폰'); add the reason.")))
    used = set(variables_in(draft.source))
    for name in (draft.options or {}).get("variables") or {}:
        if name not in used:
            warnings.append(TemplateWarning(field=f"options.variables.{name}", message=(
                f"The text has no #{{{name}}}, so '{name}' is never used: remove it, or put "
                f"#{{{name}}} where it goes in the text.")))
    return warnings


def attribute_warnings(session: Session, draft: TemplateLike) -> list[TemplateWarning]:
    """A warning per custom attribute the template reads that no customer has (likely a typo,
    or data not imported yet): such a send fails for every customer unless it has a default."""
    used = customer_attributes_used(draft)
    names = sorted(set().union(*used.values())) if used else []
    if not names or not session.scalar(select(Customer.id).limit(1)):
        return []  # nothing to compare with before the first customer arrives
    unknown = [name for name in names if not _anyone_has(session, name)]
    return [TemplateWarning(field=_part_field(part), message=(
                f"No customer has '{name}', so this message would fail for everyone: check "
                f"the spelling, or give it a fallback such as "
                f'{{{{ customer.{name} | default: "…" }}}}'))
            for part, attributes in used.items() for name in unknown if name in attributes]


def _anyone_has(session: Session, name: str) -> bool:
    if not ATTRIBUTE.fullmatch(name):
        return False  # not a name an attribute can have
    attributes = Customer.__table__.c.attributes
    if session.get_bind().dialect.name == "postgresql":
        has = attributes.op("?")(name)
    else:
        has = func.json_type(attributes, f'$."{name}"').is_not(None)
    return session.scalar(select(Customer.id).where(has).limit(1)) is not None


def _part_field(part: str) -> str:
    for prefix, field_prefix in PREFIX_FIELDS.items():
        if part.startswith(prefix):
            return field_prefix + part.removeprefix(prefix)
    return PART_FIELDS.get(part, "source")
