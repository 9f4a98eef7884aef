"""How a canvas call is made: checked against the permission table, errors turned into the
UI's `UiError`, results into plain data. Shared by every group of calls (`server.ui_services`,
`server.ui_team_calls`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from builder.ui.services import UiError
from runtime.errors import InvalidInputError, NotFoundError, WaylineError, WrongStateError
from server.errors import as_issue, asks_too_much, is_outage, outage_message
from server.security.permissions import UI_CALLS

T = TypeVar("T")


def ui_call(function: Callable[..., T]) -> Callable[..., T]:
    """A canvas call: refused unless the permission table lets the signed-in person make it
    (and their session is still on); domain errors → UiError (the UI shows the message, and
    the issues on their nodes)."""
    action = UI_CALLS[function.__name__]  # a call missing from the table fails at import

    @functools.wraps(function)
    def call(self: Any, *args: Any, **kwargs: Any) -> T:
        self.check(action)
        try:
            return function(self, *args, **kwargs)
        except NotFoundError as error:
            raise UiError("not_found", error.message) from None
        except WrongStateError as error:
            raise UiError("wrong_state", error.message, issues_data(error.issues)) from None
        except InvalidInputError as error:
            raise UiError("invalid", error.message, issues_data(error.issues)) from None
        except WaylineError as error:
            raise UiError("invalid", error.message) from None
        except Exception as error:
            if asks_too_much(error):
                raise UiError("invalid", "This asks the database for too much: make the rule "
                              "simpler (fewer conditions on what customers did, shorter "
                              "lists), or save parts of it as segments.") from None
            if not is_outage(error):
                raise
            raise UiError("unavailable", outage_message(error)) from None

    return call


def issues_data(issues: list[Any]) -> list[dict[str, Any]]:
    """Issues as plain data for the UI."""
    return [msgspec.to_builtins(as_issue(issue)) for issue in issues]


def plain(value: Any) -> Any:
    """A result as plain JSON-like data for the UI."""
    return msgspec.to_builtins(value)


def convert(data: dict[str, Any], kind: type[T], what: str = "preview request") -> T:
    """Data from a page as a request struct; what is wrong with it as a UiError."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as error:
        raise UiError("invalid", f"The {what} is not valid: {error}.") from None
