"""The canvas bridge: commands decode to their structs, anything else is a clear refusal, the
state round-trips, and the JavaScript's generated types match the structs."""

from __future__ import annotations

import msgspec
import pytest

from builder.ui import bridge
from builder.ui.bridge import (
    TYPES_FILE,
    Approve,
    BadCommandError,
    Compare,
    Pause,
    Restore,
    Save,
    decode_command,
    decode_preview,
)


def test_commands_decode_to_their_structs() -> None:
    save = decode_command('{"op": "save", "seq": 3, "revision": 7, "document": {"nodes": []}}')
    assert save == Save(seq=3, revision=7, document={"nodes": []})
    assert decode_command('{"op": "pause"}') == Pause(reason="")
    assert decode_command('{"op": "approve", "id": 4, "comment": "ok"}') == Approve(
        id=4, comment="ok")
    assert decode_preview('{"op": "dry_run", "id": "r1", "horizon_days": 7}').horizon_days == 7
    assert decode_command('{"op": "compare", "old": "2"}') == Compare(old="2", new="draft")
    assert decode_command('{"op": "restore", "number": 2}') == Restore(number=2)


@pytest.mark.parametrize("raw", ['{"op": "teleport"}', '{"op": "save", "seq": 1}',
                                 '{"op": "withdraw", "id": "four"}', '{"op": "reload", "x": 1}',
                                 "not json", "[]"])
def test_anything_else_is_a_clear_refusal(raw: str) -> None:
    with pytest.raises(BadCommandError, match="doesn't understand"):
        decode_command(raw)


def test_the_state_round_trips() -> None:
    state = bridge.CanvasState(
        journey={"id": 1}, document={"nodes": []}, revision=2,
        issues=[bridge.Issue(code="graph.no_entry", message="Add an entry.")], ports={},
        segments=[], templates=[], references={"coupon_pool": []},
        senders={"sms": {"default": "", "options": []}}, ack=0, saved=None,
        notice=None, can=bridge.Can(publish=True, request=False, approve=False, pause=True,
                                    previews=True, required=False),
        approval=None, versions=[], live=None, preview={}, session="s", sending=None,
        content=None)
    text = bridge.encode(state)
    assert msgspec.json.decode(text, type=bridge.CanvasState) == state
    assert '"severity"' not in text  # the default is left out; the canvas fills it in


def test_the_javascript_types_are_generated_from_the_structs() -> None:
    assert TYPES_FILE.read_text() == bridge.typescript(), (
        "builder/ui/js/src/bridge-types.d.ts is stale: run `python -m builder.ui.bridge`")
    for name in ("Save", "CanvasState", "Catalogue", "Issue", "PreviewAnswer"):
        assert f"export interface {name} " in TYPES_FILE.read_text()
