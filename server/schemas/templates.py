"""What the template endpoints take and give: Liquid message templates, one channel each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from nodes.kit.channel import default_channels
from nodes.kit.fields import Channel
from server.schemas.previews import ExternalId, Payload
from server.schemas.usage import JourneyUse

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description=(
    "What marketers call the template; unique per channel (ignoring case)."))]
Subject = Annotated[str, msgspec.Meta(max_length=1000, description=(
    "Email: the subject (required). App push: the title (optional). Liquid."))]
Source = Annotated[str, msgspec.Meta(max_length=100_000, description=(
    "The message in Liquid: the text (email: the plain-text body), or a webhook's JSON body."))]


def _options_struct() -> type[msgspec.Struct]:
    """Every channel's options (its template fields beside subject and source), each optional:
    which ones a template may have is its channel's (`server.services.template_checks`)."""
    fields: dict[str, tuple[str, Any, None]] = {}
    for spec in default_channels():
        for item in msgspec.structs.fields(spec.fields):
            if item.name in spec.option_names:
                fields.setdefault(item.name, (item.name, item.type | None, None))
    return msgspec.defstruct("TemplateOptions", list(fields.values()), module=__name__,
                             forbid_unknown_fields=True, omit_defaults=True)


TemplateOptions = _options_struct()
TemplateOptions.__doc__ = ("Channel settings, Liquid unless said: " + "; ".join(
    f"{', '.join(f'`{name}`' for name in spec.option_names)} for {spec.noun}"
    for spec in default_channels() if spec.option_names) + ".")


class TemplateWarning(msgspec.Struct):
    """Something that may go wrong for some customers, e.g. an attribute no customer has."""

    field: str
    message: str


class TemplateCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new template."""

    channel: Channel
    name: Name
    source: Source
    subject: Subject | None = None
    options: TemplateOptions = msgspec.field(default_factory=TemplateOptions)


class TemplateUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a template; fields left out stay. A change to what it says bumps `version`.
    `channel` may be sent but not changed (make a new template for another channel)."""

    channel: Channel | None = None
    name: Name | None = None
    source: Source | None = None
    subject: Subject | None = None
    options: TemplateOptions | None = None


class TemplateSummary(msgspec.Struct):
    """A template as the list (and the canvas's template picker) shows it."""

    id: int
    channel: Channel
    name: str
    subject: str | None
    version: int
    journeys: int
    created_at: datetime
    updated_at: datetime


class TemplateDetail(msgspec.Struct):
    """A template with its source and the journeys that send it."""

    id: int
    channel: Channel
    name: str
    subject: str | None
    source: str
    options: TemplateOptions
    version: int
    used_by: list[JourneyUse]
    created_at: datetime
    updated_at: datetime
    warnings: list[TemplateWarning] = []


class TemplatePage(msgspec.Struct):
    """One page of templates, by channel and name."""

    items: list[TemplateSummary]
    total: int
    limit: int
    offset: int


class SampleCustomer(msgspec.Struct, forbid_unknown_fields=True):
    """A made-up customer to render for, when no real one is named."""

    external_id: ExternalId = "sample"
    email: Annotated[str, msgspec.Meta(max_length=320)] | None = "sample@example.com"
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = "+821000000000"
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    locale: Annotated[str, msgspec.Meta(max_length=35)] | None = None
    attributes: dict[str, Any] = {}
    tags: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]],
                    msgspec.Meta(max_length=100)] = []


SendPurpose = Annotated[Literal["marketing", "transactional"], msgspec.Meta(description=(
    "Render as a send step with this purpose does: marketing adds the advertising label, "
    "opt-out line and unsubscribe link; SMS gets its type and bytes. Strict, like sends."))]
FallbackText = Annotated[str, msgspec.Meta(max_length=4000, description=(
    "KakaoTalk: the step's SMS fallback text (Liquid; empty: the KakaoTalk text)."))]


class RenderIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whom to render for: a real customer by `external_id`, else `sample` (a made-up one).
    `strict` makes a value the customer lacks an error instead of empty text; `purpose`
    renders exactly what a send step would store (always strict)."""

    external_id: ExternalId | None = None
    sample: SampleCustomer | None = None
    payload: Payload = {}
    strict: bool = False
    purpose: SendPurpose | None = None
    fallback_text: FallbackText | None = None


class DraftRenderIn(msgspec.Struct, forbid_unknown_fields=True):
    """An unsaved template and whom to render it for (the template editor's live preview)."""

    template: TemplateCreate
    external_id: ExternalId | None = None
    sample: SampleCustomer | None = None
    payload: Payload = {}
    strict: bool = False
    purpose: SendPurpose | None = None
    fallback_text: FallbackText | None = None


class Rendered(msgspec.Struct):
    """The message as it would be stored for this customer, or why it could not be rendered.
    `content` has `to` and `text` (and `subject`, `html`, `title` by channel), or a webhook's
    `url`, `method`, `headers` and `body`."""

    channel: Channel
    customer: str
    content: dict[str, Any] | None
    error: str | None
    template_id: int | None = None
    template_version: int | None = None
    warnings: list[TemplateWarning] = []


class TestSendIn(RenderIn, forbid_unknown_fields=True, kw_only=True):
    """Send the template as a customer would get it (`external_id`, else `sample`) to a person
    on the team: "me" (your email) or "team" (the workspace's test recipients)."""

    __test__ = False  # not a pytest test class, whatever its name

    to: Literal["me", "team"] = "team"


class TestSendResult(msgspec.Struct):
    """One test message: where it went, and what happened."""

    __test__ = False

    to: str
    sent: bool
    problem: str | None = None


class TestSendReport(msgspec.Struct):
    """What a test send did: one result per recipient. Nothing is counted in stats or caps."""

    __test__ = False

    channel: str
    results: list[TestSendResult]
