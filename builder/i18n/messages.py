"""Messages made in English elsewhere, said in a page's language.

The validator, the node kinds' checks and the channels build their messages as English
sentences with values in them (f-strings), under codes that never change. Their catalogue
entries are those sentences as templates with named holes, found by reading the source
(`message_templates`): `"{label}: '{title}' is required."`. `say(_, text)` finds the template
a message was made from, translates it and puts the same values back; a value that is itself a
message or a catalogue entry (a kind's label, a port's name) is said too. A message made of parts
("Wait 1: Wait for: choose how long to wait") is said part by part, split at ": ".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path

from builder.i18n import Words, catalogue

ROOT = Path(__file__).resolve().parents[2]

MESSAGE_SOURCES = ("builder/validation.py", "builder/wording.py", "builder/limits.py", "nodes",
                   "runtime/messaging/send_checks.py", "runtime/run/flight.py",
                   "runtime/messaging/brand_checks.py", "runtime/messaging/reviews.py",
                   "runtime/customers/fields.py", "runtime/customers/input_bounds.py",
                   "runtime/customers/csv_records.py", "runtime/customers/csv_import.py",
                   "runtime/messaging/opt_outs.py", "runtime/insight/stages.py",
                   "server/services/coverage.py")
"""Where messages about a journey, or about a customer or a CSV row that was not loaded, are
made (files, or folders of them)."""

MESSAGE_CALLS = {"Issue": 1, "Problem": 1, "_warning": 2, "_error": 2, "FieldError": 1,
                 "ValueError": 0, "Record": 2}
"""Calls whose message argument (at this position, or `message=`) is a sentence for people."""

_HOLE = re.compile(r"\{(\w+)\}")
_PATH = r"'[^']*'(?: → '[^']*')*"
HOLE_PATTERNS = {"where": _PATH}
"""Holes that match a shape, not any text: `{where}` is a field's path ('Wait for' → 'Amount')."""
_QUOTED_PATH = re.compile(rf"\A{_PATH}\Z")
_HAS_WORDS = re.compile(r"[A-Za-z]{2}")


def message_templates() -> Iterator[tuple[str, str]]:
    """Every message template in MESSAGE_SOURCES, with where it is made."""
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            for text in _messages_in(node):
                template = _template(text)
                if template and _HAS_WORDS.search(_HOLE.sub("", template)):
                    yield template, f"{path.relative_to(ROOT)}:{text.lineno}"


def _sources() -> list[Path]:
    found = []
    for name in MESSAGE_SOURCES:
        path = ROOT / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def _messages_in(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else \
            node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if name in MESSAGE_CALLS:
            given = [kw.value for kw in node.keywords if kw.arg == "message"]
            at = MESSAGE_CALLS[name]
            return given or node.args[at:at + 1]
        if name == "append" and node.args and isinstance(node.args[0], ast.Tuple) \
                and len(node.args[0].elts) == 2:
            return [node.args[0].elts[1]]
    if isinstance(node, ast.Lambda):
        return [node.body]
    if isinstance(node, ast.Return) and node.value is not None:
        return [node.value]
    return []


def _template(text: ast.expr) -> str | None:
    if isinstance(text, ast.Constant) and isinstance(text.value, str):
        return text.value
    if not isinstance(text, ast.JoinedStr):
        return None
    parts, used = [], set()
    for part in text.values:
        if isinstance(part, ast.Constant):
            parts.append(str(part.value).replace("{", "{{").replace("}", "}}"))
        elif isinstance(part, ast.FormattedValue):
            name = _hole_name(part.value, used)
            used.add(name)
            parts.append("{" + name + "}")
    return "".join(parts).replace("{{", "{").replace("}}", "}")


def _hole_name(value: ast.expr, used: set[str]) -> str:
    if isinstance(value, ast.Name):
        base = value.id
    elif isinstance(value, ast.Attribute):
        base = value.attr
    elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name | ast.Attribute):
        base = value.func.id if isinstance(value.func, ast.Name) else value.func.attr
    else:
        base = "value"
    base = re.sub(r"\W", "", base.lstrip("_")) or "value"
    name, index = base, 2
    while name in used:
        name, index = f"{base}{index}", index + 1
    return name


class Templates:
    """The templates one kind of message is made from, and which one made a message: the
    most specific first (the most words outside its holes), so "must be at least {value}"
    is tried before "must be {get}"."""

    def __init__(self, templates: Iterable[str],
                 holes: Mapping[str, str] = HOLE_PATTERNS) -> None:
        found = sorted({template for template in templates if _tells(template, holes)},
                       key=lambda template: (-len(_HOLE.sub("", template)), template))
        self._patterns = [(template, template_pattern(template, holes)) for template in found]

    def match(self, text: str) -> tuple[str, dict[str, str]] | None:
        """The template `text` was made from and the values of its holes, or None."""
        for template, pattern in self._patterns:
            found = pattern.match(text)
            if found:
                return template, found.groupdict()
        return None


def _tells(template: str, holes: Mapping[str, str]) -> bool:
    """Whether a message can be known by `template`: it has holes, and words outside them
    or a hole of a set shape ("{step} → {port}" would match any text with an arrow)."""
    names = set(_HOLE.findall(template))
    return bool(names) and (bool(_HAS_WORDS.search(_HOLE.sub("", template)))
                            or any(name in holes for name in names))


@cache
def _translated(language: str) -> Templates:
    """The catalogue's templates that `language` translates."""
    return Templates(key for key, text in catalogue(language).items()
                     if isinstance(text, str) and text)


def template_pattern(template: str,
                     holes: Mapping[str, str] = HOLE_PATTERNS) -> re.Pattern[str]:
    """What matches a message made from `template` (each hole a group of its name, of the
    shape `holes` gives it, else any text)."""
    pieces, last, seen = [], 0, set()
    for match in _HOLE.finditer(template):
        pieces.append(re.escape(template[last:match.start()]))
        name = match[1]
        pieces.append(f"(?P={name})" if name in seen
                      else f"(?P<{name}>{holes.get(name, '.+?')})")
        seen.add(name)
        last = match.end()
    pieces.append(re.escape(template[last:]))
    return re.compile("".join(pieces) + r"\Z", re.S)


NAME_HOLES = re.compile(r"(name|label|step|journey|template|customer|key|id)\d*")
"""Holes holding what a person named (a step, a journey, a template): said only when the name
is a catalogue word itself (a step left with its kind's label), never taken apart."""


def _filled(_: Words, text: str, values: dict[str, str]) -> str:
    def value(hole: re.Match[str]) -> str:
        if hole[1] not in values:
            return hole[0]
        found = values[hole[1]]
        return _(found) if NAME_HOLES.fullmatch(hole[1]) else say(_, found)
    return _HOLE.sub(value, text)


def known(_: Words, text: str) -> str | None:
    """`text` in `_`'s language when nothing is to be worked out: empty, English, or a
    catalogue entry as it stands; None for a message made from a template."""
    if not text or _.language == "en":
        return text
    direct = _(text)
    return direct if direct != text else None


def say(_: Words, message: str) -> str:
    """`message` (made in English from a template) in `_`'s language."""
    direct = known(_, message)
    if direct is not None:
        return direct
    if _QUOTED_PATH.match(message):
        return re.sub(r"'([^']*)'", lambda title: f"'{_(title[1])}'", message)
    found = _translated(_.language).match(message)
    if found:
        return _filled(_, _(found[0]), found[1])
    head, colon, rest = message.partition(": ")
    if colon and rest:
        return f"{_(head)}: {say(_, rest)}"
    return message
