"""What a channel is made of, and the registry that finds them (`nodes/channels/`, one file each).

A channel module exports `CHANNEL`, a `ChannelSpec`: everything Wayline knows about sending on
it, as declarations and pure functions — its key and the words for it, the template fields (a
msgspec Struct: the Messages page's form is generated from its schema, as the inspector's is
from a node's config), which parts of a template are Liquid (and HTML-escaped), how rendered
parts become the message content, the address it needs, the advertising label, size limits, the
provider's request body, test-send marking and fallback. The runtime does the IO (SMTP, HTTP)
and looks channels up here by key; nothing outside a channel's own module compares its name.

Template fields map onto the stored template by name: `subject` and `source` are the template's
columns, every other field is a key of its `options`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Protocol

import msgspec

from nodes.kit.discovery import Keyed, declarations
from nodes.kit.images import ImageUse

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
"""Channel keys: lowercase words. Keys are permanent: templates, consents and journeys keep them."""

COLUMNS = ("subject", "source")
"""Template fields stored in the template's own columns; the others live in its options."""

LIQUID_HELP = "Liquid: {{ customer.first_name }}, {{ event.product }}, {{ entry.order_id }}."
"""The help under a Liquid message field."""


PairName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.#-]{1,64}$")]
"""A variable's or a data key's name."""
PairValue = Annotated[str, msgspec.Meta(max_length=2000)]
"""A variable's, data value's or header's value (Liquid)."""


class Address(StrEnum):
    """What a message on the channel is addressed to, from the customer's profile."""

    EMAIL_ADDRESS = "email_address"
    PHONE_NUMBER = "phone_number"
    DEVICE = "device"
    """The customer's app installs, which the push provider knows by external id."""
    URL = "url"
    """The template's own URL: no customer address at all."""


class Transport(StrEnum):
    """How the runtime hands a message over (`runtime.messaging.channels`)."""

    SMTP = "smtp"
    PROVIDER = "provider"
    """One JSON POST per message to the channel's provider (WAYLINE_<KEY>_URL)."""
    CALL = "call"
    """An HTTP call to the URL the template names."""


class Product(StrEnum):
    """The provider product a channel's messages go by: what a provider gateway sends them as
    (`runtime.messaging.gateways`), so a gateway asks this, never the channel's name."""

    TEXT_MESSAGE = "text_message"
    """SMS, LMS and MMS from a registered number."""
    ALIMTALK = "alimtalk"
    """KakaoTalk AlimTalk: informational, on a template Kakao reviewed."""
    BRAND_MESSAGE = "brand_message"
    """Kakao Brand Message: advertising, free-form."""
    APP_PUSH = "app_push"


class LabelStyle(StrEnum):
    """How the advertising label goes on a part of a marketing message."""

    TITLE = "title"
    """In front, once (subjects and titles)."""
    TEXT = "text"
    """In front, and the opt-out line at the end (texts)."""


class TemplateShape(Protocol):
    """What a channel reads of a template: the stored template, or an unsaved draft."""

    subject: str | None
    source: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class Problem:
    """Why a template cannot be saved: the form field ('options.url') and what to do."""

    field: str
    message: str


class ContentError(ValueError):
    """A template cannot make a message: `reason` says why, to a marketer; `part` which part."""

    def __init__(self, reason: str, part: str | None = None) -> None:
        self.reason, self.part = reason, part
        super().__init__(reason)


@dataclass(frozen=True)
class Fallback:
    """Another channel to send on when this one cannot deliver (the send step turns it on)."""

    channel: str
    """The key of the channel the fallback goes by."""
    failure_key: str
    """The content key the fallback row keeps the original's failure under."""


@dataclass(frozen=True)
class ClosedHours:
    """Local hours in which the channel's providers refuse every send, whatever the purpose
    or the customer's night-time consent (Brand Message: 20:50–08:00 Korean time, NCP code
    3022). Wall times in `zone`, the provider's clock, not the customer's."""

    start: str
    end: str
    zone: str = "Asia/Seoul"


Part = tuple[str, str, bool]
"""A template part to render: (name, Liquid source, HTML-escape values?)."""


def _identity(content: dict[str, Any]) -> dict[str, Any]:
    return content


def _no_problems(template: TemplateShape) -> list[Problem]:
    return []


