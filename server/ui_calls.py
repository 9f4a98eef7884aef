"""How the canvas's calls are made: declared in a table, built into the object the UI gets.

The UI declares what it needs as a protocol (`builder.ui.services.UiServices`); the server
answers with a table, one entry per call (`server.ui_services.CALLS`): either a `Call` — the
application service it forwards to, whether that service takes the acting person (for the
audit trail), how the call's arguments become the service's request struct, and how the answer
becomes plain data — or a `Do`, a small function for a call that does more than forward.
`build_services` turns the table into a class with one method per call, each with the
protocol's signature and docstring, which on every call:

1. checks the permission table (`UI_CALLS`) against the person's role *as it is now* and that
   their session is still on (`Acting.check`), so a demoted person's open page loses the call
   at once;
2. runs the entry;
3. turns domain errors into the UI's `UiError` (the UI shows the message, and the issues on
   their nodes).

A call missing from the table, the protocol or `UI_CALLS`, or an entry whose parameters don't
fit the protocol's, fails at import, naming it.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec

from builder.i18n import N_
from builder.ui.services import UiError, UiServices
from runtime.errors import (
    InvalidInputError,
    NotFoundError,
    ProviderUnavailableError,
    WaylineError,
    WrongStateError,
)
from runtime.store.audit import Actor
from server.context import Wayline
from server.errors import as_issue, asks_too_much, is_outage, outage_message
from server.security.permissions import UI_CALLS, may
from server.security.principal import Principal
from server.security.sessions import SessionPolicy, live_session, user_principal

T = TypeVar("T")

NOT_CALLS = ("may", "registry", "timezone")
"""What the protocol declares that is not a call: the role check without I/O, and data."""


def plain(value: Any) -> Any:
    """A result as plain JSON-like data for the UI."""
    return msgspec.to_builtins(value)


def items(page: Any) -> Any:
    """A page's items as plain data (the UI lists them all)."""
    return plain(page.items)


def convert(data: Any, kind: type[T], what: str = "preview request") -> T:
    """Data from a page as a request struct; what is wrong with it as a UiError, with the
    field it is in as its issue (an empty one: "is required")."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as error:
        said, _at, path = str(error).partition(" - at `$")
        field = path.rstrip("`").lstrip(".")
        missing = _MISSING.match(said)
        if missing:  # msgspec names the object; the field is the one it lacks
            field = f"{field}.{missing[1]}" if field else missing[1]
        message = REQUIRED if field and (missing or _blank(data, field)) else said
        raise UiError("invalid", f"The {what} is not valid: {error}.",
                      [{"code": "request.invalid", "field": field or None,
                        "message": message}]) from None


def _blank(data: Any, path: str) -> bool:
    """Whether the value at `path` ("stages[1].rule.event") is missing, empty or blank."""
    value = data
    for name, index in _STEPS.findall(path):
        try:
            value = value[int(index)] if index else value.get(name)
        except (AttributeError, IndexError, KeyError, TypeError):
            return True
    return value is None or (isinstance(value, str) and not value.strip())


_STEPS = re.compile(r"(\w+)|\[(\d+)\]")
_MISSING = re.compile(r"Object missing required field `(\w+)`")

REQUIRED = N_("is required")
"""What a page's field left empty is told (its page says it in its language)."""


class Acting:
    """The person a page's socket acts for: every call is checked against the permission
    table with their role as it is at call time; services that change things get `actor`."""

    def __init__(self, wl: Wayline, principal: Principal) -> None:
        self.wl = wl
        self.principal = principal
        self.registry = wl.registry
        self.timezone = wl.settings.timezone
        self.policy = SessionPolicy.from_settings(wl.settings)

    @property
    def actor(self) -> Actor:
        """Who the audit trail names for a change made through this socket."""
        return self.principal.actor

    def may(self, action: str) -> bool:
        """True when the signed-in person may do `action` (the UI hides what they can't)."""
        return may(self.principal, action)

    def check(self, action: str) -> None:
        """Refuse a call the person may not make now (their role as it is now, not as it was
        when the page opened), or made after their session ended."""
        found = None if self.principal.session_id is None else live_session(
            self.wl.reading, self.wl.writing, self.principal.session_id, self.wl.now(),
            self.policy, used=False)  # the socket counts the person's own actions
        if found is None:
            raise UiError("signed_out", "Your session has ended: sign in again.")
        row, user = found
        self.principal = user_principal(user, row, self.principal.actor.ip)
        if not self.may(action):
            raise UiError("forbidden", "Your role can't do this; ask an admin.")


