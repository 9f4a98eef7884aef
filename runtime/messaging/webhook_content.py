"""Webhook templates: a URL whose address is written out, and a JSON body built as data.

The URL: Liquid may fill the path and query (`https://crm.example.com/customers/{{
customer.external_id }}`), never the scheme or the host, so no customer attribute can choose
which server Wayline calls. `url_origin` finds the written-out address when the template is
compiled (a URL with Liquid before its address ends is refused when the template is saved), and
`check_origin` checks that the rendered URL still has it. `address_problem` refuses, when a
template is saved, an address written as an internal one (`runtime.outbound` checks every
address again at each send).

The body is a JSON document whose quoted strings may contain Liquid. Each string is rendered on
its own and goes in as a JSON string, so a customer attribute such as `x", "admin": true` stays
a string and can never add keys or change the body's shape. A quoted value is always a string
(`"{{ customer.points }}"` → "1200"). Liquid written outside quotes as a whole value —
`{"points": {{ customer.points }}}`, or the older `{{ customer.name | json }}` — becomes the
value with its own type (number, true/false, list, object or null), so bodies written before
this change keep rendering as they did. Tags outside quotes (`{% if %}`) would change the
structure and are refused, with the line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from liquid import BoundTemplate

from runtime.messaging.templating import MARKUP, RenderError, parse, render
from runtime.outbound import AllowList, host_refusal

CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
"""How each kind of Liquid markup ends."""

SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*)://")
AUTHORITY_END = re.compile(r"[/?#]")
QUOTE_OR_BRACE = re.compile(r'["{]')
ENDS_WITH_JSON = re.compile(r"\|\s*json\s*(:[^|]*)?$")
"""An output expression whose last filter is `json` already."""

HOW_TO_WRITE = ('write it as JSON with Liquid inside quoted values or as a whole value, e.g. '
                '{"name": "{{ customer.first_name }}", "points": {{ customer.points }}}')


# --- the URL -----------------------------------------------------------------------------------


def url_origin(source: str) -> str:
    """The address a URL template writes out (scheme://host[:port]); RenderError when Liquid
    would choose any of it, or when it is not an http:// or https:// address."""
    cut = min((found for found in (source.find(mark) for mark in MARKUP) if found >= 0),
              default=len(source))
    written, has_liquid = source[:cut], cut < len(source)
    scheme = SCHEME.match(written)
    if scheme is None:
        if has_liquid and ("://" in source or not written.strip()):
            raise _liquid_in_address(source)
        raise _not_http(source)
    if scheme.group(1).lower() not in ("http", "https"):
        raise _not_http(source)
    end = AUTHORITY_END.search(written, scheme.end())
    if end is None and has_liquid:
        raise _liquid_in_address(source)
    origin = written[:end.start() if end else len(written)].strip()
    if "\\" in origin or any(char.isspace() for char in origin):
        raise RenderError(f"Webhook URL: the address '{origin}' has a space or a backslash in "
                          "it; write it as https://crm.example.com/…", "url")
    try:
        if not httpx.URL(origin).host:
            raise httpx.InvalidURL("no host")
    except (httpx.InvalidURL, UnicodeError) as error:  # UnicodeError: a bad IDNA name
        raise RenderError(f"Webhook URL: '{origin}' is not an address Wayline can call "
                          f"({error}); write it as https://crm.example.com/…", "url") from None
    return origin


def address_problem(source: str, allow: AllowList) -> str | None:
    """Why the address a URL template writes out may not be called, judged without a lookup
    (names are checked at every send, since their addresses change); None when it may be, or
    when the URL has a problem of its own (reported as such)."""
    try:
        host = httpx.URL(url_origin(source)).host
    except RenderError:
        return None
    refused = host_refusal(host, allow)
    return (f"Webhook URL: {refused}, so Wayline won't call it; use the endpoint's public "
            "address, or ask an admin to add it to WAYLINE_WEBHOOK_ALLOW") if refused else None


def check_origin(url: str, origin: str) -> None:
    """RenderError unless the rendered URL calls the address its template wrote out."""
    expected = httpx.URL(origin)
    try:
        rendered = httpx.URL(url)
        rendered.host  # noqa: B018 - decoding the host is where a bad IDNA name fails
    except (httpx.InvalidURL, UnicodeError) as error:
        raise RenderError(f"Webhook URL: for this customer it is not a valid address ({error}); "
                          "check the values the path and query use", "url") from None
    if (rendered.scheme, rendered.host, rendered.port) != (
            expected.scheme, expected.host, expected.port):
        raise RenderError(f"Webhook URL: for this customer it would call {rendered.host} instead "
                          f"of {expected.host}; Liquid may fill only the path and query", "url")


def _liquid_in_address(source: str) -> RenderError:
    return RenderError(f"Webhook URL: Liquid may fill the path and query, never the scheme or "
                       f"the host ('{source.strip()}'); write the address out, e.g. "
                       "https://crm.example.com/customers/{{ customer.external_id }}", "url")


def _not_http(source: str) -> RenderError:
    return RenderError(f"the webhook URL '{source.strip()}' is not an http:// or https:// "
                       "address; fix it in the template settings", "url")


# --- the body ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One Liquid value of the body: rendered as a string, or (`typed`) as the JSON value of
    its one output; `line` is where it starts in the body."""

    template: BoundTemplate
    line: int
    typed: bool

    def fill(self, variables: Mapping[str, Any], until: float) -> Any:
        """The value for these variables."""
        text = render("body", self.template, variables, until, self.line)
        if not self.typed:
            return text
        try:
            return json.loads(text)
        except ValueError:
            raise RenderError(f"Webhook body, line {self.line}: this value is not JSON for this "
                              "customer; end it with | json", "body") from None


@dataclass(frozen=True)
class JsonBody:
    """A webhook body: its JSON shape, with a `Slot` wherever Liquid fills a value in."""

    shape: Any

    def templates(self) -> Iterator[BoundTemplate]:
        """Every Liquid template in the body."""
        yield from (slot.template for slot in _slots(self.shape))

    def render(self, variables: Mapping[str, Any], until: float) -> Any:
        """The body as data for these variables (each value rendered on its own)."""
        return _fill(self.shape, variables, until)


def parse_body(source: str, *, strict: bool) -> JsonBody | None:
    """The body template, parsed; None when it is empty, RenderError when it is not JSON."""
    if not source.strip():
        return None
    text, pieces = _scan(source)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise RenderError(f"Webhook body, line {error.lineno}: the body is not valid JSON "
                          f"({error.msg}); {HOW_TO_WRITE}", "body") from None
    parsed = [_piece(kind, liquid, line, strict) for kind, liquid, line in pieces]
    return JsonBody(_shape(raw, parsed))


def _slots(value: Any) -> Iterator[Slot]:
    if isinstance(value, Slot):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _slots(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _slots(inner)


def _fill(value: Any, variables: Mapping[str, Any], until: float) -> Any:
    if isinstance(value, Slot):
        return value.fill(variables, until)
    if isinstance(value, dict):
        return {key: _fill(inner, variables, until) for key, inner in value.items()}
    if isinstance(value, list):
        return [_fill(inner, variables, until) for inner in value]
    return value


def _shape(value: Any, pieces: list[str | Slot]) -> Any:
    """The decoded JSON with each placeholder replaced by its string or Slot."""
    if isinstance(value, dict):
        return {_key(key, pieces): _shape(inner, pieces) for key, inner in value.items()}
    if isinstance(value, list):
        return [_shape(inner, pieces) for inner in value]
    if isinstance(value, str):
        return pieces[int(value)]
    return value


def _key(placeholder: str, pieces: list[str | Slot]) -> str:
    key = pieces[int(placeholder)]
    if isinstance(key, Slot):
        raise RenderError(f"Webhook body, line {key.line}: a key uses Liquid; keys are written "
                          "out, only values can be filled in", "body")
    return key


def _piece(kind: str, liquid: str, line: int, strict: bool) -> str | Slot:
    if kind == "value":
        inner = liquid[2:-2]
        inner = inner[1:] if inner.startswith("-") else inner  # {{- … -}} whitespace control
        inner = (inner[:-1] if inner.endswith("-") else inner).strip()
        if not ENDS_WITH_JSON.search(inner):
            inner += " | json"
        liquid = f"{{{{ {inner} }}}}"
    parsed = parse("body", liquid, strict=strict, autoescape=False, line=line)
    if isinstance(parsed, str):
        return parsed
    return Slot(parsed, line, typed=kind == "value")


def _scan(source: str) -> tuple[str, list[tuple[str, str, int]]]:
    """The body with every quoted string and every `{{ }}` outside quotes replaced by a
    placeholder string "N", and what each placeholder stands for: ("string", its Liquid source
    with JSON escapes undone, line) or ("value", the markup, line). Lines stay where they were,
    so JSON errors point at the marketer's line."""
    out: list[str] = []
    pieces: list[tuple[str, str, int]] = []
    index = 0
    while True:
        found = QUOTE_OR_BRACE.search(source, index)
        if found is None:
            out.append(source[index:])
            return "".join(out), pieces
        start = found.start()
        out.append(source[index:start])
        line = source.count("\n", 0, start) + 1
        if source[start] == '"':
            end, liquid = _string(source, start, line)
            pieces.append(("string", liquid, line))
        elif source.startswith(MARKUP, start):
            if not source.startswith("{{", start):
                raise RenderError(f"Webhook body, line {line}: Liquid tags can only be used "
                                  'inside a quoted value, e.g. "vip": "{% if customer.vip %}yes'
                                  '{% else %}no{% endif %}"', "body")
            end = _markup_end(source, start, line)
            pieces.append(("value", source[start:end], line))
        else:
            out.append("{")
            index = start + 1
            continue
        out.append(f'"{len(pieces) - 1}"' + "\n" * source.count("\n", start, end))
        index = end


def _string(source: str, start: int, line: int) -> tuple[int, str]:
    """Where the JSON string starting at `start` ends, and its content as Liquid source."""
    liquid: list[str] = []
    literal: list[str] = []
    index = start + 1
    while index < len(source):
        if source.startswith(MARKUP, index):  # markup may hold quotes: it is kept whole
            liquid.append(_unescape(literal, line))
            end = _markup_end(source, index, line)
            liquid.append(source[index:end])
            literal, index = [], end
        elif source[index] == "\\":
            literal.append(source[index:index + 2])
            index += 2
        elif source[index] == '"':
            liquid.append(_unescape(literal, line))
            return index + 1, "".join(liquid)
        else:
            literal.append(source[index])
            index += 1
    raise RenderError(f"Webhook body, line {line}: a quoted value is never closed; end it with "
                      '"', "body")


def _unescape(literal: list[str], line: int) -> str:
    try:
        return json.loads('"' + "".join(literal) + '"')
    except json.JSONDecodeError as error:
        raise RenderError(f"Webhook body, line {line}: a quoted value is not valid JSON "
                          f"({error.msg}); write a line break as \\n and a quote as \\\"",
                          "body") from None


def _markup_end(source: str, start: int, line: int) -> int:
    closer = CLOSERS[source[start:start + 2]]
    end = source.find(closer, start + 2)
    if end < 0:
        raise RenderError(f"Webhook body, line {line}: '{source[start:start + 2]}' is never "
                          f"closed with '{closer}'", "body")
    return end + 2
