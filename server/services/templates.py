"""Templates: Liquid messages, one channel each, that send steps use by id.

A template is checked when it is saved (`server.services.template_checks`), by the same Liquid
environment and parsing the runtime renders with, so a template that saves is one the runtime
can parse; every broken part is reported at once, each on its field. Names are unique per
channel ignoring case (a duplicate is a 422 on `name`). A change to what a template says bumps
its `version` (the render cache key); a renamed template keeps it.

A webhook's URL must write out its address (Liquid fills only the path and query), and an
address written as a number must be a public one unless WAYLINE_WEBHOOK_ALLOW lists it
(`runtime.outbound`; names are checked at every send instead, as their addresses can change).
A preview that goes past a render limit (loops, output, time) is a 422 saying which, on the
part's field, rather than one customer's problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nodes.kit.channel import channel
from nodes.kit.fields import CHANNEL_NAMES, Channel
from nodes.kit.profile import Profile
from runtime.customers.profiles import load_profiles
from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.messaging.content import send_content
from runtime.messaging.rendering import LimitError, RenderError, render_message
from runtime.messaging.workspace import load_wording
from runtime.outbound import AllowList
from runtime.store.audit import Actor, record
from runtime.store.models import Customer, Template
from server.context import Wayline
from server.schemas.templates import (
    DraftRenderIn,
    Rendered,
    RenderIn,
    SampleCustomer,
    TemplateCreate,
    TemplateDetail,
    TemplateOptions,
    TemplatePage,
    TemplateSummary,
    TemplateUpdate,
    TemplateWarning,
)
from server.services.assets import template_image_issues
from server.services.template_checks import Draft, check_template, issue
from server.services.template_warnings import template_warnings
from server.services.usage import in_use_message, journeys_using, usage


def list_templates(wl: Wayline, channel: Channel | None = None, search: str | None = None,
                   limit: int = 50, offset: int = 0) -> TemplatePage:
    """A page of templates by channel and name, with how many journeys use each."""
    query = select(Template)
    if channel is not None:
        query = query.where(Template.channel == channel.value)
    if search:
        query = query.where(func.lower(Template.name).contains(search.lower(), autoescape=True))
    with wl.reading() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(Template.channel, func.lower(Template.name),
                                              Template.id).limit(limit).offset(offset)).all()
        used = usage(session, wl.registry, "template")
        items = [TemplateSummary(id=row.id, channel=Channel(row.channel), name=row.name,
                                 subject=row.subject, version=row.version,
                                 journeys=len(used.get(row.id, [])), created_at=row.created_at,
                                 updated_at=row.updated_at) for row in rows]
    return TemplatePage(items=items, total=total, limit=limit, offset=offset)


def create_template(wl: Wayline, actor: Actor, data: TemplateCreate) -> TemplateDetail:
    """Save a new template (422 naming each problem: a missing part, a Liquid error, a name)."""
    draft = _draft(data.channel, data.subject, data.source, data.options)
    check_template(draft, _allowed(wl))
    name = data.name.strip()
    with _name_race(name), wl.writing() as session:
        _refuse_images(session, draft)
        _refuse_taken(session, data.channel, name)
        now = wl.now()
        template = Template(channel=draft.channel, name=name, subject=draft.subject,
                            source=draft.source, options=draft.options, version=1,
                            created_at=now, updated_at=now)
        session.add(template)
        session.flush()
        _audit(session, actor, "template.created", template, now)
        return _detail(wl, session, template)


def get_template(wl: Wayline, template_id: int) -> TemplateDetail:
    """One template with its source and the journeys that send it."""
    with wl.reading() as session:
        return _detail(wl, session, _get(session, template_id))


def update_template(wl: Wayline, actor: Actor, template_id: int,
                    data: TemplateUpdate) -> TemplateDetail:
    """Rename or rewrite a template; a change to what it says bumps its version."""
    name = data.name.strip() if data.name is not None else None
    with _name_race(name or ""), wl.writing() as session:
        template = _get(session, template_id, lock=True)
        if data.channel is not None and data.channel.value != template.channel:
            _refuse_channel_change(template, data.channel)
        options = template.options if data.options is None else _options(data.options)
        draft = Draft(template.channel,
                      template.subject if data.subject is None else _subject(data.subject),
                      template.source if data.source is None else data.source, dict(options))
        check_template(draft, _allowed(wl))
        _refuse_images(session, draft)
        before = (template.name, template.version)
        if name is not None and name != template.name:
            _refuse_taken(session, Channel(template.channel), name, template.id)
            template.name = name
        if (draft.subject, draft.source, draft.options) != (
                template.subject, template.source, template.options):
            template.subject, template.source = draft.subject, draft.source
            template.options, template.version = draft.options, template.version + 1
        template.updated_at = wl.now()
        if (template.name, template.version) != before:
            _audit(session, actor, "template.changed", template, wl.now(),
                   before={"name": before[0], "version": before[1]},
                   after={"name": template.name, "version": template.version})
        session.flush()
        return _detail(wl, session, template)


def delete_template(wl: Wayline, actor: Actor, template_id: int) -> None:
    """Delete a template no journey sends; 409 naming the journeys that do."""
    with wl.writing() as session:
        template = _get(session, template_id, lock=True)
        uses = journeys_using(session, wl.registry, "template", template.id)
        if uses:
            raise WrongStateError(in_use_message(f"the template '{template.name}'", uses),
                                  [{"code": "template.in_use", "message": f"Used by '{use.name}'",
                                    "node_id": use.node_ids[0]} for use in uses])
        _audit(session, actor, "template.deleted", template, wl.now())
        session.delete(template)


def render_template(wl: Wayline, template_id: int, data: RenderIn) -> Rendered:
    """A saved template rendered for a customer (real or sample), as a send would store it."""
    with wl.reading() as session:
        draft = load_template(session, template_id)
        profile = render_profile(wl, session, data.external_id, data.sample)
        warnings = template_warnings(session, draft)
        load_wording(session)  # the label and line as the workspace words them
    return _render(draft, profile, data, warnings)


def render_draft(wl: Wayline, data: DraftRenderIn) -> Rendered:
    """An unsaved template rendered for a customer (422 first if it would not save)."""
    spec = data.template
    draft = _draft(spec.channel, spec.subject, spec.source, spec.options)
    check_template(draft, _allowed(wl))
    with wl.reading() as session:
        profile = render_profile(wl, session, data.external_id, data.sample)
        warnings = template_warnings(session, draft)
        load_wording(session)  # the label and line as the workspace words them
    return _render(draft, profile, data, warnings)


# --- shared ----------------------------------------------------------------------------------


def _refuse_images(session: Session, draft: Draft) -> None:
    """422 naming each image the template uses that its channel's provider would refuse."""
    problems = template_image_issues(session, draft.channel, draft.options)
    if problems:
        raise InvalidInputError("The template has problems: " + "; ".join(
            problem["message"] for problem in problems[:5]), problems)


