"""KakaoTalk's own rules (nodes/channels/kakao.py)."""

import pytest

from nodes.channels.kakao import CHANNEL
from nodes.kit.channel import ContentError
from tests.nodes.channels.test_contract import Draft


def test_variables_render_as_parts_and_go_with_the_template_code() -> None:
    draft = Draft(None, "#{name}님", {"template_code": "T1", "variables": {"name": "{{ n }}"}})
    assert list(CHANNEL.parts(draft)) == [("text", "#{name}님", False),
                                          ("var:name", "{{ n }}", False)]
    content = CHANNEL.content("010", {"text": "민지님", "var:name": "민지"}, draft)
    assert content == {"to": "010", "text": "민지님", "template_code": "T1",
                       "variables": {"name": "민지"}}


def test_no_template_code_is_a_permanent_refusal_of_the_request() -> None:
    with pytest.raises(ContentError, match="no template code"):
        CHANNEL.request(1, {"to": "010", "text": "x"}, {"sender_key": "k"})


def test_it_falls_back_to_sms() -> None:
    assert CHANNEL.fallback is not None and CHANNEL.fallback.channel == "sms"