def _no_check(template: TemplateShape) -> None:
    return None


def _no_images(template: TemplateShape) -> list[ImageUse]:
    return []


@dataclass(frozen=True, kw_only=True)
class ChannelSpec:
    """Everything about one channel; see the module docstring."""

    key: str
    order: int
    """Where the channel comes in lists and menus."""
    label: str
    """In menus and headings: 'SMS / LMS'."""
    name: str
    """At the start of a sentence: 'SMS', 'App push'."""
    noun: str
    """Inside a sentence: 'an {noun} template' ('app push', 'SMS')."""
    article: str = "a"
    icon: str
    color: str
    fields: type[msgspec.Struct]
    """The template's fields on this channel: the Messages page form."""
    example: msgspec.Struct
    address: Address
    transport: Transport
    parts: Callable[[TemplateShape], Iterable[Part]]
    """The parts rendering fills in, from a template."""
    content: Callable[[str | None, Mapping[str, Any], TemplateShape], dict[str, Any]]
    """The message content from (recipient, rendered parts, template); ContentError if none."""
    check: Callable[[TemplateShape], list[Problem]] = _no_problems
    """Problems to refuse a template for when it is saved (fields as the form names them)."""
    compile_check: Callable[[TemplateShape], None] = _no_check
    """Raises ContentError when the stored template cannot render for anyone."""
    ad_label: Mapping[str, LabelStyle] = field(default_factory=dict)
    """The content parts a marketing message labels as advertising, and how."""
    measure: Callable[[str, Mapping[str, Any] | None], dict[str, Any]] | None = None
    """Size facts stored with a text, from the text and the content it is in (SMS/LMS/MMS and
    bytes); ValueError when too long."""
    request: Callable[[int, Mapping[str, Any], Mapping[str, str]], dict[str, Any]] | None = None
    """The provider's JSON body from (message id, content, account); for PROVIDER transport."""
    account: Mapping[str, str] = field(default_factory=dict)
    """Provider account values the request needs: request key → settings attribute."""
    configure: str = ""
    """How an operator gives the channel a way out, said when none is configured."""
    unsubscribe_link: bool = False
    """Marketing carries a signed one-click unsubscribe link (`unsubscribe_url`)."""
    consent_noun: str | None = None
    """What a customer unsubscribing stops receiving: 'text messages'."""
    receipts: bool = True
    """The channel's provider reports delivery to /api/receipts."""
    test_to_me: bool = False
    """A test can go to the person asking (their own address is of this kind)."""
    test_recipients: str | None = None
    """Which list of the workspace's test recipients a test goes to ('emails', 'phones')."""
    mark_test: Callable[[dict[str, Any]], dict[str, Any]] = _identity
    """The content marked as a test beyond `test: true` (e.g. '[Test]' before a subject)."""
    fallback: Fallback | None = None
    product: Product | None = None
    """The provider product its messages go by, for the provider gateways (None: none)."""
    sender: str = ""
    """The kind of registered sender messages go out from ('phone': a sender number, 'kakao': a
    Kakao sender profile; '' for none): a send step may pick one, publishing checks it."""
    reviewed: bool = False
    """Templates must pass the provider's review (AlimTalk: Kakao's) before they may send."""
    closed: ClosedHours | None = None
    """Hours the providers take no message on this channel: the send policy holds every one
    (deferred or skipped, as the step says) until they end."""
    image_uses: Callable[[TemplateShape], list[ImageUse]] = _no_images
    """The uploaded images a template uses, each with the limits of where it goes; checked
    against the images' facts when the template is saved."""
    images_max_total: int | None = None
    """Bytes all of one message's images may come to together (MMS), if limited."""
    preview: str = "parts"
    """How the Messages page previews a message: 'parts' (each part, labelled) or 'bubble' (a
    KakaoTalk chat bubble in the content's format)."""
    marketing_only: bool = False
    """Every message on the channel is advertising (Brand Message): a send step may not call
    it transactional."""

    @property
    def option_names(self) -> tuple[str, ...]:
        """The template options this channel has."""
        return tuple(name for name in self.fields.__struct_fields__ if name not in COLUMNS)

    @property
    def has_subject(self) -> bool:
        """True when the channel's templates have a subject (or title)."""
        return "subject" in self.fields.__struct_fields__

    def is_required(self, name: str) -> bool:
        """True when the template field has no default."""
        return name in _required(self.fields)

    def form_name(self, name: str) -> str:
        """The field's name in the form and in problems: 'subject', 'options.html'."""
        return name if name in COLUMNS else f"options.{name}"

    def schema(self) -> dict[str, Any]:
        """The template fields' JSON schema (titles, order, widgets), as the form reads it."""
        return _schema(self.fields)


