"""App push's own rules (nodes/channels/push.py)."""

from nodes.channels.push import CHANNEL
from nodes.kit.channel import Address
from tests.nodes.channels.test_contract import Draft


def test_a_push_without_a_title_has_no_title_part() -> None:
    assert [name for name, _, _ in CHANNEL.parts(Draft(None, "Hi", {}))] == ["text"]


def test_data_and_deep_link_go_in_the_request() -> None:
    draft = Draft("T", "Hi", {"deep_link": "app://x", "data": {"k": "v"}})
    content = CHANNEL.content("c1", {"title": "T", "text": "Hi", "deep_link": " app://x ",
                                     "data:k": "v"}, draft)
    body = CHANNEL.request(3, content, {})
    assert body == {"message_id": 3, "to": "c1", "title": "T", "body": "Hi",
                    "deep_link": "app://x", "data": {"k": "v"}}


def test_a_push_goes_to_the_customers_devices() -> None:
    assert CHANNEL.address is Address.DEVICE
