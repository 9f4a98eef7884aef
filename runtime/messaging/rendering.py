"""Rendering: a template plus one customer becomes the `content` stored on a message row.

The batch renders while it writes the outbox row, so delivery later sends exactly what was
rendered. Templates are Liquid (python-liquid 2). Parsing costs far more than rendering and a
journey renders the same template for thousands of customers a second, so compiled templates
are cached by (template id, version, content): editing a template bumps its version, which
retires the old entry without any invalidation step.

What a template can use:
- `customer`: external_id, email, phone, timezone, locale, created_at, tags, and every custom
  attribute, both at the top level (`customer.first_name`) and under `customer.attributes`;
- `payload`: what the customer entered with (the API payload or the event's properties);
- `event`: the same mapping, so event-triggered templates read naturally (`event.sku`);
- `unsubscribe_url` (email): the customer's signed one-click unsubscribe link.

Sends render strictly: a value the customer lacks is a `RenderError` (the message is recorded
failed with the reason), never an empty gap ("Hello ,"); `| default:` and `{% if %}` still work.
`render_send` adds what the law and the workspace ask of marketing messages
(`runtime.messaging.compliance`), the SMS/LMS choice by carrier bytes, and KakaoTalk's SMS fallback.

A problem a marketer can fix (no email address, a Liquid mistake) raises `RenderError` with a
reason in their words; the caller records the message as failed with it. The Liquid itself, and
the limits every render keeps to (loops, output, time), are `runtime.messaging.templating`'s; a
webhook's URL and JSON body are `runtime.messaging.webhook_content`'s.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from liquid import BoundTemplate

from nodes.kit.channel import Address, ChannelSpec, ContentError, default_channels
from nodes.kit.profile import BUILTIN_FIELDS, Profile
from runtime.messaging.templating import LimitError, RenderError, deadline, parse, render
from runtime.messaging.webhook_content import JsonBody, check_origin, parse_body, url_origin

__all__ = ["CACHE", "LimitError", "RenderError", "TemplateCache", "TemplateLike",
           "customer_attributes_used", "payload_keys_used", "render_message", "render_text",
           "template_variables"]

CACHE_SIZE = 2048
"""Compiled templates kept in memory per process (least recently used are dropped first)."""

TEXT_CACHE_SIZE = 256
"""Parsed texts beside templates (SMS fallback texts on nodes) kept per process."""

Part = BoundTemplate | JsonBody | str | None
"""A compiled part: Liquid, a webhook body, plain text, or nothing (an empty body)."""


class TemplateLike(Protocol):
    """What rendering needs of a template: the `Template` model, or an unsaved preview."""

    id: int | None
    version: int
    channel: str
    subject: str | None
    source: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class _Compiled:
    """One template version, parsed: its parts by name, or the reason it cannot be parsed.

    A part without any Liquid markup is kept as its text: it renders to itself.
    """

    parts: Mapping[str, Part]
    error: RenderError | None = None
    origin: str | None = None
    """A webhook's written-out address (scheme://host[:port]), which rendering must keep."""

    @property
    def is_dynamic(self) -> bool:
        """True when some part needs the customer's variables."""
        return any(_templates(part) for part in self.parts.values())


class TemplateCache:
    """Compiled templates by (id, version, strict), least recently used dropped first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[int, int, bool], _Compiled] = OrderedDict()
        # The web server renders previews from a thread pool; workers are single-threaded.
        self._lock = threading.Lock()

    def compiled(self, template: TemplateLike, *, strict: bool) -> _Compiled:
        """The parsed template, from the cache when this version was parsed before."""
        if template.id is None:  # an unsaved preview has no identity to cache under
            return _compile(template, strict=strict)
        # The content is part of the key: ids alone can repeat (two databases in one process,
        # or SQLite reusing the id of a deleted row), and a stale template must never render.
        key = (template.id, template.version, strict, template.subject, template.source,
               repr(sorted((template.options or {}).items())))
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self.hits += 1
                self._entries.move_to_end(key)
                return found
            self.misses += 1
        compiled = _compile(template, strict=strict)
        with self._lock:
            self._entries[key] = compiled
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return compiled

    def clear(self) -> None:
        """Forget every compiled template and reset the counters."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


