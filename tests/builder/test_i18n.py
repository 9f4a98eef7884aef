"""Korean and English: every word the code marks is in both catalogues, pages mark their words,
and the words, counts, dates and money come out right in each language."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from builder.i18n import bundle_words, catalogue, fill, negotiate, words
from builder.i18n.extract import ROOT, missing, wanted
from builder.i18n.messages import say
from builder.validation import validate_journey

PAGES = [*sorted((ROOT / "builder" / "ui").glob("*.py")), ROOT / "server" / "signin_pages.py"]
"""The Python files that build what people read (ReactPy pages, sign-in pages)."""

READ_PROPS = {"placeholder", "title", "aria_label", "aria-label", "alt", "ariaLabel"}
"""Element properties people read (or hear)."""

WORD = re.compile(r"[A-Za-z]{2,}")


def test_every_marked_word_is_in_both_catalogues() -> None:
    found = wanted()
    for language in ("en", "ko"):
        lacking = missing(language, found)
        assert not lacking, (
            f"{len(lacking)} words lack a {language} entry; run `python -m builder.i18n.extract` "
            "and translate locales/ko/new.po: "
            + "; ".join(f"{item.id!r} ({item.where})" for item in lacking[:20]))


def test_translations_keep_every_hole() -> None:
    wrong = [(key, value) for key, value in catalogue("ko").items()
             for text in ([value] if isinstance(value, str) else value)
             if _holes(key) != _holes(text)]
    assert not wrong, f"translations that lose or invent a {{hole}}: {wrong[:10]}"


def _holes(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text)) - {"n"}


def test_pages_mark_every_word_they_show() -> None:
    unmarked = [where for path in PAGES for where in _unmarked(path)]
    assert not unmarked, ("text on pages not in the catalogues (wrap it in _()):\n"
                          + "\n".join(unmarked))


def _unmarked(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "html"):
            continue
        texts = [arg for arg in node.args if _is_words(arg)]
        for arg in node.args:
            if isinstance(arg, ast.Dict):
                texts += [value for key, value in zip(arg.keys, arg.values, strict=True)
                          if isinstance(key, ast.Constant) and key.value in READ_PROPS
                          and _is_words(value)]
        found += [f"{path.relative_to(ROOT)}:{text.lineno}: {ast.unparse(text)[:60]}"
                  for text in texts]
    return found


def _is_words(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_is_words(part) for part in node.values if isinstance(part, ast.Constant))
    return False


def test_words_translate_fill_and_count() -> None:
    en, ko = words("en"), words("ko")
    assert en("Journeys") == "Journeys"
    assert ko("Journeys") != "Journeys" and re.search("[가-힣]", ko("Journeys"))
    assert fill("{a} and {b}", {"a": 1}) == "1 and {b}"
    assert en.n("{n} step", "{n} steps", 1) == "1 step"
    assert en.n("{n} step", "{n} steps", 12345) == "12,345 steps"
    assert words("xx").language == "en"


def test_dates_and_money_per_language() -> None:
    moment = datetime(2026, 3, 2, 12, 30, tzinfo=UTC).astimezone(ZoneInfo("Asia/Seoul"))
    assert words("en").date(moment) == "Mar 2, 2026, 21:30 KST"
    assert words("ko").date(moment) == "2026년 3월 2일 21:30 KST"
    assert words("ko").date(moment, with_time=False) == "2026년 3월 2일"
    assert words("ko").money(12345) == "₩12,345"
    assert words("en").money(12345) == "₩12,345"


def test_a_browser_language_is_negotiated() -> None:
    assert negotiate("ko-KR,ko;q=0.9,en-US;q=0.8") == "ko"
    assert negotiate("en-US,en;q=0.9,ko;q=0.8") == "en"
    assert negotiate("fr-FR, ko;q=0.5") == "ko"
    assert negotiate("fr-FR") == "en"
    assert negotiate("") == "en"
    assert negotiate("ko;q=abc, en") == "en"


def test_the_bundle_gets_the_same_catalogue() -> None:
    table = bundle_words("ko")
    assert table["lang"] == "ko"
    assert table["words"]["Journeys"] == catalogue("ko")["Journeys"]
    assert bundle_words("en") == {"lang": "en", "words": {}}


def test_validation_messages_are_said_in_korean() -> None:
    document = {"nodes": [
        {"id": "w", "type": "flow.delay", "position": {"x": 0, "y": 0},
         "data": {"config": {"mode": "duration", "duration": {"amount": 0, "unit": "minutes"}}}},
        {"id": "x", "type": "flow.exit", "position": {"x": 0, "y": 0}, "data": {"config": {}}}],
        "edges": [], "settings": {}}
    issues = validate_journey(document)
    said = {issue.code: say(words("ko"), issue.message) for issue in issues}
    assert said["graph.no_entry"].startswith("여정에 진입이 없습니다")
    assert "'대기 시간' → '수량': 1 이상이어야 합니다." in said["config.invalid"]
    for issue in issues:  # nothing left in English but the values quoted from the journey
        unquoted = re.sub(r"'[^']*'|\([^)]*\)", "", say(words("ko"), issue.message))
        assert not re.search(r"\b[a-z]{3,}\b", unquoted), unquoted
    assert say(words("en"), issues[0].message) == issues[0].message


def test_message_templates_prefer_the_most_specific() -> None:
    assert say(words("ko"), "must be at least 5") == "5 이상이어야 합니다"
    assert say(words("ko"), "must be a whole number") == "정수여야 합니다"