@cache
def _schema(fields: type[msgspec.Struct]) -> dict[str, Any]:
    schema = msgspec.json.schema(fields)
    defs = schema.get("$defs", {})
    return defs[schema["$ref"].rsplit("/", 1)[-1]] | {"$defs": defs}


def _required(fields: type[msgspec.Struct]) -> set[str]:
    return {item.name for item in msgspec.structs.fields(fields) if item.required}


def template_fields(spec: ChannelSpec, template: TemplateShape) -> dict[str, Any]:
    """The template's values by field name (columns and options together)."""
    options = template.options or {}
    values: dict[str, Any] = {name: options[name] for name in spec.option_names if name in options}
    for name in COLUMNS:
        if name in spec.fields.__struct_fields__:
            values[name] = getattr(template, name)
    return values


class ChannelRegistryError(Exception):
    """A channel module is broken: no CHANNEL, a CHANNEL of the wrong type, or a duplicate key."""


class ChannelRegistry(Keyed[ChannelSpec]):
    """Channel specs by key, in their declared order."""

    def __init__(self, specs: Iterable[tuple[ChannelSpec, str]] = ()) -> None:
        super().__init__()
        for spec, origin in specs:
            self.add(spec, origin)

    def add(self, spec: ChannelSpec, origin: str) -> None:
        """Register one channel; `origin` (its file) is named in errors."""
        if not re.match(KEY_PATTERN, spec.key):
            raise ChannelRegistryError(f"{origin}: channel key {spec.key!r} must be a lowercase "
                                       "word like 'sms'")
        if spec.key in self._specs:
            raise ChannelRegistryError(f"{origin}: channel {spec.key!r} is already defined in "
                                       f"{self._files[spec.key]}")
        self._specs[spec.key] = spec
        self._files[spec.key] = origin
        ordered = sorted(self._specs.values(), key=lambda item: item.order)
        self._specs = {item.key: item for item in ordered}

    @classmethod
    def discover(cls, package: str) -> ChannelRegistry:
        """Import every channel module in the package and register its CHANNEL."""
        registry = cls()
        for spec, origin, _ in declarations(package, "CHANNEL", ChannelSpec,
                                            ChannelRegistryError, "a channel module"):
            registry.add(spec, origin)
        registry.check()
        return registry

    def check(self) -> None:
        """Fallbacks name registered channels (not themselves)."""
        for spec in self:
            if spec.fallback and (spec.fallback.channel not in self
                                  or spec.fallback.channel == spec.key):
                raise ChannelRegistryError(f"{self._files[spec.key]}: the fallback channel "
                                           f"{spec.fallback.channel!r} is not another channel")


@cache
def default_channels() -> ChannelRegistry:
    """Every channel shipped in `nodes.channels`, discovered once per process."""
    return ChannelRegistry.discover("nodes.channels")


def channel(key: str) -> ChannelSpec:
    """The registered channel with this key (KeyError for an unknown one)."""
    return default_channels()[key]


def sender_channels() -> list[str]:
    """The channels a send step can pick a registered sender for."""
    return [spec.key for spec in default_channels() if spec.sender]


def fallback_channels() -> list[str]:
    """The channels a send step can ask to fall back from."""
    return [spec.key for spec in default_channels() if spec.fallback]


def pairs(value: Any) -> dict[str, str]:
    """Name/value options (variables, data, headers) as text, for content."""
    return {str(name): str(item) for name, item in (value or {}).items()}


def one_line(text: str) -> str:
    """A subject or title on one line: a newline would also break a mail header."""
    return " ".join(text.split())


def prefixed(rendered: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The rendered parts of a family ('var:name') by their names."""
    return {name.removeprefix(prefix): value for name, value in rendered.items()
            if name.startswith(prefix)}
