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
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from builder.i18n import Words, catalogue

ROOT = Path(__file__).resolve().parents[2]

MESSAGE_SOURCES = ("builder/validation.py", "builder/wording.py", "builder/limits.py", "nodes",
                   "runtime/messaging/send_checks.py", "runtime/run/flight.py")
"""Where messages about a journey are made (files, or folders of them)."""

MESSAGE_CALLS = {"Issue": 1, "Problem": 1, "_warning": 2}
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


@cache
def _patterns(language: str) -> list[tuple[re.Pattern[str], str, str]]:
    """(pattern, id, translation) for each translated template with holes, the most
    specific first (the most words outside its holes), so "must be at least {value}" is
    tried before "must be {get}"."""
    found = [(key, text) for key, text in catalogue(language).items()
             if isinstance(text, str) and text and _HOLE.search(key)]
    found.sort(key=lambda item: -len(_HOLE.sub("", item[0])))
    return [(template_pattern(key), key, text) for key, text in found]


def template_pattern(template: str) -> re.Pattern[str]:
    """What matches a message made from `template` (each hole a group of its name)."""
    pieces, last = [], 0
    for match in _HOLE.finditer(template):
        pieces.append(re.escape(template[last:match.start()]))
        pieces.append(f"(?P<{match[1]}>{HOLE_PATTERNS.get(match[1], '.+?')})")
        last = match.end()
    pieces.append(re.escape(template[last:]))
    return re.compile("".join(pieces) + r"\Z", re.S)


def _filled(_: Words, text: str, values: dict[str, str]) -> str:
    return _HOLE.sub(lambda hole: say(_, values[hole[1]]) if hole[1] in values else hole[0],
                     text)


def say(_: Words, message: str) -> str:
    """`message` (made in English from a template) in `_`'s language."""
    if not message or _.language == "en":
        return message
    direct = _(message)
    if direct != message:
        return direct
    if _QUOTED_PATH.match(message):
        return re.sub(r"'([^']*)'", lambda title: f"'{_(title[1])}'", message)
    for pattern, _key, text in _patterns(_.language):
        match = pattern.match(message)
        if match:
            return _filled(_, text, match.groupdict())
    head, colon, rest = message.partition(": ")
    if colon and rest:
        return f"{_(head)}: {say(_, rest)}"
    return message
