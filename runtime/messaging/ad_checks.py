"""What the law asks of an advertisement's text, checked where a marketer can see why.

정보통신망법 제50조 ④ and 시행령 제61조 ask an advertising text message or KakaoTalk message
to start with exactly "(광고)" followed by the sender's name, and to end with a free way to
refuse (무료수신거부 and a free 080 number); the label may not be altered ("[광고]", "(광/고)",
"( 광고 )", "광고)" are all read as evasion) nor carried only in an image. Wayline adds the label
and line itself (`runtime.messaging.compliance`), so what a template must not do is write an
altered label of its own, or carry its words only as an image. Counsel should confirm the
reading for each workspace; the strict one is enforced by default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

LABEL = "(광고)"
"""The one label the law accepts."""

ALTERED = re.compile(r"[(\[{<（【〔「]?\s*광\s*[/·.\-_ ]*\s*고\s*[)\]}>）】〕」]")
"""A label-like run: 광고 in any brackets, or split by spaces or marks."""

BARE_START = re.compile(r"^\s*광\s*[/·.\-_ ]*\s*고\s*[:：]")
"""'광고:' at the start, another altered form."""


def label_problems(text: str, label: str = LABEL) -> list[str]:
    """What is wrong with the advertising label a text writes itself ('' text: nothing)."""
    stripped = (text or "").lstrip()
    problems = []
    for match in ALTERED.finditer(stripped):
        written = match.group(0)
        if written == label and match.start() == 0:
            continue
        where = "at the start" if match.start() == 0 else "inside the text"
        problems.append(f"'{written}' {where} is not the label the law asks for: write "
                        f"exactly {label} at the very start, or leave it out (Wayline adds it to "
                        "marketing messages)")
    if BARE_START.match(stripped):
        problems.append(f"'광고:' is not the label the law asks for: write exactly {label}")
    return problems


def image_only(source: str, options: Mapping[str, Any]) -> bool:
    """True when a template carries images but no text: the label, the sender's name and the
    opt-out line would be in the image only, which the law does not accept."""
    images = options.get("images") or options.get("image")
    return bool(images) and not (source or "").strip()
