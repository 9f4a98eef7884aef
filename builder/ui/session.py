"""Whether the page's session still lasts, noticed wherever it is found out.

The server checks every call a page makes: once the session is over (idle too long, past its
lifetime, signed out elsewhere, the person disabled) a call raises UiError "signed_out". Each
socket's services are wrapped in a `SessionGuard`, which notes that whichever component made
the call; `use_session_ended` (the app bar's, the editor's) sees the note within a second and
meanwhile asks `session_alive` every SESSION_POLL_SECONDS, so a page that makes no calls of its
own notices too. The page then sends the browser to sign in and back (`signed_out.BackToSignIn`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from typing import Any

from reactpy import use_async_effect, use_state

from builder.ui.services import UiError, UiServices

SESSION_POLL_SECONDS = 30.0
"""How often an open page asks the server whether its session still lasts."""

NOTICE_SECONDS = 1.0
"""How soon a page notices that one of its calls found the session over."""


class SessionGuard:
    """A socket's UI services, unchanged, except that a call answering "signed_out" is noted
    (`ended`) before the error goes on to the caller."""

    def __init__(self, services: UiServices) -> None:
        self._services = services
        self.ended = False

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._services, name)
        if not inspect.ismethod(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return value(*args, **kwargs)
            except UiError as error:
                if is_signed_out(error):
                    self.ended = True
                raise

        return call


def is_signed_out(error: UiError) -> bool:
    """True when the call failed because the session is over."""
    return error.kind == "signed_out"


def ends_polling(error: UiError) -> bool:
    """True when a page's polling should stop for good (the session is over, or the role
    no longer allows the call); an outage or a missing row is tried again next round."""
    return error.kind in ("signed_out", "forbidden")


def has_ended(services: UiServices) -> bool:
    """True once a call through these services found the session over."""
    return bool(getattr(services, "ended", False))


def use_session_ended(services: UiServices) -> bool:
    """True once this page's session is over (a hook: the page then goes to sign in)."""
    ended, set_ended = use_state(False)

    @use_async_effect(dependencies=[])
    async def watch() -> None:
        waited = 0.0
        while not has_ended(services):
            await asyncio.sleep(NOTICE_SECONDS)
            waited += NOTICE_SECONDS
            if waited >= SESSION_POLL_SECONDS:
                waited = 0.0
                # A signed_out answer is noted by the guard; anything else: ask again later.
                with contextlib.suppress(UiError):
                    await asyncio.to_thread(services.session_alive)
        set_ended(True)

    return ended
