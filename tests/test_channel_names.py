"""No channel name is compared outside its own module (`nodes/channels/<key>.py`).

Every question about a channel — its words, its fields, whether it counts bytes, falls back,
takes a test to "me" — is the channel spec's to answer. This test reads the code (Python by its
syntax tree, the canvas's JavaScript by pattern) and fails on a branch or a table keyed on a
channel name anywhere else:

- a comparison (`==`, `!=`, `in`, `not in`, `is`) of a channel (an expression that says
  "channel", or the adapters by channel) with a channel name, or of anything with a literal
  collection made only of channel names (`x in ("sms", "kakao")`);
- a member of the Channel enums by name (`Channel.KAKAO`, `ReceiptChannel.SMS`);
- a literal table naming two channels or more (`{"email": …, "sms": …}`, `("email", "sms")`).

A single channel name as a value is data, not a branch: a starter journey's send step
(`{"channel": "email"}`), a starter template's channel. "email" is also a profile field and
"webhook" an icon: compared with something that is not a channel, they are not channels. The
demo data is data too. A provider gateway asks a channel's `product`
(`nodes.kit.channel.Product`), never its name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nodes.kit.channel import default_channels

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("nodes", "builder", "runtime", "server")
OWN = ROOT / "nodes" / "channels"
"""The channel modules: each may name itself (and the channel it falls back to)."""
DATA = {ROOT / "server" / "demo.py": "demo customers' consents, channel by channel"}
"""Modules of data, not of logic, and why."""
NAMES = frozenset(default_channels().keys())
CHANNELISH = re.compile(r"channel|adapters", re.IGNORECASE)
"""What an expression holding a channel (or something keyed by channel) says."""


def _python_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
                  if OWN not in path.parents and path not in DATA)


def _names_in(node: ast.AST) -> list[str]:
    """The channel names a literal collection is made of (empty unless all its strings are);
    for a collection of pairs, of their first items (`(("email", "Email"), …)`)."""
    if not isinstance(node, ast.Tuple | ast.List | ast.Set):
        return []
    items = [item.elts[0] if isinstance(item, ast.Tuple) and item.elts else item
             for item in node.elts]
    strings = [item.value for item in items
               if isinstance(item, ast.Constant) and isinstance(item.value, str)]
    return strings if strings and all(text in NAMES for text in strings) else []


def _is_name(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in NAMES


def offences(source: str) -> list[tuple[int, str]]:
    """(line, what) for each channel-name branch or table in this Python source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            about_channels = any(CHANNELISH.search(ast.unparse(side)) for side in sides)
            if any(_names_in(side) or (about_channels and _is_name(side)) for side in sides):
                found.append((node.lineno, "compares with a channel name"))
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id.endswith("Channel") and node.attr.lower() in NAMES):
            found.append((node.lineno, f"names {node.value.id}.{node.attr}"))
        elif isinstance(node, ast.Dict):
            keys = {key.value for key in node.keys if _is_name(key)}  # type: ignore[union-attr]
            if len(keys) >= 2:
                found.append((node.lineno, f"a table keyed on channels {sorted(keys)}"))
        elif isinstance(node, ast.ClassDef):
            members = {item.value.value for item in node.body if isinstance(item, ast.Assign)
                       and _is_name(item.value)}  # type: ignore[union-attr]
            if len(members) >= 2:
                found.append((node.lineno, f"an enum of channels {sorted(members)}"))
        elif len(set(_names_in(node))) >= 2:
            found.append((node.lineno, f"a list of channels {sorted(set(_names_in(node)))}"))
    return found


NAME = "|".join(sorted(NAMES))
JS_PATTERNS = (
    (re.compile(rf"""(===?|!==?)\s*["'`]({NAME})["'`]|["'`]({NAME})["'`]\s*(===?|!==?)"""),
     "compares with a channel name"),
    (re.compile(rf"""case\s+["'`]({NAME})["'`]\s*:"""), "switches on a channel name"),
    (re.compile(rf"""\{{[^{{}}]*\b({NAME})["']?\s*:[^{{}}]*\b({NAME})["']?\s*:[^{{}}]*\}}"""),
     "a table keyed on channels"),
    (re.compile(rf"""\[\s*["'`]({NAME})["'`]\s*,"""), "a list of channels"),
)


def js_offences(source: str) -> list[tuple[int, str]]:
    """(line, what) for each channel-name branch or table in this JavaScript source."""
    return [(source.count("\n", 0, match.start()) + 1, what)
            for pattern, what in JS_PATTERNS for match in pattern.finditer(source)]


def test_no_python_module_branches_on_a_channel_name() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in _python_files()
             for line, what in offences(path.read_text(encoding="utf-8"))]
    assert not found, ("ask the channel's spec (nodes/channels/<key>.py) instead:\n"
                       + "\n".join(found))


def test_no_canvas_source_branches_on_a_channel_name() -> None:
    sources = sorted((ROOT / "builder" / "ui" / "js" / "src").rglob("*.js*"))
    assert sources
    found = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in sources
             for line, what in js_offences(path.read_text(encoding="utf-8"))]
    assert not found, ("read the channel from channels.js (the server's registry) instead:\n"
                       + "\n".join(found))


@pytest.mark.parametrize(("source", "caught"), [
    ('if channel == "kakao": pass', True),
    ('ok = template.channel in ("sms", "kakao")', True),
    ('ok = "email" in adapters', True),
    ("x = Channel.KAKAO", True),
    ('NAMES = {"email": "Email", "sms": "SMS"}', True),
    ('TEXT = ("sms", "kakao")', True),
    ('LABELS = (("email", "Email"), ("sms", "SMS"))', True),
    ('class C(StrEnum):\n    SMS = "sms"\n    PUSH = "push"', True),
    ('node = {"channel": "email", "template": "welcome"}', False),
    ('ok = field in ("email", "name", "role")', False),
    ('if target == "email": pass', False),
    ("x = spec.fallback is not None", False),
])
def test_the_python_check_catches_branches_and_spares_data(source: str, caught: bool) -> None:
    assert bool(offences(source)) is caught


@pytest.mark.parametrize(("source", "caught"), [
    ('if (config.channel === "kakao") go();', True),
    ('const names = {\n  email: "Email",\n  sms: "SMS",\n};', True),
    ('const ICONS = {\n  send: Send,\n  webhook: Webhook,\n};', False),
    ('return ["email", "sms"].includes(channel);', True),
    ('switch (c) { case "push": break; }', True),
    ("const channel = channelOf(key);", False),
])
def test_the_javascript_check_catches_branches(source: str, caught: bool) -> None:
    assert bool(js_offences(source)) is caught
