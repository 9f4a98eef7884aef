"""Webhook's own rules (nodes/channels/webhook.py)."""

import pytest

from nodes.channels.webhook import CHANNEL
from nodes.kit.channel import ContentError
from tests.nodes.channels.test_contract import Draft


def test_only_http_addresses_are_called() -> None:
    draft = Draft(None, "{}", {"url": "{{ u }}"})
    with pytest.raises(ContentError) as caught:
        CHANNEL.content(None, {"url": "ftp://x", "body": {}}, draft)
    assert caught.value.part == "url"


def test_the_method_must_be_one_webhooks_use() -> None:
    with pytest.raises(ContentError, match="POST or PUT or PATCH"):
        CHANNEL.compile_check(Draft(None, "{}", {"url": "https://x", "method": "GET"}))


def test_a_test_call_is_marked_in_a_header() -> None:
    marked = CHANNEL.mark_test({"headers": {"A": "1"}})
    assert marked["headers"] == {"A": "1", "X-Wayline-Test": "1"}
