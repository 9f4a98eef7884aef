"""Korean and English: the words a person reads, from catalogues Python and the bundle share.

Source strings are English and are their own message ids (gettext's way): `_("Saved")`,
`_("{count} customers", count=n)` with named holes, `_.n("{n} step", "{n} steps", n)` for a
count. Each language's catalogue is every `.po` file under `locales/<language>/`, read with
Babel and merged (one file per area, so two people adding words rarely touch the same file);
the bundle gets the same catalogue, as JSON in the page (`bundle_words`). English needs no
translations: a missing entry falls back to the id. `tests/builder/test_i18n.py` fails on any
string the code marks that a catalogue lacks, and on unmarked text in pages and the canvas.

Dates, numbers and money (₩) are formatted per language with Babel (`Words.date`, `.number`,
`.money`); `negotiate` picks a language from a browser's Accept-Language header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

LANGUAGES = ("en", "ko")
"""The languages Wayline speaks; the first is the default."""

LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
"""Each language in its own words (the language menu)."""

LOCALES = Path(__file__).parent / "locales"
"""Where the catalogues live: locales/<language>/*.po."""

_HOLE = re.compile(r"\{(\w+)\}")


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark only"
    """Marks `message` for the catalogues without translating it (tables translated later)."""
    return message


class Words:
    """One language's words: call it to translate (`_("Saved")`), `.n` for counts, and
    `.date`/`.number`/`.money` to format values the way that language writes them."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else LANGUAGES[0]
        self._table = catalogue(self.language)
        self._locale = Locale.parse(self.language)

    def __call__(self, message: str, **holes: Any) -> str:
        """`message` in this language, its `{holes}` filled."""
        found = self._table.get(message)
        text = found if isinstance(found, str) and found else message
        return fill(text, holes) if holes else text

    def n(self, singular: str, plural: str, count: int, **holes: Any) -> str:
        """The form for `count` (`{n}` is the count), its holes filled."""
        found = self._table.get(singular)
        if isinstance(found, tuple) and found and found[0]:
            text = found[0] if len(found) == 1 or count == 1 else found[1]
        else:
            text = singular if count == 1 else plural
        return fill(text, {"n": self.number(count), **holes})

    def number(self, value: float) -> str:
        """A number as this language groups it (12,345)."""
        return format_decimal(value, locale=self._locale)

    def money(self, value: float, currency: str = "KRW") -> str:
        """An amount of money (₩12,345)."""
        return format_currency(value, currency, locale=self._locale)

    def date(self, moment: datetime, with_time: bool = True) -> str:
        """A full date, and with `with_time` the time and its zone: 'Mar 2, 2026, 21:30 KST',
        '2026년 3월 2일 21:30 KST'."""
        pattern = _DATE_PATTERNS[self.language][with_time]
        text = format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=self._locale)
        return f"{text} {moment.tzname() or 'UTC'}" if with_time else text


_DATE_PATTERNS = {"en": {True: "MMM d, yyyy, HH:mm", False: "MMM d, yyyy"},
                  "ko": {True: "yyyy년 M월 d일 HH:mm", False: "yyyy년 M월 d일"}}


def fill(text: str, holes: Mapping[str, Any]) -> str:
    """`text` with each `{name}` replaced by `holes[name]` (unknown names stay as written)."""
    return _HOLE.sub(lambda m: str(holes[m[1]]) if m[1] in holes else m[0], text)


@cache
def words(language: str) -> Words:
    """The words of `language` (the default language for one Wayline doesn't speak)."""
    return Words(language)


@cache
def catalogue(language: str) -> dict[str, str | tuple[str, ...]]:
    """Every translation of `language`: id → text (a tuple of forms for counted ones)."""
    table: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((LOCALES / language).glob("*.po")):
        with path.open("rb") as file:
            for message in read_po(file, locale=language):
                if not message.id or message.fuzzy:
                    continue
                if isinstance(message.id, tuple | list):
                    table[message.id[0]] = tuple(message.string or ())
                elif message.string:
                    table[message.id] = message.string
    return table


def bundle_words(language: str) -> dict[str, Any]:
    """What the canvas bundle needs to speak `language`: {"lang", "words"} (JSON-ready)."""
    table = catalogue(language) if language != LANGUAGES[0] else {}
    return {"lang": language,
            "words": {key: list(value) if isinstance(value, tuple) else value
                      for key, value in table.items()}}


def negotiate(accept_language: str | None) -> str:
    """The language a browser prefers among ours (its Accept-Language header), else English."""
    preferred = []
    for part in (accept_language or "").split(","):
        tag, _, weight = part.strip().partition(";q=")
        try:
            preferred.append((float(weight or 1), tag.strip().replace("_", "-")))
        except ValueError:
            continue
    for _, tag in sorted(preferred, key=lambda item: -item[0]):
        base = tag.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return LANGUAGES[0]
