"""What the canvas's pickers know about the workspace's data, and the warnings drawn from it.

`discover_data` gives the attributes customers have and the events that arrived
(`runtime.customers.discovery`), remembered for `CACHE_SECONDS` per process and database so an
editor reloading its pickers every few seconds reads a big workspace once a minute. Sample
values that are contact data (emails, phone numbers) are masked for roles without
`contacts.read`, as `server.security.masking` masks them everywhere. `data_warnings` checks a
journey document's attribute and event names against the data (`builder.validation`'s
`unknown_names` hook): the canvas shows them as warnings on the step and at the field.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from msgspec.structs import replace

from builder.validation import Issue, data_issues
from runtime.customers.discovery import CUT, Discovery, discover, known_in, unknown_names
from server.context import Wayline
from server.security.masking import mask_email, mask_phone

CACHE_SECONDS = 60.0
"""How long one process reuses what it discovered (new attributes show up within a minute)."""

CACHE_ENTRIES = 2_000
"""The most answers one process remembers (the oldest go first)."""

CHECKED_NAMES = 50
"""The most unseen names one check asks the database about (each may read a whole table);
a journey naming more gets warnings for the first ones, the rest next time they are checked."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s\-()]{7,}$")
T = TypeVar("T")
_cache: OrderedDict[tuple[str, ...], tuple[float, Any]] = OrderedDict()
_lock = threading.Lock()


def discover_data(wl: Wayline, contacts: bool) -> Discovery:
    """The workspace's attributes and events; contact data in samples masked unless
    `contacts` (the role may read contact data)."""
    found = _discovered(wl)
    return found if contacts else masked(found)


def _discovered(wl: Wayline) -> Discovery:
    def read() -> Discovery:
        with wl.reading() as session:
            return discover(session, wl.now())
    return _remembered((str(wl.runtime.engine.url), "discovery"), read)


def _remembered(key: tuple[str, ...], read: Callable[[], T]) -> T:
    """What `read` answered for `key` less than `CACHE_SECONDS` ago, else its answer now."""
    with _lock:
        held = _cache.get(key)
    if held is not None and time.monotonic() - held[0] < CACHE_SECONDS:
        return held[1]
    found = read()
    with _lock:
        _cache[key] = (time.monotonic(), found)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return found


def forget() -> None:
    """Drop what this process discovered (the next call reads the data again)."""
    with _lock:
        _cache.clear()


def masked(found: Discovery) -> Discovery:
    """`found` with every email or phone number among the sample values masked."""
    return replace(found, attributes=[
        replace(fact, samples=[mask_value(value) for value in fact.samples])
        for fact in found.attributes])


def mask_value(value: Any) -> Any:
    """An email or phone number masked (`m•••@example.kr`, `+82•••••5678`), a cut text
    hidden (it may be either); others as given."""
    if not isinstance(value, str):
        return value
    if value.endswith(CUT):  # cut text may have lost the shape that would mask it
        return CUT
    if _EMAIL.match(value):
        return mask_email(value)
    if _PHONE.match(value):
        return mask_phone(value)
    return value


def data_warnings(wl: Wayline, document: Any) -> list[Issue]:
    """Warnings for the attributes no customer has and the events that never arrived, named
    by a journey document's rules, entry, waits, goal and exit criteria."""
    seen = known_in(_discovered(wl))
    url = str(wl.runtime.engine.url)

    def unknown(attributes: Collection[str], events: Collection[str]) -> tuple[set, set]:
        # Names the sample saw exist; only the others are asked of the database, exactly
        # (each answer remembered a minute: asking about a name nothing has reads a lot).
        def missing(kind: str, name: str) -> bool:
            def ask() -> bool:
                with wl.reading() as session:
                    found = unknown_names(session, *(([name], []) if kind == "attribute"
                                                     else ([], [name])))
                return name in found[0] or name in found[1]
            return _remembered((url, kind, name), ask)
        unseen = [("attribute", name) for name in sorted(set(attributes) - seen["attributes"])]
        unseen += [("event", name) for name in sorted(set(events) - seen["events"])]
        gone = [(kind, name) for kind, name in unseen[:CHECKED_NAMES] if missing(kind, name)]
        return ({name for kind, name in gone if kind == "attribute"},
                {name for kind, name in gone if kind == "event"})

    return data_issues(document, wl.registry, unknown)