@dataclass(frozen=True)
class Call:
    """A call that forwards to an application service: `service(wl, [actor,] *arguments,
    **options)`, its answer through `answer`.

    The call's arguments reach the service as they are, except that
    - `request`: the arguments after the first `keep` are gathered by name (the protocol's
      parameter names) into this request struct;
    - `data`: the last argument is this request struct's data.
    A struct that doesn't fit is refused as invalid, naming `what`.
    """

    service: Callable[..., Any]
    acts: bool = False
    request: type | None = None
    keep: int = 0
    data: type | None = None
    what: str = "request"
    options: Mapping[str, Any] = field(default_factory=dict)
    answer: Callable[[Any], Any] = plain

    def __call__(self, me: Acting, names: list[str], arguments: list[Any]) -> Any:
        given = list(arguments)
        if self.request is not None:
            fields = dict(zip(names[self.keep:], given[self.keep:], strict=True))
            given = [*given[:self.keep], convert(fields, self.request, self.what)]
        elif self.data is not None:
            given[-1] = convert(given[-1], self.data, self.what)
        head = (me.wl, me.actor) if self.acts else (me.wl,)
        return self.answer(self.service(*head, *given, **self.options))


@dataclass(frozen=True)
class Do:
    """A call that does more than forward: `function(me, *arguments)`, answering plain data."""

    function: Callable[..., Any]

    def __call__(self, me: Acting, names: list[str], arguments: list[Any]) -> Any:
        return self.function(me, *arguments)


Entry = Call | Do


@contextmanager
def ui_errors() -> Iterator[None]:
    """Domain errors as the UI's UiError; an outage as `unavailable`."""
    try:
        yield
    except NotFoundError as error:
        raise UiError("not_found", error.message) from None
    except WrongStateError as error:
        raise UiError("wrong_state", error.message, issues_data(error.issues)) from None
    except InvalidInputError as error:
        raise UiError("invalid", error.message, issues_data(error.issues)) from None
    except ProviderUnavailableError as error:
        raise UiError("unavailable", error.message) from None
    except WaylineError as error:
        raise UiError("invalid", error.message) from None
    except Exception as error:
        if asks_too_much(error):
            raise UiError("invalid", "This asks the database for too much: make the rule "
                          "simpler (fewer conditions on what customers did, shorter lists), "
                          "or save parts of it as segments.") from None
        if not is_outage(error):
            raise
        raise UiError("unavailable", outage_message(error)) from None


def issues_data(issues: list[Any]) -> list[dict[str, Any]]:
    """Issues as plain data for the UI."""
    return [msgspec.to_builtins(as_issue(issue)) for issue in issues]


def build_services(name: str, table: Mapping[str, Entry]) -> type[Acting]:
    """A class over `Acting` with one checked method per entry of `table` (see the module's
    docstring); raises TypeError, naming them, when the table, the protocol and the
    permission table don't list the same calls."""
    declared = {call for call in vars(UiServices) if not call.startswith("_")
                and callable(getattr(UiServices, call)) and call not in NOT_CALLS}
    differ = {"missing from the table": declared - set(table),
              "not in the UiServices protocol": set(table) - declared,
              "missing from UI_CALLS": set(table) - set(UI_CALLS),
              "in UI_CALLS but not in the table": set(UI_CALLS) - set(table)}
    wrong = "; ".join(f"{what}: {', '.join(sorted(calls))}"
                      for what, calls in differ.items() if calls)
    if wrong:
        raise TypeError(f"{name}: the canvas's calls disagree ({wrong})")
    methods = {call: _method(call, entry) for call, entry in table.items()}
    return type(name, (Acting,), {"__doc__": UiServices.__doc__, **methods})


def _method(call: str, entry: Entry) -> Callable[..., Any]:
    """The method for one call: checked, run, its domain errors turned into UiErrors."""
    action = UI_CALLS[call]
    declared = getattr(UiServices, call)
    signature = inspect.signature(declared)
    names = list(signature.parameters)[1:]
    if isinstance(entry, Do):
        _fits(call, names, list(inspect.signature(entry.function).parameters)[1:])

    @functools.wraps(declared)
    def method(self: Acting, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        self.check(action)
        with ui_errors():
            return entry(self, names, list(bound.args[1:]))

    return method


def _fits(call: str, names: list[str], takes: list[str]) -> None:
    if names != takes:
        raise TypeError(f"{call}: its function takes {takes}, the protocol gives {names}")
