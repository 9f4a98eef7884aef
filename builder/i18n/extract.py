"""Which words the code asks the catalogues for, and which they lack.

Marked words are found by reading the source, never by running it:
- Python: `_("…")`, `N_("…")`, `words(...)("…")` and `_.n("…", "…", n)` calls (ast);
- the canvas bundle (builder/ui/js/src): `t("…")`, `N_("…")` and `tn("…", "…", n)` calls.
Words that come from registries (node kinds, their ports and forms, channels) are listed by
`builder.i18n.registry_words`, and the messages the validator and node checks make, as
templates, by `builder.i18n.messages`. `python -m builder.i18n.extract [--into AREA]` adds every
missing id to `locales/<language>/AREA.po` (default "new"; English needs no text, Korean's
waits for a translator) and prints what still lacks a Korean translation; the test suite
fails until none does.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from builder.i18n import LANGUAGES, LOCALES, catalogue

ROOT = Path(__file__).resolve().parents[2]
"""The checkout: server/, builder/, nodes/, runtime/ live here."""

PYTHON_DIRS = ("server", "builder", "runtime")
"""Where Python code marks words (nodes/ marks none: its words reach people through the
registries, listed by `registry_words`)."""

JS_SOURCE = ROOT / "builder" / "ui" / "js" / "src"

_JS_CALL = re.compile(
    r"""\b(t|N_|tn)\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    r"""(?:\s*,\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))?""")


@dataclass(frozen=True)
class Wanted:
    """One id the code asks for, its plural when counted, and where it was found."""

    id: str
    plural: str | None
    where: str


def python_words(paths: Iterable[Path]) -> Iterator[Wanted]:
    """The ids marked in Python files."""
    for path in paths:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                found = _python_call(node)
                if found:
                    yield Wanted(found[0], found[1], f"{_rel(path)}:{node.lineno}")


def _python_call(call: ast.Call) -> tuple[str, str | None] | None:
    texts = [arg.value for arg in call.args[:2]
             if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "n" and isinstance(func.value, ast.Name) \
            and func.value.id == "_" and len(texts) == 2:
        return texts[0], texts[1]
    marked = (isinstance(func, ast.Name) and func.id in ("_", "N_")) or \
        (isinstance(func, ast.Call) and isinstance(func.func, ast.Name)
         and func.func.id == "words")
    if marked and call.args and isinstance(call.args[0], ast.Constant) \
            and isinstance(call.args[0].value, str):
        return call.args[0].value, None
    return None


def js_words(paths: Iterable[Path]) -> Iterator[Wanted]:
    """The ids marked in the canvas bundle's sources."""
    for path in paths:
        text = path.read_text()
        for match in _JS_CALL.finditer(text):
            kind, first, second = match.groups()
            line = text.count("\n", 0, match.start()) + 1
            plural = _js_string(second) if kind == "tn" and second else None
            yield Wanted(_js_string(first), plural, f"{_rel(path)}:{line}")


def _js_string(literal: str) -> str:
    return ast.literal_eval(literal)


def _rel(path: Path) -> str:
    return str(path.resolve().relative_to(ROOT))


def wanted() -> list[Wanted]:
    """Every id the code and the registries ask for."""
    from builder.i18n.messages import message_templates
    from builder.i18n.registry_words import registry_words

    python = [path for folder in PYTHON_DIRS for path in (ROOT / folder).rglob("*.py")]
    js = [path for path in JS_SOURCE.rglob("*") if path.suffix in (".js", ".jsx")
          and path.name != "i18n.js"]
    messages = [Wanted(text, None, where) for text, where in message_templates()]
    return [*python_words(python), *js_words(js), *registry_words(), *messages]


def missing(language: str, found: Iterable[Wanted]) -> list[Wanted]:
    """The ids `language`'s catalogue lacks (for English: lacks as an entry; for the others:
    lacks a translation)."""
    if language == LANGUAGES[0]:
        known = set(_entries(language))
    else:
        known = {key for key, value in catalogue(language).items()
                 if value and (isinstance(value, str) or all(value))}
    seen: set[str] = set()
    lacking = []
    for item in found:
        if item.id not in known and item.id not in seen:
            seen.add(item.id)
            lacking.append(item)
    return lacking


def _entries(language: str) -> set[str]:
    ids: set[str] = set()
    for path in (LOCALES / language).glob("*.po"):
        with path.open("rb") as file:
            ids |= {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(file) if m.id}
    return ids


def add_missing(found: list[Wanted], area: str = "new") -> dict[str, int]:
    """Adds the ids each catalogue lacks to its `area`.po; how many went to each language."""
    added = {}
    for language in LANGUAGES:
        have = _entries(language)
        todo = [item for item in found if item.id not in have]
        path = LOCALES / language / f"{area}.po"
        catalog = Catalog(locale=language)
        if path.exists():
            with path.open("rb") as file:
                catalog = read_po(file, locale=language)
        for item in todo:
            catalog.add((item.id, item.plural) if item.plural else item.id,
                        ("", "") if item.plural else "", locations=[(item.where, None)])
        if todo:
            with path.open("wb") as file:
                write_po(file, catalog, width=100, omit_header=True)
        added[language] = len({item.id for item in todo})
    catalogue.cache_clear()
    return added


def main(argv: list[str]) -> int:
    """Adds missing ids to the catalogues; prints what Korean still lacks; 1 when anything does."""
    area = argv[argv.index("--into") + 1] if "--into" in argv[:-1] else "new"
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", area):
        print(f"--into {area!r}: an area is a lower-case file name, e.g. customers")
        return 2
    found = wanted()
    added = add_missing(found, area)
    print(", ".join(f"{language}: {count} new" for language, count in added.items()))
    lacking = missing("ko", found)
    for item in lacking:
        print(f"untranslated: {item.id!r} ({item.where})")
    return 1 if lacking else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
