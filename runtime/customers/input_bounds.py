"""How big what customers send may be: attributes, event properties and entry payloads, and the
times events carry.

Every profile is read whole for each step a customer takes, and every event each time a rule
counts it, so one oversized object slows every journey it passes through; a value nested
thousands deep crashes whatever recurses into it. `value_problems` checks an object against the
bounds below without recursion and names every field that breaks one; `parse_instant` reads a
time customers send, which must say its offset and fall in a believable range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from runtime.customers.fields import FieldError

MAX_ENCODED_BYTES = 32 * 1024
"""Largest object as JSON (32 KiB): a rich profile or a big order fits many times over (Segment
caps an event at 32 KB too); beyond it a document or a log was sent by mistake."""

MAX_NESTING = 5
"""Objects and lists inside a value, at most: order.items[0].options.color is 4 levels."""

MAX_KEY_LENGTH = 64
"""Longest key, at any level: the same as an attribute name rules can use."""

MAX_STRING_LENGTH = 4_000
"""Longest text value: an LMS text is 2,000 bytes; more is content, not a customer's data."""

MAX_KEYS = 200
"""Most keys in one object, at any level: each top-level key is a column in an export and an
attribute in the rule picker."""

MAX_LISTED = 20
"""Problems listed for one object; the rest are counted (a value can break thousands)."""

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""Earliest time an event, a consent or a receipt may carry. Older than any CRM history worth
importing; what lands before it is a mistake: 0 or a Unix time read as a date (1970), or a year
typed without its century (0026-12-06)."""

FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of our clock a time may be: what happened can't be in the future (a day ahead
would let a wrong time zone through), but callers' clocks drift a little."""


@dataclass(frozen=True)
class Problem:
    """One field that breaks a bound, with what to do about it."""

    field: str
    message: str


def value_problems(field: str, value: Any) -> list[Problem]:
    """Every bound `value` (an attributes, properties or payload object) breaks, each naming
    its field; nothing recurses, so any depth is measured safely."""
    problems: list[Problem] = []
    too_deep = False
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_STRING_LENGTH:
                problems.append(Problem(where, f"{where} is {len(item):,} characters long; "
                                        f"text values take at most {MAX_STRING_LENGTH:,}."))
        elif isinstance(item, dict | list):
            if depth > MAX_NESTING:
                problems.append(Problem(where, f"{where} nests objects and lists more than "
                                        f"{MAX_NESTING} levels deep; flatten it."))
                too_deep = True
                continue
            problems += _container_problems(item, where)
            stack.extend(_inside(item, where, depth))
    # Sized only once known to be shallow: encoding recurses once per level.
    if not too_deep and len(msgspec.json.encode(value)) > MAX_ENCODED_BYTES:
        problems.append(Problem(field, f"{field} is larger than {MAX_ENCODED_BYTES // 1024} KiB "
                                "as JSON; send only what journeys and messages use."))
    return _listed(sorted(problems, key=lambda problem: problem.field))


def _container_problems(item: dict | list, where: str) -> list[Problem]:
    if not isinstance(item, dict):
        return []
    problems = [Problem(f"{where}.{key[:MAX_KEY_LENGTH]}…", f"A key in {where} is {len(key):,} "
                        f"characters long; keys take at most {MAX_KEY_LENGTH}.")
                for key in item if len(key) > MAX_KEY_LENGTH]
    if len(item) > MAX_KEYS:
        problems.append(Problem(where, f"{where} has {len(item):,} keys; an object takes at most "
                                f"{MAX_KEYS}."))
    return problems


def _inside(item: dict | list, where: str, depth: int) -> list[tuple[Any, str, int]]:
    if isinstance(item, dict):
        return [(inner, f"{where}.{key[:MAX_KEY_LENGTH]}", depth + 1)
                for key, inner in item.items()]
    return [(inner, f"{where}[{index}]", depth + 1) for index, inner in enumerate(item)]


def _listed(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_LISTED:
        return problems
    more = len(problems) - MAX_LISTED
    return [*problems[:MAX_LISTED], Problem(problems[MAX_LISTED].field,
                                            f"… and {more:,} more problems like these.")]


def growth_problem(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """What is wrong when a change leaves a customer's stored attributes past the bounds and
    bigger than they were (a profile already past them from before may still change, as long
    as it does not grow)."""
    if len(after) > MAX_KEYS and len(after) > len(before):
        return (f"the customer would have {len(after):,} attributes; a customer has at most "
                f"{MAX_KEYS}. Remove some (send them as null) before adding others.")
    size = len(msgspec.json.encode(after))
    if size > MAX_ENCODED_BYTES and size > len(msgspec.json.encode(before)):
        return (f"the customer's attributes would take {size / 1024:.0f} KiB; at most "
                f"{MAX_ENCODED_BYTES // 1024} KiB. Remove some (send them as null) first.")
    return None


def parse_instant(field: str, text: str, now: datetime) -> datetime:
    """A time a customer sends, read from ISO 8601 text with its offset (2026-12-06T10:00:00+09:00
    or …Z), between `EARLIEST` and a few minutes from `now`; FieldError saying what is wrong."""
    shown = text if len(text) <= 40 else text[:40] + "…"
    example = "a time with its offset, such as 2026-12-06T10:00:00+09:00 or 2026-12-06T01:00:00Z"
    try:
        moment = datetime.fromisoformat(text.strip().upper())  # RFC 3339 allows t and z
    except ValueError:
        moment = None
    if moment is None or len(text.strip()) <= len("2026-12-06"):  # a date alone is no time
        raise FieldError(field, f"{field} {shown!r} is not a time; send {example}.")
    if moment.tzinfo is None:
        raise FieldError(field, f"{field} {shown!r} has no offset (+09:00 or Z), so it doesn't "
                       f"say which moment it is; send {example}.")
    if moment < EARLIEST:
        raise FieldError(field, f"{field} {shown!r} is before {EARLIEST.year}; send the time it "
                       "really happened (a 0 or a number of seconds is not a time).")
    if moment > now + FUTURE_TOLERANCE:
        raise FieldError(field, f"{field} {shown!r} is in the future; send the time it happened, "
                       "with its offset, or leave it out for now.")
    return moment