def _allowed(wl: Wayline) -> AllowList:
    return AllowList.parse(wl.settings.webhook_allow)


def _draft(channel: Channel, subject: str | None, source: str,
           options: TemplateOptions) -> Draft:
    return Draft(channel.value, _subject(subject), source, _options(options))


def _subject(subject: str | None) -> str | None:
    """An empty subject is no subject."""
    return subject if subject else None


def _options(options: TemplateOptions) -> dict[str, Any]:
    return msgspec.to_builtins(options)


def _audit(session: Session, actor: Actor, action: str, template: Template, at: Any,
           **details: Any) -> None:
    record(session, actor, action, object_kind="template", object_id=template.id,
           object_name=template.name, at=at, **details)


def load_template(session: Session, template_id: int) -> Draft:
    """A saved template as rendering takes it (detached from the session), or NotFoundError."""
    template = _get(session, template_id)
    return Draft(template.channel, template.subject, template.source,
                 dict(template.options or {}), template.id, template.version, template.name)


def _get(session: Session, template_id: int, lock: bool = False) -> Template:
    query = select(Template).where(Template.id == template_id)
    template = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if template is None:
        raise NotFoundError("template", template_id)
    return template


def _detail(wl: Wayline, session: Session, template: Template) -> TemplateDetail:
    return TemplateDetail(
        id=template.id, channel=Channel(template.channel), name=template.name,
        subject=template.subject, source=template.source,
        options=msgspec.convert(template.options or {}, TemplateOptions), version=template.version,
        used_by=journeys_using(session, wl.registry, "template", template.id),
        created_at=template.created_at, updated_at=template.updated_at,
        warnings=template_warnings(session, Draft(template.channel, template.subject,
                                                   template.source, dict(template.options or {}))))