CACHE = TemplateCache()
"""The process-wide cache `render_message` uses unless given another."""


def render_message(template: TemplateLike, profile: Profile, payload: Mapping[str, Any], *,
                   strict: bool = True, cache: TemplateCache = CACHE,
                   extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The message content for one customer; raises RenderError with a marketer's reason.

    Strict (the default), a value the customer does not have is an error instead of empty
    text, so "Hello {{ customer.first_name }}," can never go out as "Hello ,". `extra` adds
    variables (e.g. `unsubscribe_url`).
    """
    spec = _channel(template.channel)
    recipient = _recipient(spec, profile)
    compiled = cache.compiled(template, strict=strict)
    if compiled.error is not None:
        raise compiled.error
    variables = ({**template_variables(profile, payload), **(extra or {})}
                 if compiled.is_dynamic else {})
    until = deadline()  # one time budget for all the parts of the message
    rendered = {name: _render_part(name, part, variables, until)
                for name, part in compiled.parts.items()}
    try:
        content = spec.content(recipient, rendered, template)
    except ContentError as error:
        raise RenderError(error.reason, error.part) from None
    if spec.address is Address.URL:  # Liquid filled the path and query only
        check_origin(content["url"], compiled.origin or content["url"])
    if spec.address is Address.DEVICE and (tokens := device_tokens(profile)):
        content["tokens"] = tokens  # for gateways that push to devices (FCM)
    return content


def _render_part(name: str, part: Part, variables: Mapping[str, Any], until: float) -> Any:
    if isinstance(part, BoundTemplate):
        return render(name, part, variables, until)
    if isinstance(part, JsonBody):
        return part.render(variables, until)
    return part


def _templates(part: Part) -> list[BoundTemplate]:
    """The Liquid templates in a compiled part."""
    if isinstance(part, BoundTemplate):
        return [part]
    return list(part.templates()) if isinstance(part, JsonBody) else []


def template_variables(profile: Profile, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The variables a template sees for this customer and entry payload."""
    attributes = dict(profile.attributes)
    # Profile fields win over a custom attribute of the same name: the columns are the record.
    customer = {
        **attributes,
        "external_id": profile.external_id, "email": profile.email, "phone": profile.phone,
        "timezone": profile.timezone, "locale": profile.locale,
        "created_at": profile.created_at, "tags": sorted(profile.tags),
        "attributes": attributes,
    }
    payload = dict(payload)
    return {"customer": customer, "payload": payload, "event": payload}


CUSTOMER_KEYS = BUILTIN_FIELDS | {"tags", "attributes"}
"""Keys of `customer` that every customer has (the rest are custom attributes)."""


def customer_attributes_used(template: TemplateLike) -> dict[str, set[str]]:
    """The custom attributes each part reads ({part: {name, …}}), e.g. `customer.first_name`
    or `customer.attributes.first_name` → first_name. Empty for a template that won't parse."""
    return _variables_used(template, _attribute_of)


def payload_keys_used(template: TemplateLike) -> dict[str, set[str]]:
    """The entry payload keys each part reads ({part: {key, …}}): `event.sku` or `payload.sku`
    → sku. Empty for a template that won't parse."""
    return _variables_used(template, _payload_key_of)


def _variables_used(template: TemplateLike,
                    pick: Callable[[list[object]], str | None]) -> dict[str, set[str]]:
    compiled = _compile(template, strict=True)
    used: dict[str, set[str]] = {}
    for name, part in compiled.parts.items():
        for liquid in _templates(part):
            for segments in liquid.global_variable_segments():
                picked = pick(list(segments))
                if picked is not None:
                    used.setdefault(name, set()).add(picked)
    return used


def _payload_key_of(segments: list[object]) -> str | None:
    if len(segments) < 2 or segments[0] not in ("event", "payload"):
        return None
    return segments[1] if isinstance(segments[1], str) else None


def _attribute_of(segments: list[object]) -> str | None:
    if len(segments) < 2 or segments[0] != "customer":
        return None
    if segments[1] == "attributes":
        return segments[2] if len(segments) > 2 and isinstance(segments[2], str) else None
    key = segments[1]
    return key if isinstance(key, str) and key not in CUSTOMER_KEYS else None


def _channel(value: str) -> ChannelSpec:
    spec = default_channels().get(value)
    if spec is None:
        known = ", ".join(default_channels().keys())
        raise RenderError(f"the template's channel '{value}' is not one Wayline sends on "
                          f"({known}); pick one of those in the template")
    return spec


MISSING_ADDRESS = {
    Address.EMAIL_ADDRESS: ("email", "no email address"),
    Address.PHONE_NUMBER: ("phone", "no phone number"),
}
"""The profile field each kind of address is, and how its absence is said."""


def _recipient(spec: ChannelSpec, profile: Profile) -> str | None:
    if spec.address in MISSING_ADDRESS:
        field, missing = MISSING_ADDRESS[spec.address]
        address = getattr(profile, field)
        if not address:
            raise RenderError(f"customer {profile.external_id} has {missing}; add one to "
                              f"their profile, or filter on {field} before this step")
        return address
    # Push goes to the customer's devices, which the push provider knows by external id.
    return profile.external_id if spec.address is Address.DEVICE else None


PUSH_TOKENS = "push_tokens"
"""The customer attribute the app keeps their device tokens in (a list of strings)."""

MAX_PUSH_TOKENS = 10
"""Device tokens read per customer at most (the attribute's first ones)."""

MAX_TOKEN_LENGTH = 4096
"""The longest device token taken (FCM's are ~160 characters; longer is not a token)."""


def device_tokens(profile: Profile) -> list[str]:
    """The customer's device tokens from their `push_tokens` attribute, bounded; a generic
    push provider knows devices by external id and does not get them."""
    value = profile.attributes.get(PUSH_TOKENS)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    tokens = [token.strip() for token in value
              if isinstance(token, str) and 0 < len(token.strip()) <= MAX_TOKEN_LENGTH]
    return list(dict.fromkeys(tokens))[:MAX_PUSH_TOKENS]


def _compile(template: TemplateLike, *, strict: bool) -> _Compiled:
    try:
        spec = _channel(template.channel)
        _check_shape(template, spec)
        parts = {name: _parse(name, source, strict=strict, autoescape=autoescape)
                 for name, source, autoescape in spec.parts(template)}
        origin = (url_origin(str((template.options or {}).get("url") or ""))
                  if spec.address is Address.URL else None)
    except RenderError as error:
        # Cached too: a broken template fails the same way for every customer, parse it once.
        return _Compiled(parts={}, error=error)
    return _Compiled(parts=parts, origin=origin)


def _check_shape(template: TemplateLike, spec: ChannelSpec) -> None:
    options = template.options or {}
    try:
        spec.compile_check(template)
    except ContentError as error:
        raise RenderError(error.reason, error.part) from None
    for name in ("variables", "data"):
        if not isinstance(options.get(name) or {}, Mapping):
            raise RenderError(f"the template's {name} must be name/value pairs")


def _parse(name: str, source: str, *, strict: bool, autoescape: bool) -> Part:
    # A webhook body is JSON with Liquid values: runtime.messaging.webhook_content.
    if name == "body":
        return parse_body(source, strict=strict)
    return parse(name, source, strict=strict, autoescape=autoescape)


def render_text(name: str, source: str, profile: Profile, payload: Mapping[str, Any]) -> str:
    """One piece of Liquid beside a template (e.g. a node's SMS fallback text), strictly;
    `name` is its key in PART_LABELS, for the reason of a RenderError."""
    parsed = _parsed_text(name, source)
    if isinstance(parsed, RenderError):
        raise parsed
    if isinstance(parsed, str):
        return parsed
    return render(name, parsed, template_variables(profile, payload), deadline())


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _parsed_text(name: str, source: str) -> BoundTemplate | str | RenderError:
    try:
        return parse(name, source, strict=True, autoescape=False)
    except RenderError as error:
        return error
