"""Webhook: an HTTP call to the URL the template names, with a JSON body of Liquid values.

No customer address: the template's URL is where it goes. The address written out in the
template (scheme, host, port) is kept; Liquid may fill in only the path and query
(`runtime.messaging.webhook_content` checks that, and refuses internal addresses).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec

from nodes.kit.channel import (
    LIQUID_HELP,
    Address,
    ChannelSpec,
    ContentError,
    PairValue,
    Part,
    Problem,
    TemplateShape,
    Transport,
    prefixed,
)
from nodes.kit.hints import hint


class Method(StrEnum):
    """HTTP methods a webhook template may use."""

    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"


METHODS = tuple(Method)

HeaderName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")]


class Fields(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A webhook template: URL, method, headers, JSON body."""

    url: Annotated[str, hint("URL", order=1, max_length=2000,
                             extra={"placeholder": "https://…"})]
    method: Annotated[Method, hint("Method", order=2)] = Method.POST
    headers: Annotated[dict[HeaderName, PairValue], hint(
        "Headers", order=3, widget="pairs", extra={"rows": 3, "separator": ": "}, max_length=50,
        description="One per line: Name: value. The message id goes in Idempotency-Key.")] = {}
    source: Annotated[str, hint("JSON body", order=4, widget="textarea", description=LIQUID_HELP,
                                extra={"rows": 8, "json": True})] = ""


def parts(template: TemplateShape) -> Iterator[Part]:
    """The URL, each header (`header:<name>`), and the JSON body."""
    options = template.options or {}
    yield "url", str(options.get("url") or ""), False
    for header, value in (options.get("headers") or {}).items():
        yield f"header:{header}", str(value), False
    yield "body", template.source, False


def content(to: str | None, rendered: Mapping[str, Any], template: TemplateShape) -> dict[str, Any]:
    """The call: URL (http or https), method, headers, body."""
    url = rendered["url"].strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ContentError(f"the webhook URL '{url}' is not an http:// or https:// address; "
                           "fix it in the template settings", "url")
    headers = {name: value.strip() for name, value in prefixed(rendered, "header:").items()}
    method = str((template.options or {}).get("method") or "POST").upper()
    return {"url": url, "method": method, "headers": headers, "body": rendered["body"]}


def check(template: TemplateShape) -> list[Problem]:
    """No subject; a URL."""
    problems = []
    if template.subject is not None:
        problems.append(Problem("subject", "Webhook messages have no subject; remove it"))
    if not str((template.options or {}).get("url") or "").strip():
        problems.append(Problem("options.url",
                                "A webhook needs the URL to call; set options.url"))
    return problems


def compile_check(template: TemplateShape) -> None:
    """A URL, a supported method, headers as name/value pairs."""
    options = template.options or {}
    if not str(options.get("url") or "").strip():
        raise ContentError("the webhook template has no URL; set it in the template settings")
    method = str(options.get("method") or "POST").upper()
    if method not in METHODS:
        raise ContentError(f"the webhook method '{method}' is not supported; "
                           f"use {' or '.join(METHODS)}")
    if not isinstance(options.get("headers") or {}, Mapping):
        raise ContentError("the webhook headers must be name/value pairs")


def mark_test(message: dict[str, Any]) -> dict[str, Any]:
    """An X-Wayline-Test header (the call goes to its own URL, not to a person)."""
    return {**message, "headers": {**dict(message.get("headers") or {}), "X-Wayline-Test": "1"}}


CHANNEL = ChannelSpec(
    key="webhook", order=5, label="Webhook", name="Webhook", noun="webhook",
    icon="webhook", color="#475569",
    fields=Fields,
    example=Fields(url="https://example.com/hooks/{{ customer.external_id }}",
                   headers={"X-Token": "secret"},
                   source='{"customer": "{{ customer.external_id }}"}'),
    address=Address.URL, transport=Transport.CALL,
    parts=parts, content=content, check=check, compile_check=compile_check,
    receipts=False, mark_test=mark_test,
)