def render_profile(wl: Wayline, session: Session, external_id: str | None,
                   sample: SampleCustomer | None) -> Profile:
    """The customer a template renders for: a real one by external id, else the sample."""
    if external_id is not None:
        customer_id = session.scalar(select(Customer.id).where(
            Customer.external_id == external_id))
        if customer_id is None:
            raise NotFoundError("customer", external_id)
        return load_profiles(session, [customer_id], wl.now(), ())[customer_id]
    sample = sample or SampleCustomer()
    return Profile(id=0, external_id=sample.external_id, created_at=wl.now(),
                   email=sample.email, phone=sample.phone, timezone=sample.timezone,
                   locale=sample.locale, attributes=sample.attributes,
                   tags=frozenset(sample.tags))


def _render(draft: Draft, profile: Profile, data: RenderIn | DraftRenderIn,
            warnings: list[TemplateWarning]) -> Rendered:
    # a channel that only carries advertising (Brand Message) is always shown labelled
    purpose = data.purpose or ("marketing" if channel(draft.channel).marketing_only else None)
    try:
        if purpose is not None:  # exactly what a send step stores
            options = ({} if data.fallback_text is None
                       else {"fallback": {"text": data.fallback_text}})
            content = send_content(draft, profile, data.payload, purpose=purpose,
                                   options=options)
        else:
            content = render_message(draft, profile, data.payload, strict=data.strict)
        error = None
    except LimitError as problem:  # the template's fault, not this customer's
        raise InvalidInputError(problem.reason, [{
            "code": "template.limit", "field": _field(problem.part),
            "message": problem.reason}]) from None
    except RenderError as problem:
        content, error = None, problem.reason
    return Rendered(channel=Channel(draft.channel), customer=profile.external_id,
                    content=content, error=error, template_id=draft.id,
                    template_version=draft.version if draft.id is not None else None,
                    warnings=warnings)


PART_FIELDS = {"subject": "subject", "title": "subject", "text": "source", "body": "source",
               "html": "options.html", "url": "options.url", "deep_link": "options.deep_link",
               "fallback": "fallback_text", "header:": "options.headers.",
               "var:": "options.variables.", "data:": "options.data."}
"""Where each rendered part of a template is written in a request (`header:X` → its key)."""


def _field(part: str | None) -> str:
    for prefix in ("header:", "var:", "data:"):
        if part and part.startswith(prefix):
            return PART_FIELDS[prefix] + part.removeprefix(prefix)
    return PART_FIELDS.get(part or "", "source")


def _refuse_channel_change(template: Template, channel: Channel) -> None:
    message = (f"'{template.name}' is a {CHANNEL_NAMES[Channel(template.channel)]} template and "
               f"can't become {CHANNEL_NAMES[channel]}; create a new template for that channel")
    raise InvalidInputError(message, [issue("channel", message)])


def _refuse_taken(session: Session, channel: Channel, name: str,
                  other_than: int | None = None) -> None:
    query = select(Template.name).where(Template.channel == channel.value,
                                        func.lower(Template.name) == name.lower())
    if other_than is not None:
        query = query.where(Template.id != other_than)
    taken = session.scalar(query.limit(1))
    if taken is not None:
        raise _taken(channel, taken)


def _taken(channel: Channel | None, name: str) -> InvalidInputError:
    kind = f"{CHANNEL_NAMES[channel]} template" if channel else "template"
    message = f"A {kind} named '{name}' already exists; give this one another name."
    return InvalidInputError(message, [{"code": "name.taken", "field": "name",
                                        "message": message}])


@contextmanager
def _name_race(name: str) -> Iterator[None]:
    """Turns a unique-constraint race (two saves of one name at once) into the same 422."""
    try:
        yield
    except IntegrityError:
        raise _taken(None, name) from None
