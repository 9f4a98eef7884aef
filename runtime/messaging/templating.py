"""The Liquid every template is parsed and rendered with, and the limits a render keeps to.

A marketer writes a template once; the server renders it for thousands of customers, and for
previews inside a web request. One careless or hostile template must not hold a worker or a
web thread, so a render may loop at most LOOP_LIMIT times (nested loops multiplied), write at
most OUTPUT_LIMIT bytes per part, keep at most NAMESPACE_LIMIT bytes in `assign`/`capture`
variables, nest CONTEXT_DEPTH_LIMIT deep, and take RENDER_BUDGET seconds for a whole message.

Python cannot stop a thread from outside, so the time budget is kept by the render itself: the
deadline is checked at every loop iteration and every filter call, which is where a render
spends its time, and a long render pauses briefly every few milliseconds so the web server's
other threads are not kept waiting for the interpreter meanwhile. A single filter call cannot
be interrupted, so filters are refused inputs that would make one call long: a sequence of more
than SEQUENCE_LIMIT items (`(1..100000000) | join` costs nothing to write), a number of more
than NUMBER_BITS bits, or a `replace`/`join` whose result would pass OUTPUT_LIMIT. There is no
template loader for customers to use, so `{% include %}` and `{% render %}` are refused when a
template is parsed.

A problem becomes a `RenderError` whose reason names the part and the line, in a marketer's
words; a limit is a `LimitError`, which previews answer 422 with rather than show as one
customer's problem.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from liquid import BoundTemplate, Environment, FalsyStrictUndefined, RenderContext, Undefined
from liquid.builtin.tags.for_tag import ForLoop
from liquid.builtin.tags.tablerow_tag import TableRow
from liquid.exceptions import (
    BlockNestingError,
    ContextDepthError,
    LiquidError,
    LiquidSyntaxError,
    LocalNamespaceLimitError,
    LoopIterationLimitError,
    OutputStreamLimitError,
    ResourceLimitError,
    UndefinedError,
)
from liquid.extra import JSON
from liquid.output import LimitedStringIO
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import TOKEN_EXPRESSION, TOKEN_TAG, Token

log = logging.getLogger("wayline.rendering")

LOOP_LIMIT = 10_000
"""Loop iterations one part of a message may make, nested loops multiplied."""

OUTPUT_LIMIT = 1_000_000
"""Bytes one part of a message may render to (a rich email's HTML is a tenth of it)."""

NAMESPACE_LIMIT = 1_000_000
"""Bytes a template may keep in variables it makes with `assign` and `capture`."""

CONTEXT_DEPTH_LIMIT = 30
"""How deeply loops and blocks may nest while a template renders."""

RENDER_BUDGET = 0.5
"""Seconds all the parts of one message may take to render."""

PAUSE_EVERY, PAUSE = 0.002, 0.0002
"""A render running longer than PAUSE_EVERY seconds sleeps PAUSE seconds each time it has
run that long again, so the web server's other threads get the interpreter (they would
otherwise wait up to 5 ms, Python's switch interval, each time they need it back)."""

SEQUENCE_LIMIT = 100_000
"""Items one filter call may work through (a range or a list)."""

NUMBER_BITS = 256
"""Size of the numbers a filter may compute with (about 77 digits)."""

MARKUP = ("{{", "{%", "{#")
"""What starts Liquid markup; a source without any is plain text."""

PART_LABELS = {
    "subject": "Subject", "text": "Message", "html": "HTML body", "title": "Title",
    "url": "Webhook URL", "body": "Webhook body", "deep_link": "Deep link",
    "fallback": "SMS fallback text",
}
"""How each part of a template is named to a marketer in an error."""

PREFIX_LABELS = {"header:": "Webhook header", "var:": "AlimTalk variable", "data:": "Push data"}
"""How the parts that come in families are named: `header:X-Token` is 'Webhook header X-Token'."""


class RenderError(Exception):
    """A message cannot be rendered for this customer; `reason` says why, for a marketer, and
    `part` which part of the template it is about (a PART_LABELS key), when known."""

    def __init__(self, reason: str, part: str | None = None) -> None:
        self.reason, self.part = reason, part
        super().__init__(reason)


class LimitError(RenderError):
    """The template went past one of the render limits (loops, output, variables, time)."""


class _OutOfTimeError(ResourceLimitError):
    """The render went past its deadline."""


class _TooManyItemsError(ResourceLimitError):
    """A filter was given a sequence past SEQUENCE_LIMIT."""


class _NumberTooBigError(ResourceLimitError):
    """A filter was given a number past NUMBER_BITS."""


# --- the environment ---------------------------------------------------------------------------


class _Context(RenderContext):
    """A render context that keeps the deadline and guards loops and filters."""

    __slots__ = ("deadline", "next_pause")

    def __init__(self, *args: Any, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = time.monotonic() + RENDER_BUDGET if deadline is None else deadline
        self.next_pause = time.monotonic() + PAUSE_EVERY

    def check_time(self) -> None:
        """Stop the render once its deadline has passed; let other threads run meanwhile."""
        now = time.monotonic()
        if now > self.deadline:
            raise _OutOfTimeError("render time budget spent", token=None)
        if now > self.next_pause:
            time.sleep(PAUSE)
            self.next_pause = time.monotonic() + PAUSE_EVERY

    def loop(self, namespace: Mapping[str, object],
             forloop: ForLoop | TableRow) -> AbstractContextManager[RenderContext]:
        """Every iteration of every loop looks at the clock first."""
        forloop.it = self._ticking(forloop.it)
        return super().loop(namespace, forloop)

    def _ticking(self, items: Iterator[Any]) -> Iterator[Any]:
        for item in items:
            self.check_time()
            yield item

    def stopindex(self, key: str, index: int | None = None) -> int:
        """Refuse a loop reaching past LOOP_LIMIT before Liquid lists its items.

        `for … reversed` turns the items into a list before the loop starts (and before the
        loop limit is checked); this hook runs just before, with the index it will reach.
        """
        if index is not None and index > LOOP_LIMIT:
            raise LoopIterationLimitError("loop iteration limit reached", token=None)
        return super().stopindex(key, index)

    def filter(self, name: str, token: Token | None) -> Any:
        """The filter, called only on inputs it can finish quickly."""
        self.check_time()
        function = super().filter(name, token)

        def guarded(left: object, *args: object, **kwargs: object) -> object:
            _check_filter_input(name, left, args, kwargs)
            return function(left, *args, **kwargs)

        return guarded

    def copy(self, *args: Any, **kwargs: Any) -> RenderContext:
        """A copy shares the deadline."""
        copied = super().copy(*args, **kwargs)
        copied.deadline = self.deadline  # type: ignore[attr-defined]
        return copied


class _Template(BoundTemplate):
    context_class = _Context


class _NoTemplates(Tag):
    """`{% include %}` and `{% render %}`: there are no other templates to load."""

    block = False

    def parse(self, stream: TokenStream) -> Any:
        """Refuse the tag where it is written."""
        token = stream.expect(TOKEN_TAG)
        if stream.peek.kind == TOKEN_EXPRESSION:
            next(stream)
        raise LiquidSyntaxError(f"'{token.value}' can't be used, as there are no other "
                                "templates to load (copy their text in)", token=token)


class _Environment(Environment):
    loop_iteration_limit = LOOP_LIMIT
    output_stream_limit = OUTPUT_LIMIT
    local_namespace_limit = NAMESPACE_LIMIT
    context_depth_limit = CONTEXT_DEPTH_LIMIT
    template_class = _Template


def _json_default(value: object) -> object:
    if isinstance(value, Undefined):
        str(value)  # a strict undefined raises its UndefinedError here; a lenient one is null
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


class _StrictUndefined(FalsyStrictUndefined):
    """Strict mode: printing a missing value is an error, `if` and `| default:` still work."""

    force_liquid_default = True


def _environment(*, strict: bool, autoescape: bool) -> Environment:
    undefined: type[Undefined] = _StrictUndefined if strict else Undefined
    environment = _Environment(undefined=undefined, autoescape=autoescape)
    # Webhook bodies are JSON: `{{ customer.name | json }}` quotes and escapes a value safely.
    environment.add_filter("json", JSON(default=_json_default))
    for name in ("include", "render"):
        environment.tags[name] = _NoTemplates(environment)
    return environment


_ENVIRONMENTS = {(strict, autoescape): _environment(strict=strict, autoescape=autoescape)
                 for strict in (False, True) for autoescape in (False, True)}


# --- filters' inputs ---------------------------------------------------------------------------


def _check_filter_input(name: str, left: object, args: tuple[object, ...],
                        kwargs: Mapping[str, object]) -> None:
    for value in (left, *args, *kwargs.values()):
        if isinstance(value, range | list | tuple) and _length(value) > SEQUENCE_LIMIT:
            raise _TooManyItemsError("sequence limit reached", token=None)
        if isinstance(value, int) and value.bit_length() > NUMBER_BITS:
            raise _NumberTooBigError("number size limit reached", token=None)
        if isinstance(value, float) and not math.isfinite(value):
            raise _NumberTooBigError("a number is not finite", token=None)
    if _result_size(name, left, args) > OUTPUT_LIMIT:
        raise OutputStreamLimitError("output stream limit reached", token=None)


def _length(value: range | list | tuple) -> int:
    if isinstance(value, range):  # len() overflows on a range longer than sys.maxsize
        return max(0, (value.stop - value.start) // (value.step or 1))
    return len(value)


def _result_size(name: str, left: object, args: tuple[object, ...]) -> int:
    """How long a `replace` or `join` result would be: the filters that multiply sizes."""
    if name == "replace" and isinstance(left, str) and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        return len(left) + left.count(old) * (len(new) - len(old))
    if name == "join" and isinstance(left, range | list | tuple) and args:
        return max(_length(left) - 1, 0) * len(str(args[0]))
    return 0


# --- parsing and rendering ---------------------------------------------------------------------


def deadline() -> float:
    """When a message starting to render now must be done (time.monotonic)."""
    return time.monotonic() + RENDER_BUDGET


def parse(name: str, source: str, *, strict: bool, autoescape: bool,
          line: int = 1) -> BoundTemplate | str:
    """One part's Liquid, parsed (a source without markup stays text); RenderError if it won't.

    `line` is where the source starts in what the marketer wrote, for the error's line.
    """
    if not any(mark in source for mark in MARKUP):
        return source
    try:
        return _ENVIRONMENTS[strict, autoescape].from_string(source)
    except LiquidError as error:
        raise _render_error(name, error, line) from None


def render(name: str, template: BoundTemplate, variables: Mapping[str, Any], until: float,
           line: int = 1) -> str:
    """One part rendered by the deadline `until`; RenderError (or LimitError) says why not."""
    context = _Context(template, globals=template.make_globals(dict(variables)),
                       deadline=until)
    buffer = LimitedStringIO(limit=OUTPUT_LIMIT)
    try:
        template.render_with_context(context, buffer)
    except LiquidError as error:
        raise _render_error(name, error, line) from None
    except (ArithmeticError, ValueError) as error:  # a filter given inf, NaN or 1e999
        raise RenderError(f"{label(name)}: a number in the template can't be computed with "
                          f"({type(error).__name__}: {str(error)[:80]}); check the values it "
                          "reads, e.g. with `| default: 0`", name) from None
    except Exception as error:  # one customer's message must never stall a whole batch
        log.exception("rendering %s failed unexpectedly", name)
        raise RenderError(f"{label(name)}: the template could not be rendered for this "
                          f"customer ({type(error).__name__}); simplify the part, or report "
                          "it", name) from None
    return buffer.getvalue()


def label(name: str) -> str:
    """A part's name for a marketer: 'Subject', 'Webhook header X-Token', …"""
    for prefix, family in PREFIX_LABELS.items():
        if name.startswith(prefix):
            return f"{family} {name.removeprefix(prefix)}"
    return PART_LABELS[name]


LIMIT_REASONS: dict[type[LiquidError], str] = {
    _OutOfTimeError: f"the template takes longer than {RENDER_BUDGET:g} seconds to render; "
                     "make its loops shorter or simpler",
    LoopIterationLimitError: f"the template loops more than {LOOP_LIMIT:,} times; loop over "
                             "fewer items, e.g. with `limit: 20`",
    _TooManyItemsError: f"the template gives a filter more than {SEQUENCE_LIMIT:,} items at "
                        "once; use a shorter list or range",
    OutputStreamLimitError: f"the template writes more than {OUTPUT_LIMIT:,} bytes; a message "
                            "that long would not be delivered, so shorten it",
    LocalNamespaceLimitError: f"the template's variables (assign, capture) grow past "
                              f"{NAMESPACE_LIMIT:,} bytes; keep them short",
    ContextDepthError: f"the template nests blocks more than {CONTEXT_DEPTH_LIMIT} deep; "
                       "flatten it",
    BlockNestingError: f"the template nests blocks more than {Environment.block_nesting_limit} "
                       "deep; flatten it",
    _NumberTooBigError: f"the template computes with numbers longer than {NUMBER_BITS} bits (about "
                   f"{int(NUMBER_BITS * 0.30103)} digits); keep numbers smaller",
    ResourceLimitError: "the template goes past a render limit; simplify it",
}
"""What each limit means to a marketer, most specific error class first."""


def _render_error(name: str, error: LiquidError, line: int) -> RenderError:
    """'Subject, line 1: customer.first_name is undefined …' rather than a traceback."""
    where = label(name)
    token = error.token
    if token is not None and token.source:
        where += f", line {token.source.count(chr(10), 0, token.start_index) + line}"
    elif line > 1:
        where += f", line {line}"
    for kind, reason in LIMIT_REASONS.items():
        if isinstance(error, kind):
            return LimitError(f"{where}: {reason}", name)
    if isinstance(error, UndefinedError):
        missing = error.message.removesuffix(" is undefined").strip("'")
        return RenderError(f"{where}: this customer has no {missing}; give it a fallback, e.g. "
                           f'{{{{ {missing} | default: "…" }}}}, or send only to customers who '
                           "have it", name)
    return RenderError(f"{where}: {error.message}; fix the template", name)
