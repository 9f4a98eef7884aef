"""msgspec's validation messages, said the way a marketer would (used by the validator)."""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

from builder.document import NODE_ID
from nodes.kit.values import ATTRIBUTE_NAME, EVENT_NAME, LOCAL_TIME

PATTERN_HINTS = {
    LOCAL_TIME: "a time like 09:30",
    ATTRIBUTE_NAME: "a name of letters, digits and _ that doesn't start with a digit",
    EVENT_NAME: "an event name (1 to 128 characters)",
    NODE_ID: "letters, digits and - _ . : only",
}
"""What a text field's pattern asks for, in words."""


_ERROR = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def _pattern_hint(match: re.Match[str]) -> str:
    # msgspec shows the pattern as a repr, with its backslashes doubled.
    pattern = match[1].replace("\\\\", "\\")
    return f"must be {PATTERN_HINTS.get(pattern, 'in the right format')}"


PLAIN_WORDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(pattern), say) for pattern, say in [
        (r"Expected `(\w+)` >= (\S+)", lambda m: f"must be at least {m[2]}"),
        (r"Expected `(\w+)` <= (\S+)", lambda m: f"must be at most {m[2]}"),
        (r"Expected `(\w+)` > (\S+)", lambda m: f"must be more than {m[2]}"),
        (r"Expected `(\w+)` < (\S+)", lambda m: f"must be less than {m[2]}"),
        (r"Expected `str` of length >= 1", lambda m: "can't be empty"),
        (r"Expected `str` of length <= (\d+)", lambda m: f"must be at most {m[1]} characters"),
        (r"Expected `array` of length >= (\d+)", lambda m: f"needs at least {m[1]} item(s)"),
        (r"Expected `array` of length <= (\d+)", lambda m: f"takes at most {m[1]} items"),
        (r"Expected `str` matching regex '(.*)'", _pattern_hint),
        (r"Expected `int`, got `(\w+)`", lambda m: "must be a whole number"),
        (r"Expected `(int \| float|float)`, got `(\w+)`", lambda m: "must be a number"),
        (r"Expected `str`, got `(\w+)`", lambda m: "must be text"),
        (r"Expected `bool`, got `(\w+)`", lambda m: "must be true or false"),
        (r"Expected `array`, got `(\w+)`", lambda m: "must be a list"),
        (r"Expected `object`, got `(\w+)`", lambda m: "must be a JSON object"),
        (r"Invalid enum value '(.*)'", lambda m: f"can't be '{m[1]}'; pick one of the choices"),
        (r"Object missing required field `(\w+)`", lambda m: f"needs '{m[1]}'"),
        (r"Object contains unknown field `(\w+)`", lambda m: f"has '{m[1]}', not a setting"),
    ]]
"""msgspec's validation messages, said the way a marketer would."""


def humanize(error: msgspec.ValidationError) -> tuple[str, str]:
    """msgspec's message as (path inside the field, what is wrong in plain words)."""
    found = _ERROR.match(str(error))
    what, path = found["what"], (found["path"] or "").lstrip(".")
    for pattern, say in PLAIN_WORDS:
        match = pattern.match(what)
        if match:
            return path, say(match)
    return path, what[:1].lower() + what[1:]
