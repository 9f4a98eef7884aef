"""Opens and clicks coming back from emails: check the signed token, record, redirect.

A token that is malformed or whose signature does not match is "not found" (404): Wayline never
redirects to an address it did not sign, and never records engagement it cannot vouch for.
A valid click goes on to its address even when its message is gone (the journey was deleted);
nothing is recorded then.
"""

from __future__ import annotations

from functools import lru_cache

from runtime.errors import NotFoundError
from runtime.messaging.tracking import Tracked, Tracker, record_engagement, tracker_for
from runtime.settings import Settings
from server.context import Wayline

PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c000000000100"
                      "01000002024401003b")
"""A transparent 1×1 GIF (43 bytes)."""


@lru_cache(maxsize=8)
def _tracker(settings: Settings) -> Tracker:
    """The tracker for these settings; reads the key file once per process."""
    return tracker_for(settings)


def _tracked(wl: Wayline, token: str, kind: str) -> Tracked:
    tracked = _tracker(wl.settings).read(token)
    if tracked is None or tracked.kind != kind:
        raise NotFoundError("tracking link", token[:40])
    return tracked


def record_open(wl: Wayline, token: str) -> bytes:
    """Record that an email was opened (the first time counts); the pixel to answer with."""
    tracked = _tracked(wl, token, "o")
    _record(wl, tracked)
    return PIXEL


def follow_click(wl: Wayline, token: str) -> str:
    """Record a click on a tracked link; the address it stands for."""
    tracked = _tracked(wl, token, "c")
    _record(wl, tracked)
    assert tracked.url is not None  # a click token always carries its address
    return tracked.url


def _record(wl: Wayline, tracked: Tracked) -> None:
    now = wl.now()
    with wl.writing() as session:
        result = record_engagement(session, tracked, now)
    if result is not None:
        wl.move_now(result.runs_to_dispatch)
